// What the label's pages share: the colours of the @, how an @ level is written, SVG elements
// for charts, name folding for filters, and the CSV a French spreadsheet opens as it is.

/** One colour per level, 1 to 5 @, light to dark (each distinct for colour-blind readers too). */
export const AROBASE_COLOURS = ['#c7e9f1', '#7fc6de', '#3b9ac4', '#1d6aa5', '#0b3a6e'];

/** An @ level as text, with its number for screen readers. */
export function arobaseCell(n) {
  const span = document.createElement('span');
  span.className = 'arobases';
  span.textContent = n > 0 ? '@'.repeat(n) : '—';
  span.setAttribute('aria-label', n > 0 ? `${n} arobase${n > 1 ? 's' : ''}` : 'non labellisée');
  return span;
}

/** An SVG element with attributes and, optionally, its text. */
export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A text as filters compare it: lower case, no accents, words split on anything else. */
export function foldText(text) {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).join(' ');
}

/** A cell a spreadsheet must not take for a formula gets a leading `'`. */
function cell(value) {
  const text = String(value ?? '');
  const safe = /^[=+\-@\t\r']/.test(text) ? `'${text}` : text;
  return /[;"\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows as a CSV for French spreadsheets: UTF-8 with a byte order mark, `;` between cells. */
export function toCsv(rows) {
  return `\uFEFF${rows.map((r) => r.map(cell).join(';')).join('\r\n')}\r\n`;
}
