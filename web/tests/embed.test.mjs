// The widget on a "municipal website": a page served from another loopback port includes
// widget.js with one tag; the iframe shows the commune's sheets and is sized by messages from
// the Atlaas origin only.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { getJSON, launchBrowser, newPage, startServer } from './harness.mjs';

let server;
let browser;
let site;
let siteBase;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  site?.close();
});

/** Serves one HTML page, as a town's website would. */
async function serveSite(html) {
  site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((ok) => site.listen(0, '127.0.0.1', ok));
  siteBase = `http://127.0.0.1:${site.address().port}`;
}

test('a page of another origin embeds the widget and shows the commune\'s sheets', async () => {
  // A commune that owns sheets in the sample.
  const listing = await getJSON(server.base, '/api/initiatives?limit=200');
  const own = listing.features.find((f) => f.properties.authority.code === f.properties.commune?.code);
  const commune = own.properties.commune;
  await serveSite(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title></head><body>
    <h1>Site de la mairie</h1>
    <div id="w" data-atlaas-commune="${commune.code}"></div>
    <script src="${server.base}/widget.js"></script>
  </body></html>`);
  const page = await newPage(browser);
  await page.goto(`${siteBase}/`);
  const frameElement = await page.waitForSelector('#w iframe');
  assert.ok((await frameElement.getAttribute('src')).startsWith(`${server.base}/embed?commune=${commune.code}`));
  const frame = await frameElement.contentFrame();
  await frame.waitForSelector('body[data-ready]', { timeout: 60_000 });
  const ownTitles = await frame.$$eval('#own a[data-id]', (as) => as.map((a) => a.textContent));
  assert.ok(ownTitles.includes(own.properties.title), `${own.properties.title} in ${ownTitles}`);
  assert.match(await frame.textContent('#own h2'), new RegExp(commune.name));
  assert.ok(await frame.isVisible('#embed-map canvas'), 'a small map');
  // The iframe took the height the embed page reported.
  await page.waitForFunction(() => document.querySelector('#w iframe').style.height !== '480px', null, { timeout: 10_000 });
  const reported = await frame.evaluate(() => Math.ceil(document.documentElement.scrollHeight));
  const height = await page.evaluate(() => parseInt(document.querySelector('#w iframe').style.height, 10));
  assert.equal(height, Math.max(200, Math.min(3000, reported)));

  // A message from the host page itself (another origin) is ignored. A listener added now
  // runs right after the widget's, in the same dispatch of that message: the height it reads
  // is what the widget did with it (the frame's own reports may set it back later).
  const after = await page.evaluate(() => new Promise((done) => {
    const frame = document.querySelector('#w iframe');
    window.addEventListener('message', function mine(e) {
      if (!e.data || e.data.height !== 999) return;
      window.removeEventListener('message', mine);
      done(frame.style.height);
    });
    window.postMessage({ type: 'atlaas:resize', height: 999 }, '*');
  }));
  assert.equal(after, `${height}px`, 'the host page cannot resize the frame');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the embed page advertises oEmbed and the list view needs no map', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.base}/embed?commune=62548&view=list&radius_m=30000`);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  assert.equal(await page.$('#embed-map'), null);
  assert.ok((await page.locator('.sheet-list li').count()) > 0);
  const href = await page.getAttribute('link[type="application/json+oembed"]', 'href');
  const oembed = await (await fetch(href)).json();
  assert.equal(oembed.type, 'rich');
  assert.match(oembed.html, /<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\?commune=62548&amp;view=list&amp;radius_m=30000"/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the label badge shows an authority\'s current @ on another site and links to its page', async () => {
  // The sample's most labelled authority of the latest edition, and a commune never labelled.
  const palmares = await getJSON(server.base, '/api/authorities?limit=1');
  const laureate = palmares.authorities[0];
  const profile = await getJSON(server.base, `/api/authorities/${laureate.code}`);
  const latest = profile.awards[profile.awards.length - 1];
  site?.close();
  await serveSite(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title></head><body>
    <p>Notre label : <span id="b" data-atlaas-badge="${laureate.code}"></span></p>
    <p>Nos voisins : <span id="none" data-atlaas-badge="62193"></span></p>
    <script src="${server.base}/widget.js"></script>
  </body></html>`);
  const page = await newPage(browser);
  await page.goto(`${siteBase}/`);
  const frameElement = await page.waitForSelector('#b iframe');
  assert.equal(await frameElement.getAttribute('src'), `${server.base}/badge/${laureate.code}`);
  assert.equal(await frameElement.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox', 'no script runs in it');
  const frame = await frameElement.contentFrame();
  await frame.waitForSelector('a .level');
  assert.equal(await frame.getAttribute('.level', 'data-level'), '@'.repeat(latest.arobases));
  assert.equal(await frame.textContent('.name'), laureate.name);
  assert.match(await frame.textContent('.level small'), new RegExp(String(latest.year)));
  assert.equal(await frame.textContent('.mentions'), latest.mentions.map((m) => m.label).join(', '));
  assert.equal(await frame.getAttribute('a', 'href'), `/collectivites/${laureate.code}`);
  assert.equal(await frame.getAttribute('a', 'target'), '_blank');
  const box = await frameElement.boundingBox();
  assert.ok(box.width <= 280 && box.height <= 112, `a badge, not a page: ${JSON.stringify(box)}`);

  const quiet = await (await page.waitForSelector('#none iframe')).contentFrame();
  await quiet.waitForSelector('a .level');
  assert.equal(await quiet.textContent('.level small'), 'pas encore labellisée');
  // Any site may frame it; it sets no cookie.
  const res = await fetch(`${server.base}/badge/${laureate.code}`);
  assert.match(res.headers.get('content-security-policy'), /frame-ancestors \*/);
  assert.equal(res.headers.get('x-frame-options'), null);
  assert.equal(res.headers.get('set-cookie'), null);
  assert.equal((await fetch(`${server.base}/badge/99999`)).status, 404);
  assert.deepEqual(page.errors, []);
  await page.close();
});
