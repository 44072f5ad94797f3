// A sheet as the public reads it, built from the answer of GET /api/initiatives/{id}: the
// national map's panel shows it, and the contributor's space previews a working copy with it.

import { arobases, el, formatNumber } from './common.js';

const PRECISION = { address: 'adresse', street: 'rue', commune: 'commune', departement: 'département' };

function field(label, ...value) {
  return [el('dt', {}, label), el('dd', {}, ...value)];
}

function placeText(place) {
  return [place.label, place.address, place.commune && place.commune.name].filter(Boolean).join(', ');
}

/**
 * The parts of a sheet: `head` (title, summary and facts) and `description` (its body's
 * paragraphs). `onPlace(place)`, when given, makes each place a button (to show it on a map).
 */
export function sheetParts(sheet, themes, onPlace) {
  const p = sheet.properties;
  const a = p.authority || {};
  const latest = (a.awards || []).reduce((best, aw) => (!best || aw.year > best.year ? aw : best), null);
  const theme = themes.get(p.services[0] && p.services[0].theme);
  const website = /^https?:\/\//.test(p.website || '') ? el('a', { href: p.website, rel: 'noopener noreferrer', target: '_blank' }, p.website) : null;
  const place = (pl) => el('li', {},
    onPlace ? el('button', { type: 'button', class: 'link', onclick: () => onPlace(pl) }, placeText(pl)) : placeText(pl),
    ` (précision : ${PRECISION[pl.precision] || pl.precision})`);
  const head = [
    el('h2', { id: 'detail-title' }, p.title),
    p.sample ? el('p', { class: 'sample-badge' }, 'Fiche d\'exemple : elle ne décrit pas une action réelle.') : null,
    el('p', { class: 'summary' }, p.summary),
    el('dl', {},
      field('Collectivité', `${a.name || a.code || ''}`, latest ? ` — ${arobases(latest.arobases)} en ${latest.year}` : ''),
      latest && latest.mentions.length ? field('Mentions', latest.mentions.join(', ')) : [],
      a.population ? field('Population', `${formatNumber(a.population)} habitants`) : [],
      field('Année', String(p.year)),
      field('Thème', theme ? theme.label : '—'),
      field('Services', el('ul', {}, p.services.map((s) => el('li', {}, `${s.code} — ${s.label || 'service inconnu du référentiel'}`)))),
      field('Lieux', el('ul', {}, p.places.map(place))),
      website ? field('Site', website) : [],
      latest ? field('Historique du label', (a.awards || []).map((aw) => `${aw.year} : ${arobases(aw.arobases)}`).join(' · ')) : [],
    ),
  ].filter(Boolean); // replaceChildren(...) would write a null as the text "null"
  const description = [el('h3', {}, 'Description'), ...p.body.split(/\n{2,}/).filter((t) => t.trim()).map((para) => el('p', {}, para))];
  return { head, description };
}
