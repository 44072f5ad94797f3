// The contributor's space: choosing a password through a one-time link, signing in and out,
// and an authority's sheets in every state. It talks to the same API as programs do, with the
// session cookie and the session's CSRF token on every write.

import { el } from './common.js';

const LINK_PREFIX = '#atlk_';
const $ = (id) => document.getElementById(id);
const session = { csrf: null, account: null };

/** A call of our API with the session: `{ ok, status, data, retryAfter }`, never a throw for an HTTP error. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (session.csrf && method !== 'GET') headers['x-csrf-token'] = session.csrf;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, data, retryAfter: res.headers.get('retry-after') };
}

function say(message) {
  $('status').textContent = message;
}

function show(sectionId) {
  for (const id of ['password-set', 'sign-in', 'sheets']) $(id).hidden = id !== sectionId;
}

/** Shows (or clears) the error of a field: next to it, tied to it, read out by screen readers. */
function fieldError(input, errorId, message) {
  const p = $(errorId);
  p.textContent = message || '';
  p.hidden = !message;
  p.setAttribute('role', message ? 'alert' : 'none');
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function tooMany(res) {
  const wait = Number(res.retryAfter) || 60;
  return `Trop de tentatives : réessayez dans ${wait < 120 ? `${wait} secondes` : `${Math.ceil(wait / 60)} minutes`}.`;
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

// ------------------------------------------------------------------ signing in and out

function signInForm(email) {
  show('sign-in');
  $('who').hidden = true;
  $('sign-out').hidden = true;
  if (email) $('email').value = email;
  (email ? $('password') : $('email')).focus();
}

async function signIn(event) {
  event.preventDefault();
  const email = $('email');
  const password = $('password');
  fieldError(password, 'sign-in-error', null);
  email.removeAttribute('aria-invalid');
  if (!email.value.trim() || !password.value) {
    fieldError(password, 'sign-in-error', 'Indiquez votre adresse électronique et votre mot de passe.');
    (email.value.trim() ? password : email).focus();
    return;
  }
  const res = await api('POST', '/api/session', { email: email.value.trim(), password: password.value });
  if (!res.ok) {
    const message = res.status === 429 ? tooMany(res)
      : /disabled/.test(res.data.detail || '') ? 'Ce compte est désactivé : adressez-vous à l’équipe de l’Atlaas.'
        : 'Adresse électronique ou mot de passe incorrect.';
    fieldError(password, 'sign-in-error', message);
    email.setAttribute('aria-invalid', 'true');
    password.select();
    return;
  }
  password.value = '';
  session.csrf = res.data.csrf_token;
  await signedIn(res.data.account);
}

async function signOut() {
  await api('DELETE', '/api/session');
  session.csrf = null;
  session.account = null;
  signInForm();
  say('Vous êtes déconnecté.');
}

// ------------------------------------------------------------------ the sheets

const STATES = [
  ['draft', 'Brouillons'],
  ['proposed', 'En attente de modération'],
  ['rejected', 'Refusées par la modération'],
  ['published', 'Publiées'],
  ['archived', 'Archivées'],
];

const dateFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short' });

/** Who made a change, as the history names them. */
function author(id) {
  const [kind, n] = String(id || '').split(':');
  if (kind === 'account') return session.account && String(session.account.id) === n ? 'vous' : `le compte n° ${n}`;
  if (kind === 'token') return `le jeton d’API n° ${n}`;
  if (kind === 'sql') return `une modification directe en base (${n})`;
  return id;
}

function sheetItem(sheet) {
  const title = sheet.state === 'published' || sheet.status === 'published'
    ? el('a', { href: `/?fiche=${sheet.id}` }, sheet.title)
    : el('span', { class: 'title' }, sheet.title);
  const when = dateFormat.format(new Date(sheet.updated_at));
  return el('li', { 'data-id': sheet.id },
    title,
    el('span', { class: 'meta' }, `${sheet.year} · modifiée le ${when} par ${author(sheet.updated_by)}`),
    sheet.reason ? el('p', { class: 'reason' }, `Motif du refus : ${sheet.reason}`) : null);
}

async function loadSheets(code, name) {
  const groups = $('sheet-groups');
  groups.setAttribute('aria-busy', 'true');
  $('sheets-title').textContent = `Les fiches de ${name || code}`;
  const sheets = [];
  let after = null;
  do {
    const query = new URLSearchParams({ limit: '1000' });
    if (after) query.set('after', after);
    const res = await api('GET', `/api/authorities/${encodeURIComponent(code)}/initiatives?${query}`);
    if (!res.ok) {
      groups.removeAttribute('aria-busy');
      groups.replaceChildren(el('p', { class: 'field-error' }, res.status === 401
        ? 'Votre session a pris fin : reconnectez-vous.'
        : 'Ces fiches ne peuvent pas être affichées.'));
      if (res.status === 401) signInForm(session.account && session.account.email);
      return;
    }
    sheets.push(...res.data.initiatives);
    after = res.data.next_after;
  } while (after);
  const sections = STATES.map(([state, label]) => {
    const mine = sheets.filter((s) => s.state === state);
    const id = `state-${state}`;
    return el('section', { class: 'sheet-group', 'aria-labelledby': id },
      el('h3', { id }, `${label} (${mine.length})`),
      mine.length ? el('ul', { class: 'sheet-list' }, mine.map(sheetItem)) : el('p', { class: 'meta' }, 'Aucune fiche.'));
  });
  groups.replaceChildren(...sections);
  groups.removeAttribute('aria-busy');
}

async function signedIn(account) {
  session.account = account;
  const roles = { contributor: 'contributeur', moderator: 'modérateur', admin: 'administrateur' };
  const me = await api('GET', '/api/me');
  const authority = me.ok ? me.data.authority : null;
  $('who').textContent = `${account.email} (${roles[account.role] || account.role}${authority ? `, ${authority.name}` : ''})`;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  show('sheets');
  $('authority-form').hidden = Boolean(account.authority);
  if (account.authority) {
    await loadSheets(account.authority, authority && authority.name);
  } else {
    $('sheets-title').textContent = 'Les fiches d’une collectivité';
    $('authority-code').focus();
  }
  say(`Connecté : ${account.email}.`);
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
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('authority-form').addEventListener('submit', chooseAuthority);
  if (location.hash.startsWith(LINK_PREFIX)) {
    show('password-set');
    $('new-password').focus();
  } else {
    const current = await api('GET', '/api/session');
    if (current.ok && current.data.account) {
      session.csrf = current.data.csrf_token;
      await signedIn(current.data.account);
    } else {
      signInForm();
    }
  }
  document.body.dataset.ready = '';
}

start();
