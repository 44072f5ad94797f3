// What the map page costs a town's slow line: its first load, every file, answer and tile the
// browser fetched until the map is drawn, counted on the wire (headers included) by Chromium
// itself, on the default sample of 12,000 sheets. A second visit revalidates and costs little.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, mapIdle, newPage, startServer } from './harness.mjs';

/** The budget of a first visit of the map page. */
const FIRST_LOAD_BYTES = 400 * 1024;

let server;
let browser;
before(async () => {
  server = await startServer({ sampleCount: 12000 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Counts the bytes received for each request of a page (its workers' included: MapLibre
 * fetches tiles from one), headers and encoded body, by URL path.
 */
function wireMeter(page) {
  const bytes = new Map();
  const pending = [];
  page.on('requestfinished', (request) => {
    pending.push((async () => {
      const sizes = await request.sizes();
      // Chromium gives no body size for a worker's own script: its Content-Length is what came.
      // (From the browser's cache, the body's size is minus the headers': nothing came.)
      const declared = Number(await (await request.response())?.headerValue('content-length') ?? 0);
      const path = new URL(request.url()).pathname;
      const wire = sizes.responseBodySize < 0 ? 0 : sizes.responseHeadersSize + Math.max(sizes.responseBodySize, declared);
      bytes.set(path, (bytes.get(path) ?? 0) + wire);
    })().catch(() => {}));
  });
  const settled = () => Promise.all(pending.splice(0));
  return {
    total: async () => { await settled(); return [...bytes.values()].reduce((a, b) => a + b, 0); },
    largest: () => [...bytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([p, n]) => `${p} ${n}`).join(', '),
    paths: () => [...bytes.keys()],
    /** Bytes of the paths that begin with `prefix`. */
    under: (prefix) => [...bytes.entries()].filter(([p]) => p.startsWith(prefix)).reduce((a, [, n]) => a + n, 0),
    reset: async () => { await settled(); bytes.clear(); },
  };
}

test('the map page\'s first load stays under 400 KB on the wire, and a second visit costs far less', async () => {
  // One browser context for both visits: they share its cache, as one person's browser would.
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await newPage(browser, {}, context);
  const meter = wireMeter(page);
  const scriptEncoding = page.waitForResponse((r) => r.url().endsWith('/maplibre-gl-csp.js'))
    .then((r) => r.headerValue('content-encoding'));
  await page.goto(`${server.base}/`);
  await mapIdle(page);
  assert.equal(await scriptEncoding, 'br', 'MapLibre\'s script goes out in brotli');
  const first = await meter.total();
  assert.ok(meter.paths().some((p) => p.startsWith('/tiles/')), `tiles are counted: ${meter.paths()}`);
  assert.ok(meter.paths().includes('/vendor/maplibre-gl/maplibre-gl-csp-worker.js'), `the worker's script is counted: ${meter.paths()}`);
  assert.ok(first > 50 * 1024, `the meter counts (${first} bytes)`);
  assert.ok(first < FIRST_LOAD_BYTES, `first load: ${first} bytes; largest: ${meter.largest()}`);
  console.log(`first load of the map page: ${first} bytes on the wire (MapLibre ${meter.under('/vendor/')}, `
    + `tiles ${meter.under('/tiles/')}, API ${meter.under('/api/')}); largest: ${meter.largest()}`);

  // The same person opening the map again: scripts and styles come from the browser's cache.
  const second = await newPage(browser, {}, context);
  const meterAgain = wireMeter(second);
  await second.goto(`${server.base}/`);
  await mapIdle(second);
  const again = await meterAgain.total();
  assert.ok(again < first / 4, `a second visit: ${again} bytes; largest: ${meterAgain.largest()}`);
  console.log(`a second visit: ${again} bytes`);
  assert.deepEqual([...page.errors, ...second.errors], []);
  await context.close();
});
