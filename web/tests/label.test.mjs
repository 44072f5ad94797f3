// The label's pages in Chromium, on hand-made data loaded as an operator would (the palmarès
// with `atlaas authority awards`, sheets with `atlaas import`): the palmarès table sorts and
// filters, its map draws one point per authority shown, its CSV is what the table shows; an
// authority's page draws its @ since it joined and its mosaic, where a covered challenge's tile
// differs from an uncovered one.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, newPage, startServer } from './harness.mjs';

let server;
let browser;

const AWARDS = `code_insee;annee;arobases;mentions
72003;2013;2;
72003;2014;3;democratie
72003;2017;4;
62548;2017;2;
71230;2017;4;risques
73008;2017;5;
dep-62;2017;3;
`;

const SHEETS = `id;titre;services;année;code_insee;commune
allonnes-budget;Budget participatif d'Allonnes;1.b.2.1;2017;72003;Allonnes
allonnes-portail;Portail citoyen;1.a.1.1;2017;72003;Allonnes
marck-wifi;Wifi public;4.c.1.2;2017;62548;Marck
gueugnon-alerte;Alerte SMS;1.a.1.1;2017;71230;Gueugnon
aix-portail;Démarches en ligne;1.a.1.1;2017;73008;Aix-les-Bains
`;

before(async () => {
  server = await startServer({ sampleCount: 0, extraArgs: ['--no-sample'] });
  const dir = mkdtempSync(join(tmpdir(), 'atlaas-label-'));
  writeFileSync(join(dir, 'palmares.csv'), AWARDS);
  writeFileSync(join(dir, 'fiches.csv'), SHEETS);
  server.atlaas('import', join(dir, 'fiches.csv'));
  server.atlaas('authority', 'awards', join(dir, 'palmares.csv'));
  // The running server follows the store: wait until it has the palmarès.
  for (let i = 0; i < 100; i += 1) {
    const page = await (await fetch(`${server.base}/api/authorities`)).json();
    if (page.count === 5) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const rows = (page) => page.$$eval('#laureates tbody tr', (trs) => trs.map((tr) => tr.dataset.code));

test('the palmarès table sorts, filters, draws its map and downloads what it shows', async () => {
  const page = await newPage(browser, { acceptDownloads: true });
  await page.goto(`${server.base}/palmares`);
  await page.waitForSelector('#laureates tbody tr');
  assert.equal(await page.textContent('#edition-title'), 'Palmarès 2017');
  assert.deepEqual(await rows(page), ['73008', '72003', '71230', 'dep-62', '62548'], 'most @ first, then by name');
  assert.match(await page.textContent('#count'), /^5 collectivités labellisées en 2017\./);
  assert.equal(await page.getAttribute('tr[data-code="72003"] td[data-arobases]', 'data-arobases'), '4');
  assert.match(await page.getAttribute('tr[data-code="72003"] .progress', 'title'), /3 @ en 2014/);

  // Sorting by name, then the other way.
  await page.click('th[data-sort="name"] button');
  assert.deepEqual(await rows(page), ['73008', '72003', 'dep-62', '71230', '62548']);
  assert.equal(await page.getAttribute('th[data-sort="name"]', 'aria-sort'), 'ascending');
  await page.click('th[data-sort="name"] button');
  assert.deepEqual(await rows(page), ['62548', '71230', 'dep-62', '72003', '73008']);

  // Filtering by département, then by @ and mention; the address keeps the view.
  await page.fill('#f-departement', '62');
  assert.deepEqual((await rows(page)).sort(), ['62548', 'dep-62']);
  assert.match(page.url(), /departement=62/);
  await page.fill('#f-departement', '');
  await page.selectOption('#f-arobases', '4');
  assert.deepEqual((await rows(page)).sort(), ['71230', '72003']);
  await page.selectOption('#f-mention', 'risques');
  assert.deepEqual(await rows(page), ['71230']);
  assert.match(await page.textContent('#count'), /^1 collectivités sur 5/);

  // The map shows the authorities of the table, coloured by @.
  await page.waitForFunction(() => window.atlaasMap?.getSource('laureates') && window.atlaasMap.loaded());
  const drawn = await page.evaluate(() => window.atlaasMap.getSource('laureates').serialize().data.features.map((f) => f.properties.code));
  assert.deepEqual(drawn, ['71230']);

  // The CSV is the table: a French spreadsheet's flavour.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), 'palmares-2017.csv');
  const csv = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  assert.ok(csv.startsWith('\uFEFFcode;collectivite;'), csv);
  const lines = csv.trim().split('\r\n');
  assert.equal(lines.length, 2, csv);
  assert.match(lines[1], /^71230;Gueugnon;commune;71;Bourgogne-Franche-Comté;\d+;2017;4;;risques;1$/);

  // A shared address opens the same view.
  const again = await newPage(browser);
  await again.goto(page.url());
  await again.waitForSelector('#laureates tbody tr');
  assert.deepEqual(await rows(again), ['71230']);
  assert.deepEqual([...page.errors, ...again.errors], []);
  await page.close();
  await again.close();
});

test('an edition without laureates says so, and another edition is one choice away', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.base}/palmares/2015`);
  await page.waitForFunction(() => document.getElementById('status').textContent.length > 0);
  assert.equal(await page.textContent('#status'), 'Aucune collectivité n’a été labellisée en 2015.');
  assert.deepEqual(await rows(page), []);
  await Promise.all([page.waitForURL(/\/palmares\/2014$/), page.selectOption('#f-year', '2014')]);
  await page.waitForSelector('#laureates tbody tr');
  assert.deepEqual(await rows(page), ['72003']);
  assert.match(await page.textContent('tr[data-code="72003"]'), /Démocratie/);
  const missing = await fetch(`${server.base}/palmares/20x7`);
  assert.equal(missing.status, 404);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an authority page draws its @ since it joined and its mosaic of challenges', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.base}/collectivites/72003`);
  await page.waitForSelector('#mosaic .tile');
  assert.equal(await page.textContent('#name'), 'Allonnes');
  assert.match(await page.textContent('#current'), /en 2017, labellisée depuis 2013/);
  // One bar per edition with an award; 2015 and 2016 stay empty.
  const bars = await page.$$eval('.history-chart rect.bar', (rs) => rs.map((r) => [r.dataset.year, Number(r.getAttribute('height'))]));
  assert.deepEqual(bars.map(([y]) => y), ['2013', '2014', '2017']);
  assert.ok(bars[0][1] < bars[1][1] && bars[1][1] < bars[2][1], `taller with more @: ${bars}`);
  assert.equal(await page.textContent('.history-chart desc'), '2013 : 2 @, 2014 : 3 @, 2017 : 4 @');
  assert.match(await page.textContent('#awards'), /2014 : @@@ — mention Démocratie/);
  assert.match(await page.textContent('#sheets'), /2 fiches publiées/);

  // 1.b (budget participatif) and 1.a (portail) are covered; 4.c is not.
  const tile = (code) => page.locator(`#mosaic .tile[data-code="${code}"]`);
  assert.equal(await page.locator('#mosaic .tile').count(), 16, 'the 16 challenges of the referential');
  assert.notEqual(await tile('1.b').getAttribute('data-coverage'), '0');
  assert.equal(await tile('4.c').getAttribute('data-coverage'), '0');
  const colour = (code) => tile(code).evaluate((n) => getComputedStyle(n).backgroundColor);
  assert.notEqual(await colour('1.b'), await colour('4.c'), 'a covered challenge looks different');
  assert.match(await tile('1.b').getAttribute('aria-label'), /1 service sur \d+, 1 fiche/);

  assert.match(await page.textContent('#share code'), /<span data-atlaas-badge="72003"><\/span>\n<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js"><\/script>/);
  // Its comparable communes link to their pages.
  await page.click('#peers a:has-text("Marck")');
  await page.waitForURL(/\/collectivites\/62548$/);
  await page.waitForSelector('#mosaic .tile');
  assert.equal(await page.textContent('#name'), 'Marck');
  assert.deepEqual(page.errors, []);
  const unknown = await fetch(`${server.base}/collectivites/99999`);
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /Aucune collectivité n’a le code « 99999 »/);
  await page.close();
});

test('the statistics page charts sheets by theme and year, authorities by size and région, and ranks services', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.base}/statistiques`);
  await page.waitForSelector('#most li');
  assert.equal(await page.textContent('#total'), '5 fiches publiées, de 4 collectivités.');
  // 2017: five sheets, stacked by theme: four under theme 1, one under theme 4.
  const parts = await page.$$eval('#by-year rect[data-label="2017"]', (rs) => rs.map((r) => Number(r.dataset.part)));
  assert.deepEqual(parts, [0, 3], 'themes 1 and 4 have sheets in 2017');
  // The figures under each chart say the same in a table.
  const sizes = await page.$$eval('#by-size table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.replace(/\u00a0/g, ' ')).join('|')));
  assert.deepEqual(sizes, ['2 000 – 9 999 hab.|0|0|0|1|0', '10 000 – 49 999 hab.|0|1|0|1|1']);
  const regions = await page.$$eval('#by-region table tbody th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(regions, ['Bourgogne-Franche-Comté', 'Hauts-de-France', 'Pays de la Loire', 'Auvergne-Rhône-Alpes']);
  assert.equal(await page.getAttribute('#most li:first-child', 'data-code'), '1.a.1.1');
  assert.match(await page.textContent('#most li:first-child'), /: 3 fiches$/);
  assert.match(await page.textContent('#least li:first-child'), /: 0 fiche$/, 'services nobody covers come first');
  // Counting only the sheets of one year.
  await page.selectOption('#f-year', '2017');
  await page.waitForFunction(() => document.getElementById('total').textContent.startsWith('5 fiches'));
  assert.deepEqual(page.errors, []);
  await page.close();
});
