// The contributor's space in a real browser: a town agent opens the one-time link an
// administrator printed, chooses a password, signs in, sees the town's sheets by state, and
// signs out (which ends the session on the server, not only in the browser).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, withServerAndBrowser } from './harness.mjs';

const ctx = withServerAndBrowser({ before, after }, { sampleCount: 50 });

const EMAIL = 'numerique@mairie-marck.fr';
const PASSWORD = 'le phare de Walde à marée basse';

/** A proposal of Marck's, written by the town's website with an API token. */
async function proposeSheet(title) {
  const token = ctx.server.atlaas('token', 'create', '--role', 'contributor', '--authority', '62548', '--label', 'site de Marck');
  const res = await fetch(`${ctx.server.base}/api/initiatives`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, services: ['1.a.1.1'], places: [{ postal_code: '62730', commune: 'Marck' }] }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).id;
}

test('a town agent sets a password with the one-time link, signs in, sees its sheets and signs out', async () => {
  const id = await proposeSheet('Conseil municipal en vidéo');
  const link = ctx.server.atlaas('account', 'create', '--email', EMAIL, '--role', 'contributor', '--authority', '62548',
    '--public-url', ctx.server.base);
  assert.match(link, /\/contribuer#atlk_[\w-]{43}$/);

  const page = await newPage(ctx.browser, { viewport: { width: 360, height: 740 } });
  await page.goto(link);
  await page.waitForSelector('body[data-ready]');
  await assert.doesNotReject(page.waitForSelector('#password-set:not([hidden])'));

  // A mistake is shown next to its field and tied to it.
  await page.fill('#new-password', PASSWORD);
  await page.fill('#confirm-password', 'autre chose encore');
  await page.press('#confirm-password', 'Enter');
  await page.waitForSelector('#confirm-password-error:not([hidden])');
  assert.equal(await page.getAttribute('#confirm-password', 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute('#confirm-password-error', 'role'), 'alert');

  await page.fill('#confirm-password', PASSWORD);
  await page.click('#password-form button[type=submit]');
  await page.waitForSelector('#sign-in:not([hidden])');
  assert.equal(new URL(page.url()).hash, '', 'the spent link leaves the address bar');
  assert.equal(await page.inputValue('#email'), EMAIL);
  assert.match(await page.textContent('#status'), /mot de passe est enregistré/);

  // A wrong password, then the right one.
  await page.fill('#password', 'pas le bon mot de passe');
  await page.press('#password', 'Enter');
  await page.waitForSelector('#sign-in-error:not([hidden])');
  assert.match(await page.textContent('#sign-in-error'), /incorrect/);
  await page.fill('#password', PASSWORD);
  await page.press('#password', 'Enter');
  await page.waitForSelector('#sheets:not([hidden]) #state-proposed');
  assert.match(await page.textContent('#who'), /numerique@mairie-marck\.fr \(contributeur, Marck\)/);
  assert.match(await page.textContent('#state-proposed'), /En attente de modération \(1\)/);
  const item = await page.textContent(`li[data-id="${id}"]`);
  assert.match(item, /Conseil municipal en vidéo/);
  assert.match(item, /par le jeton d’API n° \d+/);
  const cookies = await page.context().cookies();
  const cookie = cookies.find((c) => c.name === 'atlaas_session');
  assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookies));
  assert.equal(await page.evaluate(() => document.cookie), '', 'pages cannot read the session cookie');

  // Still signed in after a reload; fits a 360 px screen.
  await page.reload();
  await page.waitForSelector(`#sheets:not([hidden]) li[data-id="${id}"]`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scrolling at 360 px');

  // Signing out ends the session on the server: the old cookie, replayed, is refused.
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in:not([hidden])');
  const replayed = await fetch(`${ctx.server.base}/api/me`, { headers: { cookie: `atlaas_session=${cookie.value}` } });
  assert.equal(replayed.status, 401);
  // The one console line is the browser noting the refused wrong password (a 401 on purpose).
  assert.equal(page.errors.length, 1, page.errors.join('\n'));
  assert.match(page.errors[0], /status of 401 .*\/api\/session/);
  await page.close();
});

test('without a session the space asks to sign in, and the keyboard reaches every field in order', async () => {
  const page = await newPage(ctx.browser);
  await page.goto(`${ctx.server.base}/contribuer`);
  await page.waitForSelector('body[data-ready]');
  assert.ok(await page.isVisible('#sign-in'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'email', 'the first field has the focus');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Se connecter');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#sign-in-error:not([hidden])');
  assert.match(await page.textContent('#sign-in-error'), /Indiquez votre adresse/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
