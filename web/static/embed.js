// The embed page (in an iframe on a municipal website): the commune's own sheets and those
// around it, on a small map and in a list, with a link to the full map. It tells the page
// that embeds it its height, so that the widget script can size the iframe.

import { FILTER_KEYS, el, filterQuery, getJSON, sheetItem, themesOf, withBrowserFonts } from './common.js';

const params = new URLSearchParams(location.search);
const commune = document.body.dataset.commune;
const radius = params.get('radius_m') || document.body.dataset.defaultRadiusM;
const view = params.get('view') || 'map';
const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) || '']));
const $ = (id) => document.getElementById(id);

/** Tells the embedding page our height. The content is not secret: any parent may read it,
 *  and the widget script checks that the message comes from this origin. */
function reportHeight() {
  if (window.parent === window) return;
  window.parent.postMessage({ type: 'atlaas:resize', height: Math.ceil(document.documentElement.scrollHeight) }, '*');
}
new ResizeObserver(reportHeight).observe(document.body);

function section(title, features, themes) {
  if (features.length === 0) return [];
  return [el('h2', {}, title), el('ol', { class: 'sheet-list' }, features.map((f) => sheetItem(f, themes, null)))];
}

async function main() {
  const info = await getJSON(`/api/communes/${encodeURIComponent(commune)}`);
  const fq = filterQuery(filters);
  $('full-map').href = `${location.origin}/${fq ? `?${fq}` : ''}#carte=11/${info.center[1]}/${info.center[0]}`;
  let map = null;
  let themes = new Map();
  if (view === 'map') {
    maplibregl.setWorkerUrl('/vendor/maplibre-gl/maplibre-gl-csp-worker.js');
    map = new maplibregl.Map({
      container: 'embed-map',
      bounds: info.bbox,
      fitBoundsOptions: { padding: 20, maxZoom: 12 },
      maxZoom: 18,
      attributionControl: { compact: true },
    });
    map.setStyle(`/style.json${fq ? `?${fq}` : ''}`, { transformStyle: withBrowserFonts });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.on('click', 'places', (e) => window.open(`${location.origin}/?fiche=${e.features[0].properties.id}`, '_blank', 'noopener'));
    map.on('click', 'clusters', (e) => map.easeTo({ center: e.features[0].geometry.coordinates, zoom: Math.min(e.features[0].properties.expansion_zoom, 15) }));
    await new Promise((resolve) => map.once('load', resolve));
    themes = themesOf(map.getStyle());
    window.atlaasMap = map;
  } else {
    $('embed-map').remove();
    themes = themesOf(await getJSON(`/style.json${fq ? `?${fq}` : ''}`));
  }
  const q = new URLSearchParams(fq);
  q.set('commune', commune);
  q.set('radius_m', radius);
  q.set('limit', '50');
  const near = await getJSON(`/api/nearby?${q}`);
  $('sample-banner').hidden = !near.sample_data;
  // The town's own sheets: placed in it, or owned by it (a city's sheets in its arrondissements).
  const isOwn = (f) => f.properties.authority.code === commune || (f.properties.commune && f.properties.commune.code === commune);
  const own = near.features.filter(isOwn);
  const around = near.features.filter((f) => !isOwn(f));
  $('own').replaceChildren(...section(`À ${info.name}`, own, themes));
  $('around').replaceChildren(...section(`Autour (${Math.round(radius / 1000)} km)`, around, themes));
  $('embed-status').textContent = near.features.length === 0
    ? `Aucune initiative à ${info.name} ni dans un rayon de ${Math.round(radius / 1000)} km.`
    : `${own.length} initiative${own.length > 1 ? 's' : ''} à ${info.name}, ${around.length} autour.`;
  if (map && near.features.length > 0) {
    const lons = near.features.map((f) => f.geometry.coordinates[0]).concat([info.bbox[0], info.bbox[2]]);
    const lats = near.features.map((f) => f.geometry.coordinates[1]).concat([info.bbox[1], info.bbox[3]]);
    map.fitBounds([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)], { padding: 20, maxZoom: 13, duration: 0 });
  }
  document.body.dataset.ready = 'true';
  reportHeight();
}

main().catch((err) => {
  $('embed-status').textContent = `Les initiatives n'ont pas pu être chargées : ${err.message}`;
  reportHeight();
});
