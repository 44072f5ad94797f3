// The bulk import of the contributor's space: a file checked first (a dry run whose report
// lists the rows to create or update and every error by row and column), then imported, with
// its progress while the server works through a long file.

import { el, formatNumber } from './common.js';
import { $, session, say } from './account.js';
import { reasonText } from './reasons.js';

let checked = null;

/** Sends the file to `POST /api/import`: the job as the server answered it. */
async function send(file, dryRun) {
  const query = new URLSearchParams({ file_name: file.name });
  if (dryRun) query.set('dry_run', 'true');
  if ($('b-skip').checked) query.set('skip_invalid', 'true');
  const res = await fetch(`/api/import?${query}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'content-type': file.type || 'text/csv', 'x-csrf-token': session.csrf || '' },
    body: file,
  });
  const job = await res.json().catch(() => ({}));
  return { status: res.status, job };
}

/** Polls a running job until it ends, showing its progress. */
async function follow(job) {
  const bar = $('b-progress');
  bar.hidden = false;
  while (job.state === 'running') {
    const { rows_total: total, rows_checked: done } = job.progress;
    if (total) { bar.max = total; bar.value = done; } else bar.removeAttribute('value');
    $('b-progress-text').textContent = total ? `${formatNumber(done)} lignes vérifiées sur ${formatNumber(total)}…` : 'Lecture du fichier…';
    await new Promise((ok) => setTimeout(ok, 1000));
    const res = await fetch(job.links.self, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    job = await res.json();
  }
  bar.hidden = true;
  $('b-progress-text').textContent = '';
  return job;
}

function reportView(job) {
  const r = job.report;
  if (!r) return [el('p', { class: 'field-error', role: 'alert' }, `Le fichier est refusé : ${job.error || 'erreur inconnue'}.`)];
  const counts = r.written
    ? `Créées : ${r.created} · mises à jour : ${r.updated} · inchangées : ${r.unchanged}`
    : `À créer : ${r.created} · à mettre à jour : ${r.updated} · inchangées : ${r.unchanged} (rien n’est encore écrit)`;
  const lines = [`${formatNumber(r.rows)} lignes, ${formatNumber(r.sheets)} fiches ; ${formatNumber(r.rejected_rows)} lignes écartées.`, counts];
  if (r.proposed) lines.push('Les fiches iront à la modération : elles seront publiques une fois publiées.');
  const out = lines.map((l) => el('p', {}, l));
  if (r.errors.length) out.push(problemTable(r.errors, 'errors', `${r.errors.length} erreur${r.errors.length > 1 ? 's' : ''}`));
  if (r.warnings.length) {
    const s = r.warnings.length > 1 ? 's' : '';
    out.push(problemTable(r.warnings, 'warnings', `${r.warnings.length} avertissement${s} : lieu${s} à vérifier`));
  }
  return out;
}

/** The problems of a report by line and column, in French. */
function problemTable(problems, kind, caption) {
  return el('table', { class: `diff ${kind}` },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Ligne'), el('th', { scope: 'col' }, 'Colonne'), el('th', { scope: 'col' }, 'Motif'))),
    el('tbody', {}, problems.map((e) => el('tr', {},
      el('td', {}, String(e.line || e.row)), el('td', {}, e.column || '—'),
      el('td', {}, reasonText(e), e.candidates && e.candidates.length ? ` (peut-être : ${e.candidates.join(', ')})` : '')))));
}

async function run(dryRun, afterImport) {
  const file = $('b-file').files[0];
  if (!file) {
    say('Choisissez d’abord un fichier.');
    $('b-file').focus();
    return;
  }
  $('b-report').setAttribute('aria-busy', 'true');
  let { status, job } = await send(file, dryRun);
  if (status === 202) job = await follow(job);
  $('b-report').removeAttribute('aria-busy');
  if (!job.state) {
    $('b-report').replaceChildren(el('p', { class: 'field-error', role: 'alert' },
      status === 413 ? 'Le fichier dépasse 64 Mo : découpez-le.' : `Le fichier n’a pas pu être envoyé (erreur ${status}).`));
    return;
  }
  $('b-report').replaceChildren(...reportView(job));
  checked = dryRun && job.state === 'done' ? file : null;
  $('b-import').disabled = !checked;
  if (dryRun) say(job.state === 'done' ? 'Fichier vérifié : rien n’est encore écrit.' : 'Le fichier a des erreurs : rien n’est écrit.');
  else if (job.state === 'done') {
    say('Import terminé.');
    await afterImport();
  } else say('L’import n’a rien écrit.');
}

export function setUpBulk(afterImport) {
  $('b-file').addEventListener('change', () => { checked = null; $('b-import').disabled = true; $('b-report').replaceChildren(); });
  $('b-skip').addEventListener('change', () => { checked = null; $('b-import').disabled = true; });
  $('b-check').addEventListener('click', () => run(true, afterImport));
  $('b-import').addEventListener('click', () => run(false, afterImport));
}
