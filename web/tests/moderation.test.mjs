// The moderators' page in a real browser: a moderator signs in, sees a town's proposals beside
// their published versions, rejects one with a reason the town then reads, and publishes the
// other, which is then public at once (near the town; that tiles follow publications is tested
// on the server side).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, withServerAndBrowser } from './harness.mjs';

const ctx = withServerAndBrowser({ before, after }, { sampleCount: 50 });

const MODERATOR = 'moderation@atlaas.example';
const PASSWORD = 'une file bien tenue chaque matin';

async function call(method, path, token, body, headers = {}) {
  const res = await fetch(`${ctx.server.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Marck proposes a sheet with its API token; its id. */
async function propose(token, title) {
  const made = await call('POST', '/api/initiatives', token,
    { title, services: ['1.a.1.1'], places: [{ postal_code: '62730', commune: 'Marck' }] });
  assert.equal(made.status, 201);
  return made.body.id;
}

test('a moderator rejects one proposal with a reason and publishes another', async () => {
  const marck = ctx.server.atlaas('token', 'create', '--role', 'contributor', '--authority', '62548', '--label', 'site de Marck');
  const rejected = await propose(marck, 'Borne wifi sans nom');
  const published = await propose(marck, 'Conseil municipal en vidéo');
  const link = ctx.server.atlaas('account', 'create', '--email', MODERATOR, '--role', 'moderator', '--public-url', ctx.server.base);
  const set = await fetch(`${ctx.server.base}/api/account/password`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link: link.split('#')[1], password: PASSWORD }),
  });
  assert.equal(set.status, 200);

  const page = await newPage(ctx.browser);
  await page.goto(`${ctx.server.base}/moderation`);
  await page.waitForSelector('body[data-ready]');
  await page.fill('#email', MODERATOR);
  await page.fill('#password', PASSWORD);
  await page.press('#password', 'Enter');
  await page.waitForSelector('#queue:not([hidden]) #proposals li');
  assert.match(await page.textContent('#queue-count'), /2 propositions en attente/);
  // Oldest first; a new sheet has no published version, and every field it gives is marked.
  const first = page.locator('#proposals > li').first();
  assert.equal(await first.getAttribute('data-id'), String(rejected));
  assert.match(await first.textContent(), /Marck \(62548\) · nouvelle fiche/);
  assert.equal(await first.locator('tr.changed th', { hasText: 'Titre' }).count(), 1);
  assert.match(await first.locator('tr', { hasText: 'Services' }).textContent(), /1\.a\.1\.1 \S/, 'services with their labels');
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scrolling at 360 px');
  await page.setViewportSize({ width: 1400, height: 900 });

  // A rejection needs its reason, which the contributor then reads.
  await first.locator('button', { hasText: 'Refuser' }).click();
  await page.waitForSelector(`#reason-${rejected}-error:not([hidden])`);
  assert.equal(await page.getAttribute(`#reason-${rejected}`, 'aria-invalid'), 'true');
  await page.fill(`#reason-${rejected}`, 'Précisez le lieu de la borne.');
  await first.locator('button', { hasText: 'Refuser' }).click();
  await page.waitForSelector(`#proposals li[data-id="${rejected}"]`, { state: 'detached' });
  assert.match(await page.textContent('#status'), /est refusée/);
  const revision = await call('GET', `/api/initiatives/${rejected}/revision`, marck);
  assert.equal(revision.body.review.state, 'rejected');
  assert.equal(revision.body.review.reason, 'Précisez le lieu de la borne.');

  // Its places on a map, when asked for.
  const item = page.locator(`#proposals li[data-id="${published}"]`);
  await item.locator('summary', { hasText: 'Voir les lieux' }).click();
  await page.waitForFunction((id) => {
    const map = document.querySelector(`#proposals li[data-id="${id}"] .editor-map`).map;
    return map && map.loaded();
  }, published);
  assert.equal(await item.locator('.maplibregl-marker[aria-label="lieu proposé"]').count(), 1);

  await page.locator(`#proposals li[data-id="${published}"] button.publish`).click();
  await page.waitForSelector(`#proposals li[data-id="${published}"]`, { state: 'detached' });
  assert.match(await page.textContent('#queue-count'), /Aucune proposition/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'queue-title', 'the focus stays in the queue');

  // Public at once near Marck; the rejected one is not.
  const nearby = await (await fetch(`${ctx.server.base}/api/nearby?commune=62548&limit=100`)).json();
  assert.ok(nearby.features.some((f) => f.properties.id === published));
  assert.ok(!nearby.features.some((f) => f.properties.id === rejected));
  assert.deepEqual(page.errors, []);
  await page.close();
});
