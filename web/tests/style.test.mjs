// The map's style as any MapLibre client reads it: MapLibre's style-spec validator finds
// nothing to refuse in /style.json, with or without filters, its labels say where their
// glyphs are (as MapLibre Native requires), and those glyphs are served.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { launchBrowser, newPage, startServer } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer({ sampleCount: 800 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function style(query = '') {
  const res = await fetch(`${server.base}/style.json${query}`);
  assert.equal(res.status, 200);
  return res.json();
}

test('the style passes the MapLibre style-spec validator', async () => {
  for (const query of ['', '?theme=1&year=2019']) {
    const doc = await style(query);
    assert.deepEqual(validateStyleMin(doc).map((e) => e.message), [], `style.json${query}`);
    // The validator stopped requiring `glyphs` beside `text-field` in late 2025, since GL JS
    // can draw text with the browser's fonts; MapLibre Native and the readers of styles in
    // QGIS and OpenLayers cannot, so the rule is checked here.
    const texts = doc.layers.filter((l) => l.layout?.['text-field']);
    assert.equal(texts.length, 3, 'labels are kept');
    assert.match(doc.glyphs ?? '', /^http:.*\{fontstack\}.*\{range\}\.pbf$/);
    assert.ok(texts.every((l) => l.layout['text-font']?.length > 0), 'every label names its font');
  }
});

test('the glyphs of every label font are served where the style says', async () => {
  const doc = await style();
  const fonts = new Set(doc.layers.flatMap((l) => l.layout?.['text-font'] ?? []));
  assert.ok(fonts.size > 0);
  for (const font of fonts) {
    const url = doc.glyphs.replace('{fontstack}', encodeURIComponent(font)).replace('{range}', '0-255');
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    assert.ok((await res.arrayBuffer()).byteLength > 10_000, 'a range of Latin glyphs');
  }
});

test('a MapLibre renderer draws the labels with the served glyphs', async () => {
  // A bare page on the server's origin that takes /style.json as it is (our own pages draw
  // text with the browser's fonts instead), as a third-party client would.
  const page = await newPage(browser);
  await page.route(`${server.base}/glyph-check`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><link rel="stylesheet" href="/vendor/maplibre-gl/maplibre-gl.css">
      <script src="/vendor/maplibre-gl/maplibre-gl-csp.js"></script>
      <div id="map" style="width:800px;height:600px"></div>
      <script>
        maplibregl.setWorkerUrl('/vendor/maplibre-gl/maplibre-gl-csp-worker.js');
        window.map = new maplibregl.Map({ container: 'map', style: '/style.json', center: [2.35, 46.6], zoom: 5 });
      </script>`,
  }));
  const glyphs = [];
  page.on('response', (r) => { if (r.url().includes('/fonts/')) glyphs.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  await page.goto(`${server.base}/glyph-check`);
  await page.waitForFunction(() => window.map?.loaded() && window.map.areTilesLoaded() && !window.map.isMoving(), null, { timeout: 60_000 });
  const labels = await page.evaluate(() => window.map.queryRenderedFeatures({ layers: ['cluster-counts'] }).length);
  assert.ok(labels > 5, `cluster counts drawn: ${labels}`);
  assert.ok(glyphs.length > 0 && glyphs.every((g) => g.startsWith('200 /fonts/DejaVu%20Sans%20Book/')), `${glyphs}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
