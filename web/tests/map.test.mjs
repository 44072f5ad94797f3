// The national map in a real headless Chromium: it draws our tiles, opens a sheet on click,
// narrows with filters, keeps its state in the URL, its list works with the keyboard alone, and
// the sheet panel's comparisons (related actions, comparable communes, mosaic) show what the
// API answers.

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

/** Sum of what the rendered clusters and places stand for. */
function renderedTotal(page) {
  return page.evaluate(() => {
    const seen = new Map();
    for (const f of window.atlaasMap.queryRenderedFeatures({ layers: ['clusters', 'places'] })) {
      // A feature is drawn once per tile it touches: count each position once.
      const key = `${f.geometry.coordinates}`;
      seen.set(key, f.properties.cluster ? f.properties.count : 1);
    }
    return [...seen.values()].reduce((a, b) => a + b, 0);
  });
}

test('the map loads without errors and draws clusters, land and the sample notice', async () => {
  const page = await newPage(browser);
  const glyphs = [];
  page.on('response', (r) => { if (r.url().includes('/fonts/')) glyphs.push(r.status()); });
  await page.goto(`${server.base}/`);
  await mapIdle(page);
  const counts = await page.evaluate(() => ({
    clusters: window.atlaasMap.queryRenderedFeatures({ layers: ['clusters'] }).length,
    counts: window.atlaasMap.queryRenderedFeatures({ layers: ['cluster-counts'] }).length,
    land: window.atlaasMap.queryRenderedFeatures({ layers: ['land'] }).length,
  }));
  assert.ok(counts.clusters > 10, `clusters drawn: ${counts.clusters}`);
  // Cluster counts are text, drawn here with the browser's fonts: no glyph is downloaded.
  assert.ok(counts.counts > 10, `cluster counts drawn: ${counts.counts}`);
  assert.deepEqual(glyphs, []);
  assert.ok(counts.land > 0, 'régions drawn as land');
  assert.ok(await page.isVisible('#sample-banner'), 'sample data is announced');
  assert.ok((await page.locator('#list li').count()) > 0, 'the list shows what is in view');
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** France drawn, then `change` made: what was drawn before and after, the map and list settled. */
async function totalsAround(page, change) {
  await page.goto(`${server.base}/#carte=5/46.6/2.35`);
  await mapIdle(page);
  const before = await renderedTotal(page);
  // The next 'idle' comes once the tiles of the change are drawn.
  const redrawn = page.evaluate(() => new Promise((resolve) => window.atlaasMap.once('idle', resolve)));
  await change();
  await redrawn;
  await mapIdle(page);
  return { before, after: await renderedTotal(page) };
}

test('a click on a place opens its sheet, and the URL reproduces it', async () => {
  // A sheet alone at its point (sheets of one town share its town hall).
  const listing = await getJSON(server.base, '/api/initiatives?limit=1000');
  const at = (f) => `${f.geometry.coordinates}`;
  const sheet = listing.features.find((f) => listing.features.filter((g) => at(g) === at(f)).length === 1);
  const [lon, lat] = sheet.geometry.coordinates;
  const page = await newPage(browser);
  await page.goto(`${server.base}/#carte=16/${lat}/${lon}`);
  await mapIdle(page);
  const point = await page.evaluate((id) => {
    const m = window.atlaasMap;
    const f = m.queryRenderedFeatures({ layers: ['places'] }).find((x) => x.properties.id === id);
    if (!f) return null;
    const p = m.project(f.geometry.coordinates);
    const box = m.getCanvas().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, sheet.id);
  assert.ok(point, `sheet ${sheet.id} is drawn as a place at zoom 16`);
  await page.mouse.click(point.x, point.y);
  await page.waitForSelector('#detail-title');
  assert.equal(await page.textContent('#detail-title'), sheet.properties.title);
  assert.match(page.url(), new RegExp(`fiche=${sheet.id}`));

  // The same URL in a new page opens the same sheet at the same place.
  const again = await newPage(browser);
  await again.goto(page.url());
  await mapIdle(again);
  await again.waitForSelector('#detail-title');
  assert.equal(await again.textContent('#detail-title'), sheet.properties.title);
  const zoom = await again.evaluate(() => window.atlaasMap.getZoom());
  assert.ok(Math.abs(zoom - 16) < 0.01, `zoom ${zoom}`);
  assert.deepEqual([...page.errors, ...again.errors], []);
  await page.close();
  await again.close();
});

test('filters change what is drawn and land in the URL', async () => {
  const page = await newPage(browser);
  const { before, after } = await totalsAround(page, () => page.selectOption('#f-theme', '1'));
  assert.match(page.url(), /theme=1/);
  assert.ok(after > 0 && after < before, `theme 1 shows fewer places: ${after} of ${before}`);
  // Narrower choices follow the theme.
  const challenges = await page.$$eval('#f-challenge option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(challenges.length > 0 && challenges.every((c) => c.startsWith('1.')), `${challenges}`);
  // Every listed sheet has a service of theme 1.
  const ids = await page.$$eval('#list a[data-id]', (as) => as.map((a) => a.dataset.id));
  assert.ok(ids.length > 0);
  const first = await getJSON(server.base, `/api/initiatives/${ids[0]}`);
  assert.ok(first.properties.services.some((s) => s.theme === '1'));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('keywords narrow the map and the list, and land in the URL', async () => {
  const page = await newPage(browser);
  const { before, after } = await totalsAround(page, async () => {
    await page.fill('#f-q', 'Médiathèques');
    await page.press('#f-q', 'Enter');
  });
  assert.match(page.url(), /q=M%C3%A9diath%C3%A8ques/);
  assert.ok(after > 0 && after < before, `keywords show fewer places: ${after} of ${before}`);
  // The list shows what the API finds for the same word without accent or plural, best first.
  const ids = await page.$$eval('#list a[data-id]', (as) => as.map((a) => a.dataset.id));
  const found = await getJSON(server.base, '/api/initiatives?q=mediatheque&limit=1000');
  const foundIds = new Set(found.features.map((f) => String(f.id)));
  assert.ok(ids.length > 0 && ids.every((id) => foundIds.has(id)), `${ids}`);
  const first = await getJSON(server.base, `/api/initiatives/${ids[0]}`);
  const text = `${first.properties.title} ${first.properties.summary} ${first.properties.body}`;
  assert.match(text, /médiathèque/i);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the list reaches every item with the keyboard alone', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.base}/#carte=9/50.6/3.06`);
  await mapIdle(page);
  await page.waitForFunction(() => document.querySelectorAll('#list a[data-id]').length > 0);
  const ids = await page.$$eval('#list a[data-id]', (as) => as.map((a) => a.dataset.id));
  // The skip link is the first stop and leads to the list.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'list-view');
  for (const id of ids) {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.id), id);
  }
  // Enter opens the sheet; the back button returns to the same item.
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail-title');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'detail');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.id), ids[ids.length - 1]);
  // Focus is visible.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the commune search flies to the commune', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.base}/`);
  await mapIdle(page);
  await page.fill('#search-input', 'marck');
  await page.waitForSelector('#search-results li[data-code="62548"]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const c = window.atlaasMap.getCenter();
    return Math.abs(c.lng - 1.95) < 0.1 && Math.abs(c.lat - 50.95) < 0.1 && !window.atlaasMap.isMoving();
  }, null, { timeout: 20_000 });
  assert.equal(await page.inputValue('#search-input'), 'Marck');
  // From there, the communes of its size, nearest first, as the API gives them.
  await page.click('#commune-peers');
  await page.waitForSelector('#peers');
  assert.equal(await page.textContent('#detail-title'), 'Communes comparables à Marck');
  const peers = await getJSON(server.base, '/api/communes/62548/peers?limit=20');
  assert.ok(peers.count > 0, 'the test sample has towns of Marck\'s size');
  assert.deepEqual(await page.$$eval('#peers > li', (ls) => ls.map((l) => l.dataset.code)), peers.peers.map((p) => p.code));
  await page.click('text=← Retour à la liste');
  assert.ok(await page.isVisible('#list-view'));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('"autour de moi" lists the closest sheets to the browser\'s position', async () => {
  const context = await browser.newContext({ geolocation: { latitude: 48.8566, longitude: 2.3522 }, permissions: ['geolocation'] });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/`);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  await page.click('#locate');
  await page.waitForFunction(() => document.getElementById('list-title').textContent === 'Autour de vous'
    && !document.getElementById('list').hasAttribute('aria-busy')
    && document.querySelectorAll('#list li').length > 0, null, { timeout: 20_000 });
  const metas = await page.$$eval('#list .meta', (ms) => ms.map((m) => m.textContent));
  assert.ok(metas.every((m) => /à [\d\s,]+ (m|km)/.test(m)), `${metas}`);
  const near = await getJSON(server.base, '/api/nearby?lon=2.3522&lat=48.8566&limit=20');
  const ids = await page.$$eval('#list a[data-id]', (as) => as.map((a) => Number(a.dataset.id)));
  assert.deepEqual(ids, near.features.map((f) => f.id));
  assert.deepEqual(errors, []);
  await context.close();
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
