// An authority's page: its @ since it joined the label (a chart drawn here in SVG, with its
// text alternative), its mentions, its sheets by theme, its comparable communes, and its
// "mosaïque des enjeux" drawn as a mosaic: the challenges of the referential as tiles grouped
// by theme, each tile's colour saying how much of the challenge the authority covers and a bar
// how many of its peers act on it, with the axes de progression below.

import { el, formatDistance, formatNumber, getJSON } from './common.js';
import { arobaseCell, svg } from './label.js';

const $ = (id) => document.getElementById(id);

const KINDS = { commune: 'Commune', epci: 'Intercommunalité', departement: 'Département', region: 'Région' };

/** Bars of the @ of each edition from the first to the last award; a year without one stays empty. */
function historyChart(awards) {
  const first = awards[0].year;
  const last = awards[awards.length - 1].year;
  const years = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const byYear = new Map(awards.map((a) => [a.year, a.arobases]));
  const [step, height, top, bottom, left] = [28, 120, 8, 20, 22];
  const width = left + years.length * step;
  const y = (n) => top + (height - top - bottom) * (1 - n / 5);
  const said = awards.map((a) => `${a.year} : ${a.arobases} @`).join(', ');
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'history-chart', role: 'img', 'aria-labelledby': 'chart-title chart-desc' });
  chart.append(svg('title', { id: 'chart-title' }, 'Nombre d’@ par édition du label'), svg('desc', { id: 'chart-desc' }, said));
  for (let n = 1; n <= 5; n += 1) {
    chart.append(svg('line', { class: 'grid', x1: left, x2: width, y1: y(n), y2: y(n) }), svg('text', { x: 2, y: y(n) + 4 }, `${n}@`));
  }
  years.forEach((year, i) => {
    const x = left + i * step;
    const n = byYear.get(year);
    if (n) chart.append(svg('rect', { class: 'bar', x: x + 5, width: step - 10, y: y(n), height: y(0) - y(n), 'data-year': year }));
    chart.append(svg('text', { x: x + step / 2, y: height - 6, 'text-anchor': 'middle' }, years.length > 12 ? `’${String(year).slice(2)}` : year));
  });
  return chart;
}

function showLabel(p) {
  const latest = p.awards[p.awards.length - 1];
  if (!latest) {
    $('current').textContent = 'Pas encore labellisée.';
    return;
  }
  $('current').replaceChildren(arobaseCell(latest.arobases), ` en ${latest.year}, labellisée depuis ${p.awards[0].year}.`);
  $('history').replaceChildren(historyChart(p.awards));
  $('awards').replaceChildren(...[...p.awards].reverse().map((a) => el('li', { 'data-year': a.year },
    `${a.year} : `, arobaseCell(a.arobases),
    a.mentions.length ? ` — mention${a.mentions.length > 1 ? 's' : ''} ${a.mentions.map((m) => m.label ?? m.code).join(', ')}` : '')));
}

function showSheets(p) {
  if (!p.themes.length) {
    $('sheets').textContent = 'Aucune fiche publiée.';
    return;
  }
  $('sheets').replaceChildren(el('p', {}, `${formatNumber(p.sheet_count)} fiche${p.sheet_count > 1 ? 's' : ''} publiée${p.sheet_count > 1 ? 's' : ''}.`),
    ...p.themes.map((t) => el('div', {},
      el('h4', {}, `${t.label ?? 'Hors référentiel'} (${t.count})`),
      el('ul', {}, t.sheets.map((s) => el('li', {}, el('a', { href: `/?fiche=${s.id}` }, s.title), ` (${s.year})`))))));
}

function showPeers(p) {
  $('peers').replaceChildren(...p.peers.map((peer) => el('li', {},
    el('a', { href: `/collectivites/${encodeURIComponent(peer.code)}` }, peer.name), ' ',
    peer.arobases ? arobaseCell(peer.arobases) : '',
    el('span', { class: 'meta' }, ` ${formatNumber(peer.population)} hab., ${formatDistance(peer.distance_m)}, ${peer.sheet_count} fiche${peer.sheet_count > 1 ? 's' : ''}`))));
  if (!p.peers.length) $('peers').replaceWith(el('p', {}, 'Aucune collectivité comparable connue.'));
}

function showShare(p) {
  const links = [el('a', { href: '/palmares' }, 'Le palmarès du label')];
  if (p.links.embed) links.unshift(el('a', { href: p.links.embed }, 'La carte de ses initiatives, à intégrer'), ' · ');
  const snippet = `<span data-atlaas-badge="${p.code}"></span>\n<script src="${location.origin}/widget.js"></script>`;
  $('share').replaceChildren(el('p', {}, ...links),
    el('p', {}, 'Son badge du label, sur son site : '),
    el('pre', { class: 'snippet' }, el('code', {}, snippet)));
}

/** How much of a challenge's services the authority covers: 0 none … 3 half or more. */
function coverageLevel(covered, total) {
  if (!covered) return 0;
  const share = covered / total;
  return share < 0.25 ? 1 : share < 0.5 ? 2 : 3;
}

function showMosaic(m) {
  const byCode = new Map(m.entries.map((e) => [e.code, e]));
  const challengeOf = (e) => {
    let at = e;
    while (at && at.level !== 'challenge') at = byCode.get(at.parent);
    return at?.code;
  };
  const services = new Map();
  for (const e of m.entries.filter((x) => x.level === 'service')) {
    const c = challengeOf(e);
    if (!services.has(c)) services.set(c, []);
    services.get(c).push(e);
  }
  const themes = m.entries.filter((e) => e.level === 'theme');
  $('mosaic').replaceChildren(...themes.map((theme) => el('fieldset', {},
    el('legend', {}, theme.label),
    el('ol', {}, m.entries.filter((e) => e.level === 'challenge' && e.parent === theme.code).map((c) => {
      const own = services.get(c.code) ?? [];
      const covered = own.filter((s) => s.covered).length;
      const sheets = new Set([...c.sheets, ...c.other_sheets]).size;
      const peers = c.peer_share === null ? 'pas de collectivité comparable' : `${Math.round(c.peer_share * 100)} % des collectivités comparables`;
      const said = `${c.label} : ${covered} service${covered > 1 ? 's' : ''} sur ${own.length}, ${sheets} fiche${sheets > 1 ? 's' : ''} ; ${peers}`;
      return el('li', { class: 'tile', 'data-code': c.code, 'data-coverage': coverageLevel(covered, own.length || 1), title: said, 'aria-label': said },
        c.label,
        el('span', { class: 'share', 'aria-hidden': 'true' }, el('span', { style: `width:${Math.round((c.peer_share ?? 0) * 100)}%` })));
    })))));
  $('mosaic-about').textContent = m.peer_count
    ? `Comparée à ${m.peer_count} collectivités de même taille et de même type, les plus proches.`
    : 'Aucune collectivité comparable : la part des pairs n’est pas montrée.';
  $('axes').replaceChildren(...m.suggestions.map((s) => el('li', {},
    el('strong', {}, s.label), ` — ${Math.round(s.peer_share * 100)} % des collectivités comparables`,
    s.examples.length ? el('ul', {}, s.examples.map((x) => el('li', {}, el('a', { href: `/?fiche=${x.id}` }, x.title), ` (${x.authority.name})`))) : '')));
  if (!m.suggestions.length) $('axes').replaceWith(el('p', {}, 'Aucun axe de progression : ses pairs ne font rien qu’elle ne fasse déjà.'));
}

async function start() {
  const code = decodeURIComponent(location.pathname.replace(/^\/collectivites\//, ''));
  const path = `/api/authorities/${encodeURIComponent(code)}`;
  const [profile, mosaic] = await Promise.all([getJSON(path), getJSON(`${path}/mosaic`)]);
  $('identity').textContent = [KINDS[profile.kind], profile.population ? `${formatNumber(profile.population)} habitants` : null,
    profile.departement ? `${profile.departement.name} (${profile.departement.code})` : null, profile.region?.name].filter(Boolean).join(' · ');
  $('sample-note').hidden = !profile.sample_data;
  showLabel(profile);
  showSheets(profile);
  showPeers(profile);
  showShare(profile);
  showMosaic(mosaic);
  $('status').textContent = '';
}

start().catch((err) => { $('status').textContent = `La page n’a pas pu être chargée : ${err.message}`; });
