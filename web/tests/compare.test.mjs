// The comparisons in the national map's panel, in a real headless Chromium: a sheet's related
// actions, the comparable communes of its authority and its mosaic show what the API answers.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJSON, launchBrowser, mapIdle, newPage, startServer } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A sample sheet of a commune that has comparable communes. */
async function sheetOfACommuneWithPeers() {
  const listing = await getJSON(server.base, '/api/initiatives?limit=300');
  for (const f of listing.features) {
    const a = f.properties.authority;
    if (a.kind !== 'commune') continue;
    const peers = await getJSON(server.base, `/api/communes/${a.code}/peers?limit=20`);
    if (peers.count > 0) return { id: f.id, authority: a, peers };
  }
  throw new Error('no sample sheet of a commune with peers');
}

test('a sheet shows its related actions, then comparable communes and the mosaic of its authority', async () => {
  const { id, authority, peers } = await sheetOfACommuneWithPeers();
  const page = await newPage(browser);
  await page.goto(`${server.base}/?fiche=${id}`);
  await mapIdle(page);
  await page.waitForSelector('#detail-title');
  await page.waitForFunction(() => {
    const list = document.querySelector('.related ol');
    return list && !list.hasAttribute('aria-busy');
  }, null, { timeout: 20_000 });

  // Related actions: the API's, in its order, with their reasons.
  const related = await getJSON(server.base, `/api/initiatives/${id}/related?limit=5`);
  assert.ok(related.features.length > 0);
  const shown = await page.$$eval('.related a[data-id]', (as) => as.map((a) => Number(a.dataset.id)));
  assert.deepEqual(shown, related.features.map((f) => f.id));
  const reasons = await page.$$eval('.related .reasons', (rs) => rs.map((r) => r.textContent));
  assert.deepEqual(reasons, related.features.map((f) => f.properties.reasons.join(' · ')));

  // Comparable communes: the same as the API, nearest first.
  await page.click('#open-peers');
  await page.waitForSelector('#peers');
  const codes = await page.$$eval('#peers > li', (ls) => ls.map((l) => l.dataset.code));
  assert.deepEqual(codes, peers.peers.map((p) => p.code));
  assert.match(await page.textContent('#detail-title'), new RegExp(authority.name));
  // A radius narrows them.
  await page.selectOption('#peers-radius', '50000');
  await page.waitForFunction(() => document.getElementById('peers-radius')?.value === '50000');
  const near = await getJSON(server.base, `/api/communes/${authority.code}/peers?limit=20&radius_m=50000`);
  await page.waitForFunction((n) => document.querySelectorAll('#peers > li').length === n, near.count);

  // Back to the sheet, then its authority's mosaic.
  await page.click('text=← Retour à la fiche');
  await page.click('#open-mosaic');
  await page.waitForSelector('.mosaic li');
  const mosaic = await getJSON(server.base, `/api/authorities/${authority.code}/mosaic`);
  const covered = await page.$$eval('.mosaic li.covered', (ls) => ls.map((l) => l.dataset.code));
  assert.deepEqual(covered, mosaic.entries.filter((e) => e.level === 'challenge' && e.covered).map((e) => e.code));
  const suggested = await page.$$eval('#suggestions > li', (ls) => ls.map((l) => l.dataset.code));
  assert.deepEqual(suggested, mosaic.suggestions.map((s) => s.code));
  // An example of a suggestion (each has some: a peer does it) opens that sheet.
  assert.ok(mosaic.suggestions.length > 0 && mosaic.suggestions.every((s) => s.examples.length > 0));
  const example = mosaic.suggestions[0].examples[0];
  await page.click(`#suggestions a[data-id="${example.id}"]`);
  await page.waitForFunction((t) => document.getElementById('detail-title')?.textContent === t, example.title);
  assert.deepEqual(page.errors, []);
  await page.close();
});
