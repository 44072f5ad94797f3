// The moderators' page: the queue of proposals, oldest first, filtered by département and
// authority; each shown beside its published version with the changed fields marked, to
// publish or to reject with a reason the contributor reads. A proposal's places are drawn on a
// small map when asked for (one map per opened proposal, so that a long queue makes no more
// WebGL contexts than a moderator looks at).

/* global maplibregl */

import { el, referentialServices } from './common.js';
import { $, api, author, dateFormat, fieldError, say, startSession } from './account.js';
import { reasonText } from './reasons.js';

const FIELDS = [
  ['title', 'Titre'], ['summary', 'Résumé'], ['body', 'Description'], ['services', 'Services'],
  ['year', 'Année'], ['website', 'Site web'], ['places', 'Lieux'],
];
const serviceLabels = new Map();
let signInForm = () => {};

function show(sectionId) {
  for (const id of ['sign-in', 'queue']) $(id).hidden = id !== sectionId;
}

async function loadServiceLabels() {
  const r = await referentialServices().catch(() => null);
  for (const s of r ? r.services : []) serviceLabels.set(s.code, s.label);
}

/** A field of a version as text. */
function text(field, content) {
  const v = content[field];
  if (field === 'services') return v.map((code) => `${code} ${serviceLabels.get(code) || ''}`.trim()).join(' ; ');
  if (field === 'places') {
    return v.map((p) => [p.label, p.address, p.postal_code, p.commune && p.commune.name].filter(Boolean).join(', ')).join(' ; ');
  }
  return v === null || v === undefined || v === '' ? '—' : String(v);
}

function diffTable(p) {
  const changed = new Set(p.changed_fields);
  const rows = FIELDS.map(([field, label]) => el('tr', { class: changed.has(field) ? 'changed' : null },
    el('th', { scope: 'row' }, label, changed.has(field) ? el('span', { class: 'badge' }, 'modifié') : null),
    el('td', {}, p.published ? text(field, p.published) : '—'),
    el('td', {}, text(field, p.proposed))));
  return el('table', { class: 'diff' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Champ'), el('th', { scope: 'col' }, 'Version publiée'),
      el('th', { scope: 'col' }, 'Version proposée'))),
    el('tbody', {}, rows));
}

/** A map of a proposal's places (blue) and of its published version's (grey). */
function placesMap(p) {
  const container = el('div', { class: 'editor-map', role: 'img', 'aria-label': `Carte des lieux de « ${p.proposed.title} »` });
  const details = el('details', { class: 'places-map' }, el('summary', {}, 'Voir les lieux sur la carte'), container);
  details.addEventListener('toggle', () => {
    if (!details.open || container.dataset.drawn || typeof maplibregl === 'undefined') return;
    container.dataset.drawn = 'true';
    maplibregl.setWorkerUrl('/vendor/maplibre-gl/maplibre-gl-csp-worker.js');
    const map = new maplibregl.Map({ container, style: '/style.json', center: [2.4, 46.6], zoom: 4.3, attributionControl: { compact: true } });
    const bounds = new maplibregl.LngLatBounds();
    const mark = (places, color, kind) => {
      for (const place of places) {
        new maplibregl.Marker({ color }).setLngLat(place.coordinates).addTo(map).getElement().setAttribute('aria-label', kind);
        bounds.extend(place.coordinates);
      }
    };
    mark(p.published ? p.published.places : [], '#6b7280', 'lieu publié');
    mark(p.proposed.places, '#0b5cab', 'lieu proposé');
    if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 40, maxZoom: 14, duration: 0 });
    container.map = map;
  });
  return details;
}

function proposalItem(p) {
  const reasonId = `reason-${p.id}`;
  const reason = el('textarea', { id: reasonId, rows: 2, maxlength: 2000, 'aria-describedby': `${reasonId}-error` });
  const kind = p.published ? 'modification d’une fiche publiée' : 'nouvelle fiche';
  const when = dateFormat.format(new Date(p.waiting_since));
  return el('li', { 'data-id': p.id },
    el('h3', { id: `proposal-${p.id}`, tabindex: '-1' }, p.proposed.title),
    el('p', { class: 'meta' }, `${p.authority.name || p.authority.code} (${p.authority.code}) · ${kind} · proposée le ${when} par ${author(p.proposed_by)}`),
    diffTable(p),
    placesMap(p),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'publish', onclick: () => decide(p, 'publish') }, 'Publier'),
      el('form', { class: 'reject', novalidate: true, onsubmit: (e) => { e.preventDefault(); decide(p, 'reject', reason); } },
        el('label', { for: reasonId }, 'Motif du refus (le contributeur le lira)'),
        reason,
        el('p', { id: `${reasonId}-error`, class: 'field-error', hidden: true }),
        el('button', { type: 'submit' }, 'Refuser'))));
}

function count() {
  const n = $('proposals').children.length;
  $('queue-count').textContent = n === 0 ? 'Aucune proposition en attente.' : `${n} proposition${n > 1 ? 's' : ''} en attente, la plus ancienne en premier.`;
}

async function decide(p, action, reasonInput) {
  let body;
  if (action === 'reject') {
    const reason = reasonInput.value.trim();
    fieldError(reasonInput, `${reasonInput.id}-error`, null);
    if (!reason) {
      fieldError(reasonInput, `${reasonInput.id}-error`, 'Indiquez le motif du refus : le contributeur le lira.');
      reasonInput.focus();
      return;
    }
    body = { reason };
  }
  const res = await api('POST', `/api/initiatives/${p.id}/${action}`, body, { 'if-match': `"${p.version}"` });
  if (res.status === 412) {
    say('Cette fiche a changé entre-temps : la file est rechargée.');
    await loadQueue();
    return;
  }
  if (res.status === 422 && reasonInput && res.data.fields) {
    fieldError(reasonInput, `${reasonInput.id}-error`, reasonText(res.data.fields[0]));
    reasonInput.focus();
    return;
  }
  if (!res.ok) {
    say(res.status === 401 ? 'Votre session a pris fin : reconnectez-vous.' : `L’action n’a pas abouti (erreur ${res.status}).`);
    if (res.status === 401) signInForm();
    return;
  }
  const item = document.querySelector(`#proposals li[data-id="${p.id}"]`);
  const next = item.nextElementSibling || item.previousElementSibling;
  item.remove();
  count();
  say(action === 'publish' ? `« ${p.proposed.title} » est publiée.` : `« ${p.proposed.title} » est refusée ; le contributeur lira le motif.`);
  (next ? next.querySelector('h3') : $('queue-title')).focus();
}

async function loadQueue() {
  const query = new URLSearchParams({ limit: '200' });
  const departement = $('f-departement').value.trim();
  const authority = $('f-authority').value.trim();
  if (departement) query.set('departement', departement);
  if (authority) query.set('authority', authority);
  const list = $('proposals');
  list.setAttribute('aria-busy', 'true');
  const res = await api('GET', `/api/moderation?${query}`);
  list.removeAttribute('aria-busy');
  if (!res.ok) {
    list.replaceChildren();
    $('queue-count').textContent = res.status === 403
      ? 'Ce compte n’est pas modérateur : la modération est réservée à l’équipe de l’Atlaas.'
      : 'La file de modération ne peut pas être affichée.';
    return;
  }
  list.replaceChildren(...res.data.proposals.map(proposalItem));
  count();
}

async function start() {
  $('queue-filters').addEventListener('submit', (e) => { e.preventDefault(); loadQueue(); });
  const labels = loadServiceLabels();
  ({ signInForm } = await startSession({
    show,
    onSignedIn: async () => {
      show('queue');
      await labels;
      await loadQueue();
    },
  }));
  document.body.dataset.ready = '';
}

start();
