// The label's statistics: sheets per theme and year, authorities by size and by région
// according to their @, and the most and least covered services, from /api/stats. Charts are
// SVG drawn here; each has its figures in a table below it, for screen readers and for copying.

import { el, formatNumber, getJSON, themesOf } from './common.js';
import { AROBASE_COLOURS, svg } from './label.js';

const $ = (id) => document.getElementById(id);
const AROBASE_NAMES = [1, 2, 3, 4, 5].map((n) => `${'@'.repeat(n)}`);

/** The figures of a chart as a table, in a disclosure under it. */
function figures(caption, head, rows) {
  return el('details', {},
    el('summary', {}, 'Les chiffres'),
    el('table', { class: 'figures' },
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: i ? 'number' : null }, h)))),
      el('tbody', {}, rows.map(([label, ...values]) =>
        el('tr', {}, el('th', { scope: 'row' }, label), values.map((v) => el('td', { class: 'number' }, formatNumber(v))))))));
}

function legend(names, colours) {
  return el('ul', { class: 'arobase-legend', 'aria-hidden': 'true' },
    names.map((n, i) => el('li', {}, el('span', { class: 'dot', style: `background:${colours[i]}` }), n)));
}

/** Vertical bars, one per `bar.label`, stacked by parts. */
function columns(bars, colours, title) {
  const [height, top, bottom, left, step] = [220, 10, 24, 40, Math.max(18, Math.min(48, 640 / Math.max(bars.length, 1)))];
  const width = left + bars.length * step;
  const max = Math.max(1, ...bars.map((b) => b.parts.reduce((a, n) => a + n, 0)));
  const y = (n) => top + (height - top - bottom) * (1 - n / max);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'bars', role: 'img', 'aria-label': title });
  for (const tick of [0, 0.5, 1].map((f) => Math.round(max * f))) {
    chart.append(svg('line', { class: 'grid', x1: left, x2: width, y1: y(tick), y2: y(tick) }), svg('text', { x: left - 4, y: y(tick) + 4, 'text-anchor': 'end' }, formatNumber(tick)));
  }
  bars.forEach((bar, i) => {
    let base = 0;
    bar.parts.forEach((n, p) => {
      if (n) chart.append(svg('rect', { x: left + i * step + 3, width: step - 6, y: y(base + n), height: y(base) - y(base + n), fill: colours[p], 'data-label': bar.label, 'data-part': p }));
      base += n;
    });
    const label = bars.length > 14 ? `’${String(bar.label).slice(-2)}` : bar.label;
    chart.append(svg('text', { x: left + i * step + step / 2, y: height - 8, 'text-anchor': 'middle' }, label));
  });
  return chart;
}

/** Horizontal bars, one per `bar.label`, stacked by parts. */
function rows(bars, colours, title) {
  const [line, left, width] = [22, 170, 560];
  const max = Math.max(1, ...bars.map((b) => b.parts.reduce((a, n) => a + n, 0)));
  const x = (n) => left + (width - left - 40) * (n / max);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${bars.length * line + 4}`, class: 'bars', role: 'img', 'aria-label': title });
  bars.forEach((bar, i) => {
    const top = i * line + 2;
    chart.append(svg('text', { x: left - 6, y: top + 14, 'text-anchor': 'end' }, bar.label));
    let base = 0;
    bar.parts.forEach((n, p) => {
      if (n) chart.append(svg('rect', { x: x(base), width: x(base + n) - x(base), y: top + 3, height: line - 6, fill: colours[p], 'data-label': bar.label, 'data-part': p }));
      base += n;
    });
    chart.append(svg('text', { x: x(base) + 4, y: top + 14 }, formatNumber(base)));
  });
  return chart;
}

function byYear(stats, themes) {
  const groups = stats.groups;
  const years = [...new Set(groups.flatMap((g) => g.years.map((y) => y.year)))].sort();
  const count = (g, year) => g.years.find((y) => y.year === year)?.sheets ?? 0;
  const colours = groups.map((g) => themes.get(g.key)?.colour ?? '#6b7280');
  const bars = years.map((year) => ({ label: year, parts: groups.map((g) => count(g, year)) }));
  $('by-year').replaceChildren(
    legend(groups.map((g) => g.label), colours),
    columns(bars, colours, 'Fiches par année, empilées par thème'),
    figures('Fiches par année et par thème', ['Année', ...groups.map((g) => g.label)], bars.map((b) => [b.label, ...b.parts])));
}

function byArobases(target, stats, title, keep = () => true) {
  const bars = stats.groups.filter((g) => g.owners.total > 0 && keep(g)).map((g) => ({ label: g.label, parts: g.owners.by_arobases }));
  $(target).replaceChildren(
    legend(AROBASE_NAMES, AROBASE_COLOURS),
    rows(bars, AROBASE_COLOURS, title),
    figures(title, ['', ...AROBASE_NAMES], bars.map((b) => [b.label, ...b.parts])));
}

function services(stats) {
  const ranked = [...stats.groups].sort((a, b) => b.sheets - a.sheets || a.key.localeCompare(b.key, 'fr', { numeric: true }));
  const item = (g) => el('li', { 'data-code': g.key }, `${g.label} `, el('span', { class: 'meta' }, `(${g.key}) : ${formatNumber(g.sheets)} fiche${g.sheets > 1 ? 's' : ''}`));
  $('most').replaceChildren(...ranked.slice(0, 10).map(item));
  $('least').replaceChildren(...ranked.slice(-10).reverse().map(item));
}

async function load(themes) {
  const year = $('f-year').value;
  const filter = year ? `&year=${year}` : '';
  const [theme, size, region, service] = await Promise.all(
    ['theme', 'population', 'region', 'service'].map((by) => getJSON(`/api/stats?by=${by}${filter}`)));
  $('sample-note').hidden = !theme.sample_data;
  $('total').textContent = `${formatNumber(theme.sheets)} fiches publiées, de ${formatNumber(theme.owners.total)} collectivités.`;
  byYear(theme, themes);
  byArobases('by-size', size, 'Collectivités par taille, empilées par nombre d’@');
  byArobases('by-region', region, 'Collectivités par région, empilées par nombre d’@');
  services(service);
  $('status').textContent = '';
}

async function start() {
  const [style, years] = await Promise.all([getJSON('/style.json'), getJSON('/api/stats?by=year')]);
  const themes = themesOf(style);
  $('f-year').append(...years.groups.filter((g) => g.sheets > 0).reverse().map((g) => el('option', { value: g.key }, g.key)));
  $('f-year').addEventListener('change', () => load(themes).catch(fail));
  await load(themes);
}

function fail(err) {
  $('status').textContent = `Les statistiques n’ont pas pu être chargées : ${err.message}`;
}

start().catch(fail);
