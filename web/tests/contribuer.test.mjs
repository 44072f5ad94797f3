// The contributor's space in a real browser: a town agent opens the one-time link an
// administrator printed, chooses a password, signs in, sees the town's sheets by state, and
// signs out (which ends the session on the server, not only in the browser); writes a sheet
// that, once published, is drawn on the national map; reads a history, archives, imports a file.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mapIdle, newPage, withServerAndBrowser } from './harness.mjs';

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

/** A contributor with an account (its password set over the API), signed in on a new page at
 *  `path`; of Marck unless another authority is given. */
async function signedInPage(email, { authority = '62548', path = '/contribuer' } = {}) {
  const link = ctx.server.atlaas('account', 'create', '--email', email, '--role', 'contributor', '--authority', authority);
  const set = await fetch(`${ctx.server.base}/api/account/password`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link: link.split('#')[1], password: PASSWORD }),
  });
  assert.equal(set.status, 200);
  const page = await newPage(ctx.browser);
  await page.goto(`${ctx.server.base}${path}`);
  await page.waitForSelector('body[data-ready]');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.press('#password', 'Enter');
  await page.waitForSelector('#sheets:not([hidden]) #sheet-groups section');
  return page;
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

test('a contributor writes a sheet, finds its place by "62730 Marck", drags the marker and proposes it', async () => {
  const page = await signedInPage('redaction@mairie-marck.fr');
  await page.waitForSelector('#sheets:not([hidden]) #new-sheet:not([hidden])');
  await page.click('#new-sheet');
  await page.waitForSelector('#editor:not([hidden])');

  // Saved without a title or a service: each error beside its field, nothing written.
  await page.click('#e-save');
  await page.waitForSelector('#e-title-error:not([hidden])');
  assert.equal(await page.getAttribute('#e-title', 'aria-invalid'), 'true');
  assert.equal(await page.textContent('#e-title-error'), 'Ce champ est vide.', 'the API\'s reason, in French');
  assert.match(await page.textContent('#e-services-error'), /^Choisissez de 1 à \d+ services ; le premier est le principal\.$/);

  await page.fill('#e-title', 'Médiathèque connectée');
  await page.fill('#e-summary', 'Des liseuses et des ateliers.');
  await page.fill('#e-service-search', 'budget participatif');
  await page.locator('#e-service-results button').first().click();
  assert.match(await page.textContent('#e-services-chosen'), /\(principal\)/);
  await page.fill('#e-place-0-postal_code', '62730');
  await page.fill('#e-place-0-commune', 'Marck');
  await page.click('#e-save');
  await page.waitForFunction(() => /brouillon/.test(document.getElementById('editor-state').textContent));
  assert.match(await page.textContent('#e-place-list'), /Placé à la mairie de la commune, Marck \(par code postal et nom\)/);

  // The marker, dragged 60 px east, gives the place its coordinates.
  await page.waitForFunction(() => window.atlaasEditorMap && window.atlaasEditorMap.loaded());
  const marker = await page.locator('.maplibregl-marker').boundingBox();
  const [x, y] = [marker.x + marker.width / 2, marker.y + marker.height - 4];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 30, y, { steps: 5 });
  await page.mouse.move(x + 60, y, { steps: 5 });
  await page.mouse.up();
  await page.waitForSelector('#e-place-list :text("Position donnée sur la carte.")');
  await page.click('#e-submit');
  await page.waitForFunction(() => /proposée/.test(document.getElementById('editor-state').textContent));
  assert.match(await page.textContent('#e-place-list'), /par coordonnées données/);

  // Back in the list, the proposal waits for the moderators.
  await page.click('#e-close');
  await page.waitForSelector('#sheets:not([hidden]) #state-proposed');
  const item = page.locator('#state-proposed + ul li', { hasText: 'Médiathèque connectée' });
  assert.equal(await item.count(), 1);
  const id = await item.getAttribute('data-id');

  // A moderator publishes it; it is then near Marck, east of the town hall where it was dragged.
  const moderator = ctx.server.atlaas('token', 'create', '--role', 'moderator', '--label', 'modération');
  const published = await fetch(`${ctx.server.base}/api/initiatives/${id}/publish`, { method: 'POST', headers: { authorization: `Bearer ${moderator}` } });
  assert.equal(published.status, 200);
  const nearby = await (await fetch(`${ctx.server.base}/api/nearby?commune=62548&limit=100`)).json();
  const found = nearby.features.find((f) => String(f.properties.id) === id);
  assert.ok(found, 'the published sheet is near Marck');
  assert.ok(found.geometry.coordinates[0] > 1.955739 + 0.0005, `dragged east: ${found.geometry.coordinates}`);
  // And drawn on the national map, in the tile at the dragged position.
  const [lon, lat] = found.geometry.coordinates;
  const map = await newPage(ctx.browser);
  await map.goto(`${ctx.server.base}/#carte=16/${lat}/${lon}`);
  await mapIdle(map);
  const drawn = await map.evaluate((sheet) => window.atlaasMap.queryRenderedFeatures({ layers: ['places'] })
    .some((f) => f.properties.id === sheet), Number(id));
  assert.ok(drawn, `sheet ${id} is drawn on the national map at zoom 16`);
  assert.deepEqual(map.errors, []);
  await map.close();
  // The one console line is the browser noting the refused empty sheet (a 422 on purpose).
  assert.equal(page.errors.length, 1, page.errors.join('\n'));
  assert.match(page.errors[0], /status of 422/);
  await page.close();
});

test('a contributor reads what changed between versions and archives a sheet', async () => {
  const { base } = ctx.server;
  const bearer = (token) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const moderator = ctx.server.atlaas('token', 'create', '--role', 'moderator', '--label', 'modération');
  const made = await fetch(`${base}/api/initiatives?authority=62548`, {
    method: 'POST', headers: bearer(moderator),
    body: JSON.stringify({ title: 'Portail famille', services: ['1.a.1.1'], places: [{ insee: '62548' }] }),
  });
  const { id } = await made.json();
  const edited = await fetch(`${base}/api/initiatives/${id}`, {
    method: 'PATCH', headers: { ...bearer(moderator), 'if-match': '"1"' }, body: JSON.stringify({ title: 'Portail des familles' }),
  });
  assert.equal(edited.status, 200);

  const page = await signedInPage('archives@mairie-marck.fr');
  await page.waitForSelector(`#sheets:not([hidden]) li[data-id="${id}"]`);

  await page.click(`li[data-id="${id}"] button:text("Historique")`);
  await page.waitForSelector('#history:not([hidden]) #history-entries li');
  const newest = page.locator('#history-entries > li').first();
  assert.match(await newest.textContent(), /Version 2 · modification/);
  assert.match(await newest.locator('tr', { hasText: 'Titre' }).textContent(), /Portail famille\s*Portail des familles/);
  assert.match(await newest.textContent(), /par le jeton d’API n° \d+ par l’API/);
  await page.click('#history-close');

  page.once('dialog', (d) => d.accept());
  await page.click(`li[data-id="${id}"] button:text("Archiver")`);
  await page.waitForSelector(`#state-archived + ul li[data-id="${id}"]`);
  assert.match(await page.textContent('#status'), /est archivée/);
  const nearby = await (await fetch(`${base}/api/nearby?commune=62548&limit=100`)).json();
  assert.ok(!nearby.features.some((f) => f.properties.id === id), 'an archived sheet leaves public reads');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a contributor checks a file, sees its errors by row, and imports the valid rows as proposals', async () => {
  const page = await signedInPage('fichiers@mairie-marck.fr');
  await page.waitForSelector('#sheets:not([hidden]) #open-bulk:not([hidden])');
  await page.click('#open-bulk');

  const csv = 'id;titre;code_postal;commune;services\n'
    + 'fete;Fête du numérique;62730;Marck;1.a.1.1\n'
    + 'atelier;Atelier tablettes;62730;Marck;1.a.1.1\n'
    + 'ailleurs;Fiche de Gueugnon;71130;Gueugnon;1.a.1.1\n'
    + 'faute;Atelier mal placé;62730;Saint-Martin;1.a.1.1\n';
  await page.setInputFiles('#b-file', { name: 'fiches.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('#b-check');
  await page.waitForSelector('#b-report table.errors');
  const errors = await page.$$eval('#b-report table.errors tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.equal(errors.length, 2, errors.join('\n'));
  const [gueugnon, misplaced] = [errors.find((e) => e.startsWith('4')), errors.find((e) => e.startsWith('5'))];
  assert.match(misplaced, /^5code_postal/, 'the error names the file line and column of the wrong commune');
  assert.match(misplaced, /Aucune commune nommée « Saint-Martin » n’a le code postal 62730\. \(peut-être : Marck \(62548\)/, 'in French, with the candidates');
  assert.match(gueugnon, /Cette fiche appartient à 71230 ; vous n’écrivez que pour 62548\./);
  assert.ok(await page.isDisabled('#b-import'), 'a refused file cannot be imported');

  await page.check('#b-skip');
  await page.click('#b-check');
  await page.waitForFunction(() => /À créer : 2/.test(document.getElementById('b-report').textContent));
  await page.click('#b-import');
  await page.waitForFunction(() => /Créées : 2/.test(document.getElementById('b-report').textContent));
  assert.match(await page.textContent('#b-report'), /iront à la modération/);
  await page.click('#bulk-close');
  await page.waitForSelector('#state-proposed + ul li:has-text("Atelier tablettes")');
  // The file's refused row is reported, not written: one console line, the first check's 422.
  assert.equal(page.errors.length, 1, page.errors.join('\n'));
  assert.match(page.errors[0], /status of 422/);
  await page.close();
});

test('a contributor previews a sheet as the public will read it, with the actions connexes it will have', async () => {
  const id = await proposeSheet('Démarches en ligne pour les Marckois');
  const page = await signedInPage('apercu@mairie-marck.fr');
  await page.locator(`#state-proposed + ul li[data-id="${id}"] button`, { hasText: 'Modifier' }).click();
  await page.waitForSelector('#editor:not([hidden])');
  await page.click('#e-preview');
  await page.waitForSelector('#preview:not([hidden]) #preview-sheet:not([aria-busy]) .related');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'preview-title');
  assert.equal(await page.textContent('#preview-sheet h2'), 'Démarches en ligne pour les Marckois');
  assert.doesNotMatch(await page.textContent('#preview-sheet'), /null|undefined/, 'no empty part written as text');
  const facts = await page.textContent('#preview-sheet dl');
  assert.match(facts, /Collectivité\s*Marck/);
  assert.match(facts, /1\.a\.1\.1 — \S/, 'the service with its label');
  assert.match(facts, /Marck \(précision : commune\)/);
  assert.ok(await page.isHidden('#preview-unsaved'));

  // The actions connexes are the API's, in its order, each saying why.
  const marck = ctx.server.atlaas('token', 'create', '--role', 'contributor', '--authority', '62548', '--label', 'aperçu');
  const api = await (await fetch(`${ctx.server.base}/api/initiatives/${id}/preview`, { headers: { authorization: `Bearer ${marck}` } })).json();
  assert.ok(api.related.features.length > 0, 'the sample has sheets of the same theme');
  const shown = await page.$$eval('#preview-sheet .related li a', (links) => links.map((a) => Number(a.dataset.id)));
  assert.deepEqual(shown, api.related.features.map((f) => f.properties.id));
  assert.equal(await page.locator('#preview-sheet .related li .reasons').count(), shown.length);

  // An unsaved change: the preview says it shows the saved version.
  await page.click('#preview-close');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'e-preview');
  await page.fill('#e-title', 'Démarches en ligne (nouveau titre)');
  await page.click('#e-preview');
  await page.waitForSelector('#preview-sheet:not([aria-busy]) h2');
  assert.ok(await page.isVisible('#preview-unsaved'));
  assert.equal(await page.textContent('#preview-sheet h2'), 'Démarches en ligne pour les Marckois');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a rejected proposal shows its reason to the contributor, in the list and in the editor', async () => {
  const id = await proposeSheet('Borne sans lieu');
  const moderator = ctx.server.atlaas('token', 'create', '--role', 'moderator', '--label', 'modération');
  const rejected = await fetch(`${ctx.server.base}/api/initiatives/${id}/reject`, {
    method: 'POST',
    headers: { authorization: `Bearer ${moderator}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'Indiquez où se trouve la borne.' }),
  });
  assert.equal(rejected.status, 200);
  const page = await signedInPage('refus@mairie-marck.fr');
  const item = page.locator(`#state-rejected + ul li[data-id="${id}"]`);
  assert.match(await item.textContent(), /Motif du refus : Indiquez où se trouve la borne\./);
  await item.locator('button', { hasText: 'Modifier' }).click();
  await page.waitForFunction(() => /motif du refus : Indiquez/.test(document.getElementById('editor-state').textContent));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a contributor of another authority can neither open the editor of a sheet nor change it', async () => {
  const id = await proposeSheet('Conseil municipal filmé');
  // Gueugnon's agent follows a link to Marck's sheet.
  const page = await signedInPage('mairie@gueugnon.fr', { authority: '71230', path: `/contribuer?fiche=${id}` });
  await page.waitForFunction(() => /n’existe pas ou n’appartient pas à votre collectivité/.test(document.getElementById('status').textContent));
  assert.ok(await page.isHidden('#editor'));
  assert.ok(await page.isVisible('#sheets'));
  assert.match(await page.textContent('#sheets-title'), /Gueugnon/);
  // Nor through the API, with the session the page holds (cookie and CSRF token).
  const answers = await page.evaluate(async (sheet) => {
    const csrf = (await (await fetch('/api/session')).json()).csrf_token;
    const headers = { 'content-type': 'application/json', 'x-csrf-token': csrf, 'if-match': '"1"' };
    const patch = await fetch(`/api/initiatives/${sheet}`, { method: 'PATCH', headers, body: JSON.stringify({ title: 'Pris' }) });
    const archive = await fetch(`/api/initiatives/${sheet}`, { method: 'DELETE', headers });
    const preview = await fetch(`/api/initiatives/${sheet}/preview`);
    return [patch.status, archive.status, preview.status];
  }, id);
  assert.deepEqual(answers, [404, 404, 404], 'a proposal of another authority does not exist for Gueugnon');
  const marck = ctx.server.atlaas('token', 'create', '--role', 'contributor', '--authority', '62548', '--label', 'contrôle');
  const revision = await (await fetch(`${ctx.server.base}/api/initiatives/${id}/revision`, { headers: { authorization: `Bearer ${marck}` } })).json();
  assert.equal(revision.content.title, 'Conseil municipal filmé');
  assert.equal(revision.state, 'proposed');
  // The browser notes each refused request: the editor's, then the three above.
  assert.equal(page.errors.length, 4, page.errors.join('\n'));
  assert.ok(page.errors.every((e) => /status of 404/.test(e)), page.errors.join('\n'));
  await page.close();
});

test('without a mouse, a place is corrected by its coordinates', async () => {
  const id = await proposeSheet('Borne de recharge');
  const page = await signedInPage('clavier@mairie-marck.fr');
  await page.locator(`#state-proposed + ul li[data-id="${id}"] button`, { hasText: 'Modifier' }).click();
  await page.waitForSelector('#editor:not([hidden]) #e-place-0-lat', { state: 'attached' });
  await page.locator('#e-place-list summary', { hasText: 'Corriger la position par ses coordonnées' }).press('Enter');
  await page.focus('#e-place-0-lat');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('50.96');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'e-place-0-lon', 'the focus goes on to the longitude');
  assert.match(await page.textContent('#status'), /Lieu 1 déplacé/);
  // Out of bounds: refused, said, the field marked.
  await page.keyboard.press('Control+A');
  await page.keyboard.type('200');
  await page.keyboard.press('Tab');
  assert.equal(await page.getAttribute('#e-place-0-lon', 'aria-invalid'), 'true');
  await page.focus('#e-place-0-lon');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('1.95');
  await page.keyboard.press('Tab');
  await page.click('#e-save');
  await page.waitForFunction(() => /par coordonnées données/.test(document.getElementById('e-place-list').textContent));
  const marck = ctx.server.atlaas('token', 'create', '--role', 'contributor', '--authority', '62548', '--label', 'clavier');
  const revision = await (await fetch(`${ctx.server.base}/api/initiatives/${id}/revision`, { headers: { authorization: `Bearer ${marck}` } })).json();
  assert.deepEqual(revision.content.places[0].coordinates, [1.95, 50.96]);
  assert.deepEqual(page.errors, []);
  await page.close();
});
