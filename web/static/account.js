// What the contributor's and the moderator's pages share: calls of our API with the session
// (the cookie, and the session's CSRF token on every write), errors tied to their fields, and
// signing in and out.

import { el } from './common.js';

export const $ = (id) => document.getElementById(id);
export const session = { csrf: null, account: null };

/** A call of our API with the session: `{ ok, status, data, retryAfter }`, never a throw for an HTTP error. */
export async function api(method, path, body, headers = {}) {
  const all = { accept: 'application/json', ...headers };
  if (body !== undefined) all['content-type'] = 'application/json';
  if (session.csrf && method !== 'GET') all['x-csrf-token'] = session.csrf;
  const res = await fetch(path, {
    method, headers: all, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, data, retryAfter: res.headers.get('retry-after') };
}

/** Announces a message in the page's live region. */
export function say(message) {
  $('status').textContent = message;
}

/** Shows (or clears) the error of a field: next to it, tied to it, read out by screen readers. */
export function fieldError(input, errorId, message) {
  const p = $(errorId);
  p.textContent = message || '';
  p.hidden = !message;
  p.setAttribute('role', message ? 'alert' : 'none');
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

export function tooMany(res) {
  const wait = Number(res.retryAfter) || 60;
  return `Trop de tentatives : réessayez dans ${wait < 120 ? `${wait} secondes` : `${Math.ceil(wait / 60)} minutes`}.`;
}

/** Who made a change, as the history names them. */
export function author(id) {
  const [kind, n] = String(id || '').split(':');
  if (kind === 'account') return session.account && String(session.account.id) === n ? 'vous' : `le compte n° ${n}`;
  if (kind === 'token') return `le jeton d’API n° ${n}`;
  if (kind === 'sql') return `une modification directe en base (${n})`;
  return id;
}

export const dateFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short' });

const ROLES = { contributor: 'contributeur', moderator: 'modérateur', admin: 'administrateur' };

/** The sign-in form, built into `#sign-in`. */
function signInSection() {
  const section = $('sign-in');
  section.setAttribute('aria-labelledby', 'sign-in-title');
  section.replaceChildren(
    el('h2', { id: 'sign-in-title' }, 'Se connecter'),
    el('form', { id: 'sign-in-form', novalidate: true },
      el('label', { for: 'email' }, 'Adresse électronique'),
      el('input', { id: 'email', type: 'email', autocomplete: 'username', required: true, 'aria-describedby': 'sign-in-error' }),
      el('label', { for: 'password' }, 'Mot de passe'),
      el('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'sign-in-error' }),
      el('p', { id: 'sign-in-error', class: 'field-error', hidden: true }),
      el('button', { type: 'submit' }, 'Se connecter')),
    el('p', { class: 'help' }, 'Première connexion ou mot de passe oublié : l’équipe de l’Atlaas vous remet un lien à usage ',
      'unique pour choisir votre mot de passe.'));
}

/**
 * Sets up signing in and out. `show(id)` shows one of the page's sections; `onSignedIn(account,
 * authority)` runs once someone is signed in (at start, if the browser already is).
 */
export async function startSession({ show, onSignedIn }) {
  signInSection();
  const signInForm = (email) => {
    show('sign-in');
    $('who').hidden = true;
    $('sign-out').hidden = true;
    if (email) $('email').value = email;
    (email ? $('password') : $('email')).focus();
  };
  const signedIn = async (account) => {
    session.account = account;
    const me = await api('GET', '/api/me');
    const authority = me.ok ? me.data.authority : null;
    $('who').textContent = `${account.email} (${ROLES[account.role] || account.role}${authority ? `, ${authority.name}` : ''})`;
    $('who').hidden = false;
    $('sign-out').hidden = false;
    say(`Connecté : ${account.email}.`);
    await onSignedIn(account, authority);
  };
  $('sign-in-form').addEventListener('submit', async (event) => {
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
  });
  $('sign-out').addEventListener('click', async () => {
    await api('DELETE', '/api/session');
    session.csrf = null;
    session.account = null;
    signInForm();
    say('Vous êtes déconnecté.');
  });
  const current = await api('GET', '/api/session');
  if (current.ok && current.data.account) {
    session.csrf = current.data.csrf_token;
    await signedIn(current.data.account);
  } else {
    signInForm();
  }
  return { signInForm };
}
