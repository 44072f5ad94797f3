// A basemap under our layers (`atlaas serve --basemap FILE.pmtiles`): the style every client
// reads adds it between our land and our lines, still passes the style-spec validator, and
// the map page draws the basemap's tiles, served by us, without an error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { launchBrowser, mapIdle, newPage, startServer } from './harness.mjs';

let server;
let browser;
let dir;
before(async () => {
  // A PMTiles file of vector tiles, as an operator's OpenStreetMap extract would be: here the
  // tiles of another Atlaas, exported to zoom 6.
  dir = mkdtempSync(join(tmpdir(), 'atlaas-basemap-'));
  const file = join(dir, 'fond.pmtiles');
  const maker = await startServer({ sampleCount: 100 });
  try {
    maker.atlaas('tiles', 'export', '--out', file, '--max-zoom', '6');
  } finally {
    await maker.stop();
  }
  server = await startServer({ sampleCount: 300, extraArgs: ['--basemap', file] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the style with a basemap passes the validator, the basemap between our land and our lines', async () => {
  const style = await (await fetch(`${server.base}/style.json`)).json();
  assert.deepEqual(validateStyleMin(style).map((e) => e.message), []);
  const ids = style.layers.map((l) => l.id);
  const basemap = ids.filter((id) => id.startsWith('basemap-'));
  assert.ok(basemap.length > 0, ids.join(' '));
  assert.equal(ids.indexOf(basemap[0]), ids.indexOf('land') + 1);
  assert.ok(ids.indexOf(basemap.at(-1)) < ids.indexOf('commune-lines'));
  assert.equal(style.sources.basemap.url, `${server.base}/basemap.json`);
});

test('the map page draws the basemap from our server', async () => {
  const page = await newPage(browser);
  const basemapTiles = [];
  page.on('response', (r) => { if (r.url().includes('/basemap/')) basemapTiles.push(r.status()); });
  await page.goto(`${server.base}/`);
  await mapIdle(page);
  assert.ok(basemapTiles.includes(200), `basemap tiles answered: ${basemapTiles.join(', ')}`);
  assert.ok(basemapTiles.every((s) => s === 200 || s === 204), basemapTiles.join(', '));
  const drawn = await page.evaluate(() => {
    const map = window.atlaasMap;
    const layers = map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith('basemap-') && id.endsWith('-areas'));
    return map.queryRenderedFeatures({ layers }).length;
  });
  assert.ok(drawn > 0, 'features of the basemap are drawn');
  assert.deepEqual(page.errors, []);
  await page.close();
});
