// A sheet's history in the contributor's space: every version, newest first, with who made
// it, through what, and each changed field before and after.

import { el } from './common.js';
import { $, api, author, dateFormat } from './account.js';

const ACTIONS = {
  created: 'création', proposed: 'proposition', drafted: 'brouillon', published: 'publication', edited: 'modification',
  rejected: 'refus', archived: 'archivage', imported: 'import',
};
const FIELDS = {
  title: 'Titre', summary: 'Résumé', body: 'Description', services: 'Services', year: 'Année', website: 'Site web',
  places: 'Lieux', status: 'Statut', authority: 'Collectivité',
};
const CHANNELS = { api: 'par l’API ou cet espace', import: 'par un import', cli: 'en ligne de commande', sql: 'directement en base' };

/** A field's value as text. */
function text(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'places' && Array.isArray(value)) {
    return value.map((p) => [p.label, p.address, p.postal_code, p.commune, `${p.lon}, ${p.lat}`].filter(Boolean).join(' · ')).join(' ; ');
  }
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

function entryItem(e) {
  const title = `Version ${e.version} · ${ACTIONS[e.action] || e.action} · ${dateFormat.format(new Date(e.at))}`;
  const who = e.actor ? `par ${author(e.actor)} ${CHANNELS[e.channel] || ''}`.trim() : null;
  const changes = Object.entries(e.changes || {});
  return el('li', {},
    el('h3', {}, title),
    el('p', { class: 'meta' }, [who, e.public ? 'visible du public' : 'non publique'].filter(Boolean).join(' · ')),
    e.reason ? el('p', { class: 'reason' }, `Motif : ${e.reason}`) : null,
    changes.length ? el('table', { class: 'diff' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Champ'), el('th', { scope: 'col' }, 'Avant'), el('th', { scope: 'col' }, 'Après'))),
      el('tbody', {}, changes.map(([field, [before, after]]) => el('tr', { class: 'changed' },
        el('th', { scope: 'row' }, FIELDS[field] || field), el('td', {}, text(field, before)), el('td', {}, text(field, after))))))
      : null);
}

/** Fills the history section with a sheet's entries, newest first. */
export async function showHistory(sheet) {
  $('history-title').textContent = `Historique de « ${sheet.title} »`;
  const list = $('history-entries');
  list.setAttribute('aria-busy', 'true');
  const res = await api('GET', `/api/initiatives/${sheet.id}/history`);
  list.removeAttribute('aria-busy');
  if (!res.ok) {
    list.replaceChildren(el('li', { class: 'field-error' }, 'L’historique de cette fiche ne peut pas être affiché.'));
    return;
  }
  list.replaceChildren(...[...res.data.entries].reverse().map(entryItem));
  $('history-title').focus();
}
