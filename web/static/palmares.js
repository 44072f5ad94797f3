// The palmarès page: the authorities labelled in an edition on a map, coloured by their @,
// beside a table that sorts and filters, and the CSV of what the table shows. The edition is
// read once (`/api/authorities?year=…&limit=5000`); filters and order are applied here, so that
// changing them is instant, and kept in the address so that a view can be shared.

import { el, formatNumber, getJSON, withBrowserFonts } from './common.js';
import { AROBASE_COLOURS, arobaseCell, foldText, toCsv } from './label.js';

const $ = (id) => document.getElementById(id);

const state = { year: null, rows: [], shown: [], sort: 'arobases', descending: true };
let map;

/** The edition in the path (`/palmares/2017`), or none for the latest. */
function pathYear() {
  const m = location.pathname.match(/^\/palmares\/(\d{4})$/);
  return m ? Number(m[1]) : null;
}

const FILTERS = {
  q: 'f-name', departement: 'f-departement', region: 'f-region', population: 'f-population', arobases: 'f-arobases', mention: 'f-mention',
};

function filterValues() {
  return Object.fromEntries(Object.entries(FILTERS).map(([k, id]) => [k, $(id).value.trim()]));
}

function matches(row, f) {
  const name = f.q ? foldText(f.q).split(' ').filter(Boolean) : [];
  const words = foldText(row.name).split(' ');
  return (!f.departement || row.departement?.code === f.departement.toUpperCase())
    && (!f.region || row.region?.code === f.region)
    && (!f.population || row.class?.code === f.population)
    && (!f.arobases || row.arobases === Number(f.arobases))
    && (!f.mention || row.mentions.some((m) => m.code === f.mention))
    && name.every((w) => words.some((n) => n.startsWith(w)));
}

const KEYS = {
  name: (r) => foldText(r.name),
  departement: (r) => r.departement?.code ?? '',
  region: (r) => r.region?.name ?? '',
  population: (r) => r.population,
  arobases: (r) => r.arobases,
  sheets: (r) => r.sheets,
};

function compare(a, b) {
  const [x, y] = [KEYS[state.sort](a), KEYS[state.sort](b)];
  const order = x < y ? -1 : x > y ? 1 : 0;
  // Ties by name, always A to Z.
  return (state.descending ? -order : order) || KEYS.name(a).localeCompare(KEYS.name(b));
}

function row(r) {
  const progress = r.previous && r.previous.arobases !== r.arobases
    ? el('span', { class: 'progress', title: `${r.previous.arobases} @ en ${r.previous.year}` }, r.arobases > r.previous.arobases ? ' ↗' : ' ↘')
    : null;
  return el('tr', { 'data-code': r.code },
    el('th', { scope: 'row' }, el('a', { href: `/collectivites/${encodeURIComponent(r.code)}` }, r.name)),
    el('td', {}, r.departement ? `${r.departement.name} (${r.departement.code})` : ''),
    el('td', {}, r.region?.name ?? ''),
    el('td', { class: 'number' }, formatNumber(r.population)),
    el('td', { 'data-arobases': r.arobases }, arobaseCell(r.arobases), progress),
    el('td', {}, r.mentions.map((m) => m.label ?? m.code).join(', ')),
    el('td', { class: 'number' }, formatNumber(r.sheets)));
}

/** Applies filters and order: the table, the count, the map and the address follow. */
function render() {
  const f = filterValues();
  state.shown = state.rows.filter((r) => matches(r, f)).sort(compare);
  $('laureates').tBodies[0].replaceChildren(...state.shown.map(row));
  const n = state.shown.length;
  $('count').textContent = n === state.rows.length
    ? `${formatNumber(n)} collectivités labellisées en ${state.year}.`
    : `${formatNumber(n)} collectivités sur ${formatNumber(state.rows.length)} labellisées en ${state.year}.`;
  for (const th of document.querySelectorAll('#laureates th[data-sort]')) {
    if (th.dataset.sort === state.sort) th.setAttribute('aria-sort', state.descending ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
  const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
  if (state.sort !== 'arobases' || !state.descending) query.set('sort', `${state.descending ? '-' : ''}${state.sort}`);
  history.replaceState(null, '', `${location.pathname}${query.size ? `?${query}` : ''}`);
  map?.getSource('laureates')?.setData(geojson(state.shown));
}

function geojson(rows) {
  return {
    type: 'FeatureCollection',
    features: rows.filter((r) => r.center).map((r) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: r.center },
      properties: { code: r.code, name: r.name, arobases: r.arobases },
    })),
  };
}

function options(select, entries) {
  select.append(...entries.map(([value, label]) => el('option', { value }, label)));
}

/** Choices of the filters, from what the edition holds. */
function fillChoices(page, mentions) {
  const unique = (pairs) => [...new Map(pairs.filter(([k]) => k)).entries()];
  const regions = unique(page.authorities.map((r) => [r.region?.code, r.region?.name])).sort((a, b) => a[1].localeCompare(b[1]));
  options($('f-region'), regions);
  const classes = unique(page.authorities.map((r) => [r.class?.code, r.class?.label]))
    .sort((a, b) => parseInt(a[0], 10) - parseInt(b[0], 10));
  options($('f-population'), classes);
  options($('f-arobases'), [1, 2, 3, 4, 5].map((n) => [String(n), `${'@'.repeat(n)} (${page.by_arobases[n - 1]})`]));
  options($('f-mention'), mentions.map((m) => [m.code, m.label]));
  options($('f-year'), [...page.editions].reverse().map((y) => [String(y), String(y)]));
  $('f-year').value = String(page.year ?? '');
  $('legend').replaceChildren(...AROBASE_COLOURS.map((colour, i) =>
    el('li', {}, el('span', { class: 'dot', style: `background:${colour}`, 'aria-hidden': 'true' }), `${'@'.repeat(i + 1)}`)));
}

/** Filters and order of the address, as a shared link gave them. */
function readAddress() {
  const query = new URLSearchParams(location.search);
  for (const [k, id] of Object.entries(FILTERS)) if (query.get(k)) $(id).value = query.get(k);
  const sort = query.get('sort');
  if (sort && KEYS[sort.replace(/^-/, '')]) {
    state.sort = sort.replace(/^-/, '');
    state.descending = sort.startsWith('-');
  }
}

function startMap() {
  maplibregl.setWorkerUrl('/vendor/maplibre-gl/maplibre-gl-csp-worker.js');
  map = new maplibregl.Map({ container: 'map', bounds: [[-5.2, 41.3], [9.6, 51.1]], maxZoom: 12, attributionControl: { compact: true } });
  // Our boundaries only: the sheets and the latest @ of the national map would say another thing.
  map.setStyle('/style.json', {
    transformStyle: (previous, style) => {
      const plain = withBrowserFonts(previous, style);
      return { ...plain, layers: plain.layers.filter((l) => !l['source-layer'] || l['source-layer'] === 'boundaries') };
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.once('load', () => {
    map.addSource('laureates', { type: 'geojson', data: geojson(state.shown) });
    map.addLayer({
      id: 'laureates',
      type: 'circle',
      source: 'laureates',
      paint: {
        'circle-color': ['match', ['get', 'arobases'], 1, AROBASE_COLOURS[0], 2, AROBASE_COLOURS[1], 3, AROBASE_COLOURS[2], 4, AROBASE_COLOURS[3], AROBASE_COLOURS[4]],
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, ['+', 2, ['get', 'arobases']], 10, ['+', 5, ['*', 2, ['get', 'arobases']]]],
        'circle-stroke-color': '#1f2937',
        'circle-stroke-width': 0.5,
      },
    });
    map.on('click', 'laureates', (e) => {
      const p = e.features[0].properties;
      const link = el('a', { href: `/collectivites/${encodeURIComponent(p.code)}` }, p.name);
      new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(el('p', {}, link, ` : ${'@'.repeat(p.arobases)}`)).addTo(map);
    });
    map.on('mouseenter', 'laureates', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'laureates', () => { map.getCanvas().style.cursor = ''; });
  });
  window.atlaasMap = map;
}

function download() {
  const header = ['code', 'collectivite', 'type', 'departement', 'region', 'population', 'annee', 'arobases', 'arobases_precedents', 'mentions', 'fiches'];
  const lines = state.shown.map((r) => [r.code, r.name, r.kind, r.departement?.code ?? '', r.region?.name ?? '', r.population, state.year,
    r.arobases, r.previous ? `${r.previous.arobases} (${r.previous.year})` : '', r.mentions.map((m) => m.code).join(','), r.sheets]);
  const blob = new Blob([toCsv([header, ...lines])], { type: 'text/csv;charset=utf-8' });
  const a = el('a', { href: URL.createObjectURL(blob), download: `palmares-${state.year}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function start() {
  const year = pathYear();
  const [page, referential] = await Promise.all([
    getJSON(`/api/authorities?limit=5000${year ? `&year=${year}` : ''}`),
    getJSON('/api/referential'),
  ]);
  state.year = page.year;
  state.rows = page.authorities;
  $('edition-title').textContent = page.year ? `Palmarès ${page.year}` : 'Palmarès';
  $('sample-note').hidden = !page.sample_data;
  fillChoices(page, referential.mentions ?? []);
  readAddress();
  if (!page.year) $('status').textContent = 'Aucune collectivité n’a encore été labellisée.';
  else if (!page.count) $('status').textContent = `Aucune collectivité n’a été labellisée en ${page.year}.`;
  render();
  for (const id of Object.values(FILTERS)) $(id).addEventListener('input', render);
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('filters').addEventListener('reset', () => setTimeout(render));
  for (const th of document.querySelectorAll('#laureates th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.sort;
      state.descending = state.sort === key ? !state.descending : ['arobases', 'population', 'sheets'].includes(key);
      state.sort = key;
      render();
    });
  }
  $('f-year').addEventListener('change', () => { location.assign(`/palmares/${$('f-year').value}${location.search}`); });
  $('download').addEventListener('click', download);
  startMap();
}

start().catch((err) => { $('status').textContent = `Le palmarès n’a pas pu être chargé : ${err.message}`; });
