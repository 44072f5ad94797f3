// The comparisons of the national map's panel: a sheet's related actions ("actions
// connexes"), the comparable communes of an authority and its mosaic. Each view is built from
// one API answer; `ctx` gives what they need of the map page:
//   { themes, openSheet(id), flyTo([lon, lat]), filterQuery: 'theme=1&…', back: { label, onclick } }

import { arobases, el, formatDistance, formatNumber, getJSON, sheetItem } from './common.js';

/** The "actions connexes" section: its list, and its status line while it loads. */
function relatedShell() {
  const list = el('ol', { class: 'sheet-list', 'aria-busy': 'true' });
  const status = el('p', { role: 'status' }, 'Recherche des actions connexes…');
  const section = el('section', { class: 'related', 'aria-labelledby': 'related-title' },
    el('h3', { id: 'related-title' }, 'Actions connexes'), status, list);
  const fill = (page, themes, onOpen) => {
    list.replaceChildren(...page.features.map((f) => {
      const item = sheetItem(f, themes, onOpen);
      item.append(el('span', { class: 'reasons' }, f.properties.reasons.join(' · ')));
      return item;
    }));
    status.textContent = page.features.length ? '' : 'Aucune action connexe pour le moment.';
    list.removeAttribute('aria-busy');
  };
  return { section, status, list, fill };
}

/** "Actions connexes" of a sheet, loaded after the sheet itself. */
export function relatedSection(id, ctx) {
  const shell = relatedShell();
  getJSON(`/api/initiatives/${encodeURIComponent(id)}/related?limit=5`)
    .then((page) => shell.fill(page, ctx.themes, ctx.openSheet))
    .catch((err) => {
      shell.status.textContent = `Les actions connexes n'ont pas pu être chargées : ${err.message}`;
      shell.list.removeAttribute('aria-busy');
    });
  return shell.section;
}

/** "Actions connexes" already loaded (a preview's); each opens on the national map in a new tab. */
export function relatedFrom(page, themes) {
  const shell = relatedShell();
  shell.fill(page, themes);
  return shell.section;
}

function header(ctx, title) {
  return [
    el('button', { type: 'button', class: 'back', onclick: ctx.back.onclick }, ctx.back.label),
    el('h2', { id: 'detail-title' }, title),
  ];
}

function sheetLink(ctx, sheet) {
  return el('a', {
    href: `/?fiche=${sheet.id}`,
    'data-id': sheet.id,
    onclick: (e) => { if (e.ctrlKey || e.metaKey || e.shiftKey) return; e.preventDefault(); ctx.openSheet(sheet.id); },
  }, sheet.title);
}

const RADII = [['', 'toute la France'], ['20000', '20 km'], ['50000', '50 km'], ['100000', '100 km']];

/** Communes of the same population class as `insee`, nearest first, with their sheets by theme
 *  (narrowed by the map's filters). */
export async function showPeers(container, insee, ctx, radius = '') {
  container.replaceChildren(...header(ctx, 'Communes comparables'), el('p', { role: 'status' }, 'Recherche des communes comparables…'));
  const q = new URLSearchParams(ctx.filterQuery);
  q.set('limit', '20');
  if (radius) q.set('radius_m', radius);
  let body;
  try {
    body = await getJSON(`/api/communes/${encodeURIComponent(insee)}/peers?${q}`);
  } catch (err) {
    container.replaceChildren(...header(ctx, 'Communes comparables'), el('p', {}, `La recherche a échoué : ${err.message}`));
    container.focus();
    return;
  }
  const select = el('select', { id: 'peers-radius', onchange: (e) => showPeers(container, insee, ctx, e.target.value) },
    RADII.map(([v, label]) => el('option', { value: v, selected: v === radius }, label)));
  const intro = body.class
    ? `Communes de ${body.class.label} comme ${body.commune.name}, de la plus proche à la plus lointaine${ctx.filterQuery ? ', avec des fiches qui répondent aux filtres de la carte' : ''}.`
    : `La population de ${body.commune.name} n'est pas connue : pas de comparaison possible.`;
  const peers = body.peers.map((p) => el('li', { 'data-code': p.code },
    el('button', { type: 'button', class: 'link peer-name', onclick: () => p.center && ctx.flyTo(p.center) }, p.name),
    el('span', { class: 'meta' }, [formatDistance(p.distance_m), `${formatNumber(p.population)} hab.`,
      p.arobases ? `${arobases(p.arobases)} en ${p.arobases_year}` : 'non labellisée',
      `${p.sheet_count} fiche${p.sheet_count > 1 ? 's' : ''}`].join(' · ')),
    p.themes.length ? el('ul', { class: 'peer-themes' }, p.themes.map((t) => el('li', {},
      el('span', { class: 'swatch', style: `background:${(ctx.themes.get(t.code) || {}).colour || '#555'}`, 'aria-hidden': 'true' }),
      ` ${t.label || 'Sans thème'} (${t.count}) : `,
      ...t.sheets.flatMap((s, i) => [i ? ', ' : '', sheetLink(ctx, s)])))) : null));
  container.replaceChildren(
    ...header(ctx, `Communes comparables à ${body.commune.name}`),
    el('p', { class: 'intro' }, intro),
    el('p', {}, el('label', { for: 'peers-radius' }, 'Dans un rayon de '), select),
    el('p', { role: 'status' }, peers.length ? `${peers.length} commune${peers.length > 1 ? 's' : ''}.` : 'Aucune commune comparable trouvée.'),
    el('ol', { id: 'peers', class: 'peer-list' }, peers),
  );
  container.focus();
}

function percent(share) {
  return share === null ? '—' : `${Math.round(share * 100)} %`;
}

/** What the authority does in each theme and challenge, beside the share of its peers that
 *  do it, and the services most of its peers have and it lacks. */
export async function showMosaic(container, code, ctx) {
  container.replaceChildren(...header(ctx, 'Mosaïque'), el('p', { role: 'status' }, 'Calcul de la mosaïque…'));
  let m;
  try {
    m = await getJSON(`/api/authorities/${encodeURIComponent(code)}/mosaic`);
  } catch (err) {
    container.replaceChildren(...header(ctx, 'Mosaïque'), el('p', {}, `La mosaïque n'a pas pu être calculée : ${err.message}`));
    container.focus();
    return;
  }
  const byParent = new Map();
  for (const e of m.entries) byParent.set(e.parent, [...(byParent.get(e.parent) || []), e]);
  const far = m.peers.length ? formatDistance(m.peers[m.peers.length - 1].distance_m).replace(/^à /, '') : null;
  const intro = `${m.sheet_count} fiche${m.sheet_count > 1 ? 's' : ''}. `
    + (m.peer_count ? `Comparée aux ${m.peer_count} collectivités de même taille les plus proches (jusqu'à ${far}) qui ont des fiches.`
      : 'Aucune collectivité de même taille avec des fiches pour comparer.');
  const cell = (e) => el('li', { class: e.covered ? 'covered' : 'missing', 'data-code': e.code },
    el('span', { class: 'label' }, e.label),
    el('span', { class: 'count' }, e.covered ? `${e.sheets.length + e.other_sheets.length} fiche${e.sheets.length + e.other_sheets.length > 1 ? 's' : ''}` : 'aucune'),
    el('span', { class: 'share', title: 'part des collectivités comparables qui en ont' },
      el('span', { class: 'track', 'aria-hidden': 'true' }, el('span', { class: 'bar', style: `width:${Math.round((e.peer_share || 0) * 100)}%` })),
      ` ${percent(e.peer_share)} des pairs`));
  const themesView = (byParent.get(null) || []).map((t) => el('section', { class: 'mosaic-theme' },
    el('h3', {}, el('span', { class: 'swatch', style: `background:${(ctx.themes.get(t.code) || {}).colour || '#555'}`, 'aria-hidden': 'true' }),
      ` ${t.label} — ${t.sheets.length} fiche${t.sheets.length > 1 ? 's' : ''} · ${percent(t.peer_share)} des pairs`),
    el('ul', { class: 'mosaic' }, (byParent.get(t.code) || []).map(cell))));
  const suggestions = m.suggestions.map((s) => el('li', { 'data-code': s.code },
    el('strong', {}, s.label), ` — chez ${percent(s.peer_share)} des pairs`,
    el('ul', {}, s.examples.map((x) => el('li', {}, sheetLink(ctx, x), ` (${x.authority.name}, ${formatDistance(x.distance_m)})`)))));
  container.replaceChildren(
    ...header(ctx, `Mosaïque de ${m.authority.name}`),
    el('p', { class: 'intro' }, intro),
    ...themesView,
    el('h3', {}, 'Axes de progression'),
    suggestions.length
      ? el('ol', { id: 'suggestions', class: 'suggestions' }, suggestions)
      : el('p', {}, 'Rien que ses pairs fassent et qu\'elle ne fasse pas déjà.'),
  );
  container.focus();
}
