// The sheet editor of the contributor's space: the text fields, services picked from the
// referential (by word or through its tree), places found by the server's geocoder when the
// draft is saved and shown on a small map, where a dragged marker gives the place's
// coordinates. Errors of the API's 422 are shown next to their fields.

/* global maplibregl */

import { el, referentialServices } from './common.js';
import { $, api, fieldError, say } from './account.js';
import { reasonText } from './reasons.js';

const TEXT_FIELDS = ['title', 'summary', 'body', 'year', 'website'];
const PRECISION = { address: 'à l’adresse', street: 'dans la rue (numéro inconnu)', commune: 'à la mairie de la commune', departement: 'au chef-lieu du département' };
const METHOD = {
  coordinates: 'coordonnées données', address: 'adresse', insee_code: 'code INSEE', postal_code_name: 'code postal et nom',
  name_departement: 'nom et département', name: 'nom de la commune',
};

const services = { all: [], byCode: new Map(), tree: [] };
/** The sheet being edited: its id and version once saved, its services and places. */
let sheet = null;
let map = null;
let markers = [];
/** What the page does when the editor is closed or asks for a preview. */
let page = { close: () => {}, preview: () => {} };
/** Whether the form holds changes not yet saved. */
let dirty = false;

/** Loads the referential once: every service with its path (theme › challenge › use). */
export async function loadReferential() {
  const r = await referentialServices().catch(() => null);
  if (!r) return;
  services.tree = r.tree;
  services.all = r.services;
  for (const s of r.services) services.byCode.set(s.code, s);
  buildTree();
}

const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

function addButton(s) {
  return el('button', { type: 'button', class: 'link', onclick: () => addService(s.code) }, `${s.code} ${s.label}`);
}

function buildTree() {
  const tree = $('e-service-tree');
  tree.replaceChildren(tree.querySelector('summary') || el('summary', {}, 'Parcourir le référentiel'));
  for (const theme of services.tree) {
    tree.append(el('details', {}, el('summary', {}, `${theme.code} ${theme.label}`),
      ...theme.challenges.map((c) => el('details', {}, el('summary', {}, `${c.code} ${c.label}`),
        ...c.uses.map((u) => el('details', {}, el('summary', {}, `${u.code} ${u.label}`),
          el('ul', {}, u.services.map((s) => el('li', {}, addButton(s))))))))));
  }
}

function searchServices() {
  const words = fold($('e-service-search').value).split(/\s+/).filter(Boolean);
  const found = words.length === 0 ? [] : services.all.filter((s) => {
    const text = fold(`${s.code} ${s.label} ${s.path}`);
    return words.every((w) => text.includes(w));
  }).slice(0, 12);
  $('e-service-results').replaceChildren(...found.map((s) => el('li', {}, addButton(s), el('span', { class: 'meta' }, s.path))));
}

function addService(code) {
  if (!sheet.services.includes(code)) sheet.services.push(code);
  dirty = true;
  drawServices();
  say(`Service ajouté : ${code} ${services.byCode.get(code)?.label || ''}.`);
}

function drawServices() {
  $('e-services-chosen').replaceChildren(...sheet.services.map((code, i) => el('li', {},
    `${code} ${services.byCode.get(code)?.label || ''}${i === 0 ? ' (principal)' : ''} `,
    el('button', {
      type: 'button', class: 'link', 'aria-label': `Retirer ${code}`,
      onclick: () => { sheet.services.splice(i, 1); dirty = true; drawServices(); },
    }, 'Retirer'))));
}

// ------------------------------------------------------------------ places

function placeItem(place, i) {
  const id = (f) => `e-place-${i}-${f}`;
  const input = (f, label, attrs = {}) => [
    el('label', { for: id(f) }, label),
    el('input', { id: id(f), value: place[f] || '', 'aria-describedby': `${id('error')}`, ...attrs,
      oninput: (e) => { place[f] = e.target.value; if (f !== 'label') place.given = false; } }),
  ];
  const found = place.report
    ? el('p', { class: 'meta' }, `Placé ${PRECISION[place.report.precision] || place.report.precision}, ${place.commune} `,
      `(par ${METHOD[place.report.method] || place.report.method})`,
      ...(place.report.warnings || []).map((w) => el('span', { class: 'warning' }, ` — ${reasonText(w)}`)))
    : null;
  return el('li', { 'data-place': i },
    el('fieldset', {},
      el('legend', {}, `Lieu ${i + 1}`),
      ...input('label', 'Nom du lieu (facultatif)', { maxlength: 500 }),
      ...input('address', 'Adresse', { maxlength: 500, autocomplete: 'street-address' }),
      ...input('postal_code', 'Code postal', { inputmode: 'numeric', maxlength: 5, autocomplete: 'postal-code' }),
      ...input('commune', 'Commune', { maxlength: 200 }),
      place.given ? el('p', { class: 'meta' }, 'Position donnée sur la carte.') : null,
      found,
      located(place) ? coordinatesFields(place, i) : null,
      el('p', { id: id('error'), class: 'field-error', hidden: true }),
      el('button', { type: 'button', class: 'link', onclick: () => { sheet.places.splice(i, 1); dirty = true; drawPlaces(); } }, 'Retirer ce lieu')));
}

const located = (place) => place.lon !== undefined && place.lon !== null;

/** The place's coordinates as fields: what dragging the marker does, for the keyboard. */
function coordinatesFields(place, i) {
  const id = (f) => `e-place-${i}-${f}`;
  const field = (f, label, min, max) => [
    el('label', { for: id(f) }, label),
    el('input', {
      id: id(f), type: 'number', step: '0.000001', min, max, value: place[f], inputmode: 'decimal',
      onchange: (e) => {
        const value = Number(e.target.value);
        if (e.target.value === '' || !Number.isFinite(value) || value < min || value > max) {
          e.target.setAttribute('aria-invalid', 'true');
          say(`${label} : un nombre de ${min} à ${max} est attendu.`);
          return;
        }
        e.target.removeAttribute('aria-invalid');
        place[f] = Math.round(value * 1e6) / 1e6;
        place.given = true;
        dirty = true;
        // The marker follows; the list is not drawn again, so that the focus stays here.
        drawMarkers();
        say(`Lieu ${i + 1} déplacé : enregistrez pour garder cette position.`);
      },
    }),
  ];
  return el('details', { class: 'coordinates' },
    el('summary', {}, 'Corriger la position par ses coordonnées'),
    ...field('lat', 'Latitude (degrés, WGS 84)', -90, 90),
    ...field('lon', 'Longitude (degrés, WGS 84)', -180, 180));
}

function drawPlaces() {
  $('e-place-list').replaceChildren(...sheet.places.map(placeItem));
  drawMarkers();
}

function drawMarkers() {
  if (!map) return;
  for (const m of markers) m.remove();
  markers = [];
  const placed = sheet.places.filter(located);
  for (const place of placed) {
    const marker = new maplibregl.Marker({ draggable: true }).setLngLat([place.lon, place.lat]).addTo(map);
    marker.on('dragend', () => {
      const { lng, lat } = marker.getLngLat();
      place.lon = Math.round(lng * 1e6) / 1e6;
      place.lat = Math.round(lat * 1e6) / 1e6;
      place.given = true;
      dirty = true;
      drawPlaces();
      say(`Lieu ${sheet.places.indexOf(place) + 1} déplacé : enregistrez pour garder cette position.`);
    });
    markers.push(marker);
  }
  if (placed.length) map.jumpTo({ center: [placed[0].lon, placed[0].lat], zoom: 13 });
}

function openMap() {
  if (map || typeof maplibregl === 'undefined') return;
  maplibregl.setWorkerUrl('/vendor/maplibre-gl/maplibre-gl-csp-worker.js');
  map = new maplibregl.Map({ container: 'e-map', style: '/style.json', center: [2.4, 46.6], zoom: 4.3, attributionControl: { compact: true } });
  window.atlaasEditorMap = map;
}

/** What the API takes for a place: its given coordinates, or what the geocoder reads. */
function placeBody(p) {
  const text = (v) => (v && v.trim()) || undefined;
  const base = { label: text(p.label), address: text(p.address) };
  if (p.given) return { ...base, lon: p.lon, lat: p.lat, postal_code: text(p.postal_code) };
  if (text(p.postal_code) || text(p.commune)) return { ...base, postal_code: text(p.postal_code), commune: text(p.commune) };
  return { ...base, insee: p.insee };
}

// ------------------------------------------------------------------ saving

function body() {
  const value = (f) => $(`e-${f}`).value.trim();
  const year = Number(value('year'));
  return {
    title: value('title'), summary: value('summary'), body: value('body'), services: sheet.services,
    year: value('year') ? year : undefined, website: value('website') || null, places: sheet.places.map(placeBody),
  };
}

function clearErrors() {
  for (const f of TEXT_FIELDS) fieldError($(`e-${f}`), `e-${f}-error`, null);
  fieldError($('e-services'), 'e-services-error', null);
  document.querySelectorAll('#e-place-list .field-error').forEach((p) => { p.hidden = true; p.textContent = ''; });
}

/** Shows a 422's errors beside their fields; focuses the first. */
function showErrors(fields) {
  let first = null;
  for (const problem of fields) {
    const { field, candidates } = problem;
    const message = reasonText(problem) + (candidates && candidates.length ? ` (peut-être : ${candidates.join(', ')})` : '');
    const place = field.match(/^places\[(\d+)\]/);
    let input;
    if (place) {
      input = $(`e-place-${place[1]}-postal_code`) || $('e-add-place');
      const p = $(`e-place-${place[1]}-error`);
      if (p) { p.textContent = message; p.hidden = false; p.setAttribute('role', 'alert'); }
    } else if (field.startsWith('services')) {
      input = $('e-service-search');
      fieldError($('e-services'), 'e-services-error', message);
    } else if (TEXT_FIELDS.includes(field)) {
      input = $(`e-${field}`);
      fieldError(input, `e-${field}-error`, message);
    } else if (field === 'places') {
      input = $('e-add-place');
      fieldError($('e-services'), 'e-services-error', message);
    }
    first = first || input;
  }
  if (first) first.focus();
  say(`La fiche n’est pas enregistrée : ${fields.length} champ${fields.length > 1 ? 's' : ''} à corriger.`);
}

/** Takes the API's answer about the sheet: its id, version, state and where its places landed. */
function take(answer) {
  sheet.id = answer.id;
  sheet.version = answer.version;
  sheet.state = answer.state;
  dirty = false;
  const reports = answer.places || [];
  sheet.places = answer.content.places.map((p, i) => ({
    label: p.label || '', address: p.address || '', postal_code: p.postal_code || '',
    commune: p.commune ? p.commune.name : '', insee: p.commune ? p.commune.code : undefined,
    lon: p.coordinates[0], lat: p.coordinates[1], given: p.method === 'coordinates', report: reports[i],
  }));
  drawPlaces();
  $('editor-title').textContent = answer.content.title || 'Fiche sans titre';
  const states = { draft: 'brouillon', proposed: 'proposée à la modération', rejected: 'refusée', published: 'publiée', archived: 'archivée' };
  const reason = answer.state === 'rejected' && answer.review && answer.review.reason;
  $('editor-state').textContent = `État : ${states[answer.state] || answer.state} · version ${answer.version}`
    + (reason ? ` · motif du refus : ${reason}` : '');
}

async function save(draft) {
  clearErrors();
  const query = draft ? '?draft=true' : '';
  const res = sheet.id
    ? await api('PATCH', `/api/initiatives/${sheet.id}${query}`, body(), { 'if-match': `"${sheet.version}"` })
    : await api('POST', `/api/initiatives${query}`, body());
  if (res.status === 422 && res.data.fields) return showErrors(res.data.fields);
  if (res.status === 412) return say('Quelqu’un a modifié cette fiche entre-temps : revenez à la liste et rouvrez-la.');
  if (!res.ok) return say(`La fiche n’est pas enregistrée (erreur ${res.status}).`);
  take(res.data);
  say(draft ? 'Brouillon enregistré.' : 'Fiche proposée à la publication : la modération la relira.');
}

// ------------------------------------------------------------------ opening

function fill(content) {
  $('e-title').value = content.title || '';
  $('e-summary').value = content.summary || '';
  $('e-body').value = content.body || '';
  $('e-year').value = content.year || new Date().getFullYear();
  $('e-website').value = content.website || '';
}

/**
 * Opens the editor on a new sheet (`id` null) or on a sheet's working copy; false when the
 * sheet cannot be opened. `actions.close()` leaves it; `actions.preview(id, unsaved)` shows the
 * saved sheet as the public will see it.
 */
export async function openEditor(id, actions) {
  page = actions;
  dirty = false;
  sheet = { id: null, version: null, services: [], places: [] };
  clearErrors();
  if (id) {
    const res = await api('GET', `/api/initiatives/${encodeURIComponent(id)}/revision`);
    if (!res.ok) {
      say(res.status === 404 || res.status === 403
        ? `La fiche n° ${id} n’existe pas ou n’appartient pas à votre collectivité.`
        : `Cette fiche ne peut pas être ouverte (erreur ${res.status}).`);
      return false;
    }
    fill(res.data.content);
    sheet.services = [...res.data.content.services];
    take(res.data);
  } else {
    fill({});
    sheet.places = [{ label: '', address: '', postal_code: '', commune: '' }];
    $('editor-title').textContent = 'Nouvelle fiche';
    $('editor-state').textContent = '';
    drawPlaces();
  }
  drawServices();
  openMap();
  map?.resize();
  drawMarkers();
  $('editor-title').focus();
  return true;
}

/** Back from the preview: the map is drawn again at its size, the focus where it was. */
export function backToEditor() {
  map?.resize();
  $('e-preview').focus();
}

function preview() {
  if (!sheet.id) {
    say('Enregistrez d’abord le brouillon : l’aperçu montre la dernière version enregistrée.');
    $('e-save').focus();
    return;
  }
  page.preview(sheet.id, dirty);
}

export function setUpEditor() {
  $('e-service-search').addEventListener('input', searchServices);
  $('e-add-place').addEventListener('click', () => {
    sheet.places.push({ label: '', address: '', postal_code: '', commune: '' });
    drawPlaces();
    $(`e-place-${sheet.places.length - 1}-label`).focus();
  });
  $('editor-form').addEventListener('submit', (e) => { e.preventDefault(); save(true); });
  $('e-submit').addEventListener('click', () => save(false));
  $('e-close').addEventListener('click', () => page.close());
  $('e-preview').addEventListener('click', preview);
  $('editor-form').addEventListener('input', (e) => { if (e.target.id !== 'e-service-search') dirty = true; });
}
