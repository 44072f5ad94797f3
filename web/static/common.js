// Helpers shared by the national map (app.js) and the embed page (embed.js).

/** Filter parameters of the API that the pages set. */
export const FILTER_KEYS = ['q', 'theme', 'challenge', 'use', 'service', 'year', 'arobases', 'population'];

/** JSON from our API; errors carry the API's French-free `detail`, shown as is. */
export async function getJSON(path) {
  // Our own origin only, and never with credentials: the pages need none.
  const res = await fetch(path, { credentials: 'omit', headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.detail || `erreur ${res.status}`);
  return body;
}

/** Builds an element: el('a', { href: '#', class: 'x' }, 'text', child). Text is never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Query string of the non-empty filters, without the leading '?'. */
export function filterQuery(filters) {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) q.set(k, filters[k]);
  return q.toString();
}

export function arobases(n) {
  return n > 0 ? '@'.repeat(n) : 'non labellisée';
}

const numberFormat = new Intl.NumberFormat('fr-FR');
export function formatNumber(n) {
  return numberFormat.format(n);
}

export function formatDistance(m) {
  if (m < 1000) return `à ${Math.round(m)} m`;
  return `à ${numberFormat.format(Math.round(m / 100) / 10)} km`;
}

/** Theme colours and labels from the style's metadata (the server is their one source). */
export function themesOf(style) {
  const themes = (style.metadata && style.metadata['atlaas:themes']) || [];
  return new Map(themes.map((t) => [t.code, t]));
}

/** A list item for a sheet of a GeoJSON listing. `onOpen(id)` opens it in place; without
 *  it, the link opens the sheet on the national map in a new tab. */
export function sheetItem(feature, themes, onOpen) {
  const p = feature.properties;
  const theme = themes.get(p.theme);
  const where = p.commune ? p.commune.name : p.authority.name;
  const details = [where, p.year, theme ? theme.label : null, p.distance_m !== undefined ? formatDistance(p.distance_m) : null]
    .filter(Boolean)
    .join(' · ');
  const attrs = onOpen
    ? {
      href: `/?fiche=${p.id}`,
      onclick: (e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey) return;
        e.preventDefault();
        onOpen(p.id);
      },
    }
    : { href: `${location.origin}/?fiche=${p.id}`, target: '_blank', rel: 'noopener' };
  const link = el('a', { ...attrs, 'data-id': p.id },
    el('span', { class: 'swatch', style: `background:${theme ? theme.colour : '#555'}`, 'aria-hidden': 'true' }), p.title);
  return el('li', {}, link, el('span', { class: 'meta' }, details));
}

/** The referential's tree and every service in it with its path (theme › enjeu › usage). */
export async function referentialServices() {
  const r = await getJSON('/api/referential');
  const services = [];
  for (const theme of r.themes) {
    for (const challenge of theme.challenges) {
      for (const use of challenge.uses) {
        for (const s of use.services) {
          services.push({ code: s.code, label: s.label, path: `${theme.label} › ${challenge.label} › ${use.label}` });
        }
      }
    }
  }
  return { tree: r.themes, services };
}

/**
 * For `map.setStyle(url, { transformStyle: withBrowserFonts })`: our pages draw the style's
 * labels with the browser's own fonts (MapLibre GL JS does without glyphs since 5.11), which
 * keeps the 23 KB glyph range off a first visit on a slow line. Other clients of
 * /style.json (MapLibre Native, QGIS, OpenLayers) use its glyphs.
 */
export function withBrowserFonts(_previous, style) {
  const { glyphs, ...rest } = style;
  return rest;
}
