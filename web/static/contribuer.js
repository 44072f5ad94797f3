// The contributor's space: choosing a password through a one-time link, signing in and out
// (account.js), and an authority's sheets in every state.

import { el } from './common.js';
import { $, api, author, dateFormat, fieldError, say, session, startSession, tooMany } from './account.js';
import { backToEditor, loadReferential, openEditor, setUpEditor } from './editor.js';
import { showPreview } from './preview.js';
import { showHistory } from './history.js';
import { setUpBulk } from './bulk.js';

const LINK_PREFIX = '#atlk_';
let signInForm = () => {};

function show(sectionId) {
  for (const id of ['password-set', 'sign-in', 'sheets', 'editor', 'preview', 'history', 'bulk']) $(id).hidden = id !== sectionId;
}

// ------------------------------------------------------------------ one-time link

async function setPassword(event) {
  event.preventDefault();
  const password = $('new-password');
  const confirm = $('confirm-password');
  fieldError(password, 'new-password-error', null);
  fieldError(confirm, 'confirm-password-error', null);
  if ([...password.value].length < 12) {
    fieldError(password, 'new-password-error', 'Le mot de passe doit compter au moins 12 caractères.');
    password.focus();
    return;
  }
  if (confirm.value !== password.value) {
    fieldError(confirm, 'confirm-password-error', 'Les deux saisies ne sont pas identiques.');
    confirm.focus();
    return;
  }
  const link = location.hash.slice(1);
  const res = await api('POST', '/api/account/password', { link, password: password.value });
  if (res.status === 429) return fieldError(password, 'new-password-error', tooMany(res));
  if (res.status === 422) return fieldError(password, 'new-password-error', 'Le mot de passe doit compter de 12 à 256 caractères.');
  if (!res.ok) {
    return fieldError(password, 'new-password-error',
      'Ce lien est inconnu, a déjà servi ou a expiré : demandez-en un nouveau à l’équipe de l’Atlaas.');
  }
  // The link is spent: take it out of the address bar and of the history.
  history.replaceState(null, '', location.pathname);
  password.value = confirm.value = '';
  signInForm(res.data.account.email);
  say('Votre mot de passe est enregistré : connectez-vous.');
}

// ------------------------------------------------------------------ the sheets

const STATES = [
  ['draft', 'Brouillons'],
  ['proposed', 'En attente de modération'],
  ['rejected', 'Refusées par la modération'],
  ['published', 'Publiées'],
  ['archived', 'Archivées'],
];

function sheetItem(sheet) {
  const title = sheet.status === 'published'
    ? el('a', { href: `/?fiche=${sheet.id}` }, sheet.title)
    : el('span', { class: 'title' }, sheet.title);
  const when = dateFormat.format(new Date(sheet.updated_at));
  return el('li', { 'data-id': sheet.id },
    title, ' ',
    el('button', { type: 'button', class: 'link', 'aria-label': `Modifier « ${sheet.title} »`, onclick: () => edit(sheet.id) }, 'Modifier'),
    ' ',
    el('button', { type: 'button', class: 'link', 'aria-label': `Historique de « ${sheet.title} »`, onclick: () => openHistory(sheet) }, 'Historique'),
    sheet.state === 'archived' ? null : [' ', el('button', {
      type: 'button', class: 'link', 'aria-label': `Archiver « ${sheet.title} »`, onclick: () => archive(sheet),
    }, 'Archiver')],
    el('span', { class: 'meta' }, `${sheet.year} · modifiée le ${when} par ${author(sheet.updated_by)}`),
    sheet.reason ? el('p', { class: 'reason' }, `Motif du refus : ${sheet.reason}`) : null);
}

/** Every sheet of an authority, page after page; `null` when they cannot be read. */
async function sheetsOf(code) {
  const sheets = [];
  let after = null;
  do {
    const query = new URLSearchParams({ limit: '1000' });
    if (after) query.set('after', after);
    const res = await api('GET', `/api/authorities/${encodeURIComponent(code)}/initiatives?${query}`);
    if (!res.ok) return { status: res.status };
    sheets.push(...res.data.initiatives);
    after = res.data.next_after;
  } while (after);
  return { sheets };
}

async function loadSheets(code, name) {
  listed = { code, name };
  $('new-sheet').hidden = !session.account || session.account.authority !== code;
  $('open-bulk').hidden = $('new-sheet').hidden;
  const groups = $('sheet-groups');
  groups.setAttribute('aria-busy', 'true');
  $('sheets-title').textContent = `Les fiches de ${name || code}`;
  const { sheets, status } = await sheetsOf(code);
  groups.removeAttribute('aria-busy');
  if (!sheets) {
    groups.replaceChildren(el('p', { class: 'field-error' },
      status === 401 ? 'Votre session a pris fin : reconnectez-vous.' : 'Ces fiches ne peuvent pas être affichées.'));
    if (status === 401) signInForm(session.account && session.account.email);
    return;
  }
  const sections = STATES.map(([state, label]) => {
    const mine = sheets.filter((s) => s.state === state);
    const id = `state-${state}`;
    return el('section', { class: 'sheet-group', 'aria-labelledby': id },
      el('h3', { id }, `${label} (${mine.length})`),
      mine.length ? el('ul', { class: 'sheet-list' }, mine.map(sheetItem)) : el('p', { class: 'meta' }, 'Aucune fiche.'));
  });
  groups.replaceChildren(...sections);
}

/** The authority whose sheets are listed: its code and name. */
let listed = { code: null, name: null };

/** Opens the editor on sheet `id` (a new sheet when null); back to the list if it cannot be opened. */
async function edit(id) {
  show('editor');
  if (await openEditor(id, { close: backToList, preview: openPreview })) return;
  show('sheets');
  if (listed.code) await loadSheets(listed.code, listed.name);
  $('sheets-title').focus();
}

async function openPreview(id, unsaved) {
  show('preview');
  await showPreview(id, unsaved);
}

async function backToList() {
  show('sheets');
  if (listed.code) await loadSheets(listed.code, listed.name);
  $('sheets-title').focus();
}

async function openHistory(sheet) {
  show('history');
  await showHistory(sheet);
}

/** Archives a sheet after asking: it leaves every public read (nothing is deleted). */
async function archive(sheet) {
  if (!window.confirm(`Archiver « ${sheet.title} » ? Elle quittera la carte et les listes publiques ; son historique reste.`)) return;
  const res = await api('DELETE', `/api/initiatives/${sheet.id}`, undefined, { 'if-match': `"${sheet.version}"` });
  if (res.status === 412) say('Cette fiche a changé entre-temps : la liste est rechargée, recommencez.');
  else if (!res.ok) say(`La fiche n’est pas archivée (erreur ${res.status}).`);
  else say(`« ${sheet.title} » est archivée.`);
  await backToList();
}

/** Once signed in: the authority's sheets, or the sheet the address names (`?fiche=ID`). */
async function showSheets(account, authority) {
  show('sheets');
  $('authority-form').hidden = Boolean(account.authority);
  if (account.authority) {
    await loadSheets(account.authority, authority && authority.name);
  } else {
    $('sheets-title').textContent = 'Les fiches d’une collectivité';
    $('authority-code').focus();
  }
  const named = new URLSearchParams(location.search).get('fiche');
  if (named && /^[0-9]{1,18}$/.test(named)) await edit(named);
}

async function chooseAuthority(event) {
  event.preventDefault();
  const input = $('authority-code');
  const code = input.value.trim();
  fieldError(input, 'authority-error', null);
  if (!/^[0-9A-Za-z-]{2,12}$/.test(code)) {
    fieldError(input, 'authority-error', 'Un code INSEE (62548), un SIREN d’EPCI, dep-XX ou reg-XX.');
    input.focus();
    return;
  }
  await loadSheets(code);
}

// ------------------------------------------------------------------ start

async function start() {
  $('password-form').addEventListener('submit', setPassword);
  $('authority-form').addEventListener('submit', chooseAuthority);
  $('new-sheet').addEventListener('click', () => edit(null));
  $('history-close').addEventListener('click', backToList);
  $('preview-close').addEventListener('click', () => { show('editor'); backToEditor(); });
  $('bulk-close').addEventListener('click', backToList);
  $('open-bulk').addEventListener('click', () => { show('bulk'); $('bulk-title').focus(); });
  setUpBulk(async () => loadSheets(listed.code, listed.name));
  setUpEditor();
  await loadReferential();
  ({ signInForm } = await startSession({ show, onSignedIn: showSheets }));
  if (location.hash.startsWith(LINK_PREFIX)) {
    // A one-time link: the password comes first.
    show('password-set');
    $('new-password').focus();
  }
  document.body.dataset.ready = '';
}

start();
