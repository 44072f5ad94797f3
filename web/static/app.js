// The national map: MapLibre over our own tiles, filters, commune search, "autour de moi",
// the list of what is in view (the keyboard-friendly alternative to the map) and the sheet
// panel. The state (view, filters, open sheet) lives in the URL: the view in the hash
// (#carte=zoom/lat/lon, kept by MapLibre), filters and `fiche` in the query string.

import { FILTER_KEYS, el, filterQuery, formatNumber, getJSON, sheetItem, themesOf, withBrowserFonts } from './common.js';
import { relatedSection, showMosaic, showPeers } from './compare.js';
import { sheetParts } from './sheet.js';

const LIST_PAGE = 50;
const CLUSTER_MAX_ZOOM = 14;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) || '']));
let themes = new Map();
let listCursor = null;
let listMode = { kind: 'view' };
// Each list load takes a ticket; an answer that arrives after a newer request was made is
// dropped, so a slow "Dans la vue" cannot overwrite "Autour de vous".
let listTicket = 0;
let lastFocus = null;

maplibregl.setWorkerUrl('/vendor/maplibre-gl/maplibre-gl-csp-worker.js');
const map = new maplibregl.Map({
  container: 'map',
  center: [2.35, 46.6],
  zoom: 5,
  maxZoom: 18,
  hash: 'carte',
  attributionControl: { compact: true },
});
map.setStyle(`/style.json${filterQuery(filters) ? `?${filterQuery(filters)}` : ''}`, { transformStyle: withBrowserFonts });
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
window.atlaasMap = map; // for the browser tests and for curious users

// ---------------------------------------------------------------- URL state

function saveState() {
  const q = new URLSearchParams(filterQuery(filters));
  const open = $('detail').dataset.id;
  if (open && !$('detail').hidden) q.set('fiche', open);
  const query = q.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

// ---------------------------------------------------------------- filters

async function setUpFilters() {
  const referential = await getJSON('/api/referential');
  const form = $('filter-form');
  const selects = { theme: $('f-theme'), challenge: $('f-challenge'), use: $('f-use'), service: $('f-service') };
  const levels = ['theme', 'challenge', 'use', 'service'];
  const children = { theme: 'challenges', challenge: 'uses', use: 'services' };

  // Entries of a level under the chosen parents (all of them when no parent is chosen).
  const entriesOf = (level) => {
    let nodes = referential.themes;
    for (const parent of levels.slice(0, levels.indexOf(level))) {
      const chosen = filters[parent];
      nodes = (chosen ? nodes.filter((n) => n.code === chosen) : nodes).flatMap((n) => n[children[parent]]);
    }
    return nodes;
  };
  const fill = (level) => {
    const select = selects[level];
    const first = select.options[0];
    select.replaceChildren(first, ...entriesOf(level).map((n) => el('option', { value: n.code }, `${n.code} — ${n.label}`)));
    if (![...select.options].some((o) => o.value === filters[level])) filters[level] = '';
    select.value = filters[level];
  };
  levels.forEach(fill);

  const year = $('f-year');
  for (let y = new Date().getFullYear(); y >= 1999; y--) year.append(el('option', { value: String(y) }, String(y)));
  for (const k of ['q', 'year', 'arobases', 'population']) form.elements[k].value = filters[k];

  // Enter in the keywords field applies them (the change event has done it) without leaving.
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('change', (e) => {
    const name = e.target.name;
    filters[name] = e.target.value.trim();
    // A broader choice resets the narrower ones that may no longer belong to it.
    const i = levels.indexOf(name);
    if (i >= 0) levels.slice(i + 1).forEach((l) => { filters[l] = ''; fill(l); });
    applyFilters();
  });
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    FILTER_KEYS.forEach((k) => { filters[k] = ''; });
    levels.forEach(fill);
    for (const k of ['q', 'year', 'arobases', 'population']) form.elements[k].value = '';
    applyFilters();
  });
}

function applyFilters() {
  const q = filterQuery(filters);
  const source = map.getSource('atlaas');
  if (source) source.setTiles([`${location.origin}/tiles/{z}/{x}/{y}.mvt${q ? `?${q}` : ''}`]);
  saveState();
  refreshList();
}

// ---------------------------------------------------------------- legend

function drawLegend() {
  themes = themesOf(map.getStyle());
  $('legend').replaceChildren(...[...themes.values()].map((t) =>
    el('li', {}, el('span', { class: 'swatch', style: `background:${t.colour}`, 'aria-hidden': 'true' }), `${t.code}. ${t.label}`)));
}

// ---------------------------------------------------------------- the list

function viewBbox() {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
    .map((v) => v.toFixed(5)).join(',');
}

async function refreshList(more = false) {
  if (listMode.kind === 'near') return showNearby(listMode.lon, listMode.lat, listMode.label);
  const q = new URLSearchParams(filterQuery(filters));
  q.set('bbox', listMode.kind === 'area' ? listMode.bbox : viewBbox());
  q.set('limit', String(LIST_PAGE));
  if (more && listCursor) q.set('cursor', listCursor);
  $('list-title').textContent = listMode.kind === 'area' ? 'À cet endroit' : 'Dans la vue';
  const ticket = startListLoad();
  try {
    const page = await getJSON(`/api/initiatives?${q}`);
    if (ticket !== listTicket) return;
    listCursor = page.next_cursor;
    $('sample-banner').hidden = !page.sample_data;
    const items = page.features.map((f) => sheetItem(f, themes, openSheet));
    if (more) $('list').append(...items); else $('list').replaceChildren(...items);
    const shown = $('list').children.length;
    $('list-status').textContent = shown === 0
      ? 'Aucune initiative ici avec ces filtres.'
      : `${formatNumber(shown)} initiative${shown > 1 ? 's' : ''} affichée${shown > 1 ? 's' : ''}${listCursor ? ' (il y en a d\'autres)' : ''}.`;
    $('more').hidden = !listCursor;
  } catch (err) {
    if (ticket === listTicket) $('list-status').textContent = `La liste n'a pas pu être chargée : ${err.message}`;
  } finally {
    if (ticket === listTicket) $('list').removeAttribute('aria-busy');
  }
}

function startListLoad() {
  $('list').setAttribute('aria-busy', 'true');
  listTicket += 1;
  return listTicket;
}

async function showNearby(lon, lat, label) {
  listMode = { kind: 'near', lon, lat, label };
  const q = new URLSearchParams(filterQuery(filters));
  q.set('lon', lon.toFixed(6));
  q.set('lat', lat.toFixed(6));
  q.set('limit', '20');
  $('list-title').textContent = label;
  const ticket = startListLoad();
  try {
    const page = await getJSON(`/api/nearby?${q}`);
    if (ticket !== listTicket) return;
    $('list').replaceChildren(...page.features.map((f) => sheetItem(f, themes, openSheet)));
    $('list-status').textContent = page.features.length ? 'Les initiatives les plus proches, de la plus proche à la plus lointaine.' : 'Aucune initiative trouvée.';
    $('more').hidden = true;
  } catch (err) {
    if (ticket === listTicket) $('list-status').textContent = `La recherche a échoué : ${err.message}`;
  } finally {
    if (ticket === listTicket) $('list').removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------- the sheet panel

async function openSheet(id) {
  lastFocus = document.activeElement;
  const detail = $('detail');
  detail.dataset.id = id;
  detail.hidden = false;
  $('list-view').hidden = true;
  detail.replaceChildren(el('p', { role: 'status' }, 'Chargement de la fiche…'));
  saveState();
  let sheet;
  try {
    sheet = await getJSON(`/api/initiatives/${encodeURIComponent(id)}`);
  } catch (err) {
    detail.replaceChildren(backButton(), el('p', {}, `Cette fiche n'a pas pu être chargée : ${err.message}`));
    detail.focus();
    return;
  }
  const a = sheet.properties.authority || {};
  const { head, description } = sheetParts(sheet, themes,
    (place) => map.flyTo({ center: place.coordinates, zoom: Math.max(map.getZoom(), 13) }));
  detail.replaceChildren(...[
    backButton(),
    ...head,
    a.code ? el('p', { class: 'compare-actions' },
      a.kind === 'commune' ? el('button', { type: 'button', id: 'open-peers', onclick: () => showPeers(detail, a.code, compareContext(id)) }, 'Communes comparables') : null,
      el('button', { type: 'button', id: 'open-mosaic', onclick: () => showMosaic(detail, a.code, compareContext(id)) }, `Mosaïque de ${a.name}`)) : null,
    ...description,
    relatedSection(id, compareContext(id)),
  ].filter(Boolean));
  detail.focus();
}

/** After a commune search: its comparable communes and mosaic, one click away. */
function showCommuneTools(commune) {
  const open = (show) => {
    lastFocus = document.activeElement;
    delete $('detail').dataset.id;
    $('detail').hidden = false;
    $('list-view').hidden = true;
    saveState();
    show($('detail'), commune.code, { ...compareContext(null), back: { label: '← Retour à la liste', onclick: closeSheet } });
  };
  $('commune-tools').replaceChildren(`${commune.name} : `,
    el('button', { type: 'button', id: 'commune-peers', onclick: () => open(showPeers) }, 'Communes comparables'),
    el('button', { type: 'button', id: 'commune-mosaic', onclick: () => open(showMosaic) }, 'Mosaïque'));
  $('commune-tools').hidden = false;
}

/** What the comparison views need of the page; their back button returns to sheet `id`. */
function compareContext(id) {
  return {
    themes,
    openSheet,
    flyTo: (center) => map.flyTo({ center, zoom: Math.max(map.getZoom(), 11) }),
    filterQuery: filterQuery(filters),
    back: { label: '← Retour à la fiche', onclick: () => openSheet(id) },
  };
}

function backButton() {
  return el('button', { type: 'button', class: 'back', onclick: closeSheet }, '← Retour à la liste');
}

function closeSheet() {
  $('detail').hidden = true;
  $('list-view').hidden = false;
  delete $('detail').dataset.id;
  saveState();
  (lastFocus && document.body.contains(lastFocus) ? lastFocus : $('list-view')).focus();
}

// ---------------------------------------------------------------- commune search

function setUpSearch() {
  const input = $('search-input');
  const results = $('search-results');
  let timer = null;
  let active = -1;
  const close = () => { results.hidden = true; input.setAttribute('aria-expanded', 'false'); active = -1; };
  const choose = async (code) => {
    close();
    const c = await getJSON(`/api/communes/${encodeURIComponent(code)}`);
    input.value = c.name;
    listMode = { kind: 'view' };
    map.fitBounds(c.bbox, { padding: 40, maxZoom: 13 });
    // An arrondissement or a former commune compares as the commune it belongs to.
    showCommuneTools(c.parent || c);
  };
  const highlight = (i) => {
    const items = [...results.children];
    active = (i + items.length) % items.length;
    items.forEach((li, j) => li.setAttribute('aria-selected', String(j === active)));
    input.setAttribute('aria-activedescendant', items[active].id);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) return close();
    timer = setTimeout(async () => {
      const found = await getJSON(`/api/communes?q=${encodeURIComponent(q)}&limit=8`).catch(() => ({ communes: [] }));
      results.replaceChildren(...found.communes.map((c, i) => el('li', {
        id: `commune-${i}`, role: 'option', 'data-code': c.code, 'aria-selected': 'false',
        onmousedown: (e) => { e.preventDefault(); choose(c.code); },
      }, `${c.name} (${c.departement ? c.departement.code : ''})`, el('small', {}, ` ${c.postal_codes.slice(0, 3).join(', ')}`))));
      results.hidden = found.communes.length === 0;
      input.setAttribute('aria-expanded', String(!results.hidden));
      active = -1;
    }, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (results.hidden) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); highlight(active + 1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(active - 1); }
    else if (e.key === 'Escape') close();
  });
  $('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const items = [...results.children];
    const pick = items[Math.max(active, 0)];
    if (pick) choose(pick.dataset.code);
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
}

// ---------------------------------------------------------------- autour de moi

function setUpLocate() {
  $('locate').addEventListener('click', () => {
    if (!navigator.geolocation) {
      $('list-status').textContent = 'Votre navigateur ne donne pas votre position.';
      return;
    }
    $('list-status').textContent = 'Recherche de votre position…';
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const { longitude: lon, latitude: lat } = pos.coords;
        map.flyTo({ center: [lon, lat], zoom: 11 });
        showNearby(lon, lat, 'Autour de vous');
        $('list-view').focus();
      },
      () => { $('list-status').textContent = 'Votre position n\'a pas pu être obtenue (autorisation refusée ?).'; },
      { timeout: 10000 },
    );
  });
}

// ---------------------------------------------------------------- map interactions

function setUpMap() {
  for (const layer of ['clusters', 'places']) {
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
  }
  map.on('click', 'clusters', (e) => {
    const f = e.features[0];
    const [lon, lat] = f.geometry.coordinates;
    const zoom = f.properties.expansion_zoom;
    if (zoom <= CLUSTER_MAX_ZOOM + 1 && map.getZoom() < zoom && zoom <= map.getMaxZoom()) {
      map.easeTo({ center: [lon, lat], zoom });
    } else {
      // Places that share a point never split: list them instead.
      const d = 0.002;
      listMode = { kind: 'area', bbox: [lon - d, lat - d, lon + d, lat + d].map((v) => v.toFixed(5)).join(',') };
      closeSheetQuietly();
      refreshList();
    }
  });
  map.on('click', 'places', (e) => openSheet(e.features[0].properties.id));
  // The list follows the view, unless it shows a spot or "autour de moi" until the user pans.
  map.on('moveend', () => { if (listMode.kind === 'view') refreshList(); });
  map.on('dragstart', () => { listMode = { kind: 'view' }; });
}

function closeSheetQuietly() {
  $('detail').hidden = true;
  $('list-view').hidden = false;
  delete $('detail').dataset.id;
  saveState();
}

// ---------------------------------------------------------------- start

$('more').addEventListener('click', () => refreshList(true));
// The skip link moves focus without touching the hash, which holds the view.
document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); $('list-view').focus(); });
setUpSearch();
setUpLocate();
setUpMap();
map.on('load', async () => {
  drawLegend();
  await setUpFilters().catch((err) => { $('list-status').textContent = `Les filtres n'ont pas pu être chargés : ${err.message}`; });
  refreshList();
  const open = params.get('fiche');
  if (open) openSheet(open);
  document.body.dataset.ready = 'true';
});
