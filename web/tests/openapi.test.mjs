// The API's OpenAPI document and its page: /openapi.json is a valid OpenAPI 3.1 document
// (checked against the specification's own JSON Schema), real answers match the schemas it
// gives them, and /api/docs draws every operation with Swagger UI served by us, without an
// error and without another host.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import { launchBrowser, newPage, startServer } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer({ sampleCount: 200 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function document() {
  const res = await fetch(`${server.base}/openapi.json`);
  assert.equal(res.status, 200);
  return res.json();
}

function operationCount(doc) {
  return Object.values(doc.paths).reduce((n, item) => n + ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).length, 0);
}

test('the OpenAPI document is valid OpenAPI 3.1', async () => {
  const doc = await document();
  assert.equal(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc);
  assert.deepEqual(result.errors ?? [], [], 'validation errors');
  assert.equal(result.valid, true);
  // The validator's own check that it can fail: a document without its info is refused.
  const broken = structuredClone(doc);
  delete broken.info;
  assert.equal((await new Validator().validate(broken)).valid, false);
});

test('the documentation page draws every operation, from our server only', async () => {
  const doc = await document();
  const page = await newPage(browser);
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(server.base) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  await page.goto(`${server.base}/api/docs`);
  await page.waitForSelector('.opblock', { timeout: 30_000 });
  const drawn = await page.locator('.opblock').count();
  assert.equal(drawn, operationCount(doc));
  assert.ok(await page.getByText('/api/initiatives/{id}/related').first().isVisible());
  assert.deepEqual(foreign, []);
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** JSON pointer escaping of one path segment. */
const pointer = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Validates answers against the schema the document gives their operation and status. */
function checker(doc) {
  // The document as one schema, so that its `#/components/...` references resolve.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // OpenAPI's numeric formats say how wide a number is, which JSON Schema does not check.
  for (const format of ['int32', 'int64', 'float', 'double']) ajv.addFormat(format, true);
  ajv.addSchema({ ...doc, $id: 'urn:atlaas:openapi' });
  const typed = new Set();
  const called = new Set();
  const schemaOf = (method, path, status, type) =>
    ajv.getSchema(`urn:atlaas:openapi#/paths/${pointer(path)}/${method}/responses/${status}/content/${pointer(type)}/schema`);
  /** Calls `url` as the operation `method path`, checks the status and the body; returns the body. */
  async function check(method, path, url, { status = 200, token, body, type: sent = 'application/json' } = {}) {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = sent;
    const res = await fetch(`${server.base}${url}`, { method: method.toUpperCase(), headers, body });
    assert.equal(res.status, status, `${method} ${url}`);
    const [type] = res.headers.get('content-type').split(';');
    const content = doc.paths[path][method].responses[String(status)].content;
    assert.ok(content[type], `${url}: ${type} is not a documented type of ${method} ${path} ${status} (${Object.keys(content)})`);
    const validate = schemaOf(method, path, status, type);
    const answer = await res.json();
    assert.ok(validate(answer), `${method} ${url}: ${ajv.errorsText(validate.errors)}`);
    called.add(`${method} ${path}`);
    if (Object.keys(content[type].schema).length > 0) typed.add(`${method} ${path}`);
    return answer;
  }
  return { check, schemaOf, typed, called };
}

test('real answers match the schemas the document gives them', async () => {
  const doc = await document();
  const { check, schemaOf, typed, called } = checker(doc);
  const sheet = (await (await fetch(`${server.base}/api/initiatives?limit=1`)).json()).features[0].id;
  const token = server.atlaas('token', 'create', '--role', 'contributor', '--authority', '62548', '--label', 'openapi');
  // An operation, and a request that answers it with 200.
  const reads = [
    ['/api/initiatives', '/api/initiatives?limit=5&theme=1'],
    ['/api/initiatives', '/api/initiatives?q=numerique&limit=3'],
    ['/api/nearby', '/api/nearby?commune=62041&limit=5'],
    ['/api/initiatives/{id}', `/api/initiatives/${sheet}`],
    ['/api/initiatives/{id}/related', `/api/initiatives/${sheet}/related`],
    ['/api/communes', '/api/communes?q=arras'],
    ['/api/communes/{insee}', '/api/communes/75056?geometry=true'],
    ['/api/communes/{insee}', '/api/communes/14712'],
    ['/api/reverse', '/api/reverse?lon=4.84&lat=45.76'],
    ['/api/communes/{insee}/peers', '/api/communes/62041/peers?limit=5'],
    ['/api/authorities/{code}/mosaic', '/api/authorities/62041/mosaic'],
    ['/api/referential', '/api/referential'],
    ['/api/authorities', '/api/authorities?limit=20&sort=-sheets'],
    ['/api/authorities/{code}', '/api/authorities/62041'],
    ['/api/stats', '/api/stats?by=year&theme=1'],
    ['/fonts', '/fonts'],
    ['/api/me', '/api/me'],
    ['/api/session', '/api/session'],
    ['/health', '/health'],
    ['/health/live', '/health/live'],
    ['/oembed', `/oembed?url=${encodeURIComponent(`${server.base}/embed?commune=62041`)}`],
  ];
  for (const [path, url] of reads) await check('get', path, url, { token });
  const exported = await check('get', '/api/initiatives.geojson', '/api/initiatives.geojson', { token });
  assert.ok(exported.features.length >= 200, 'every sample sheet is exported');

  // The write path, from a new sheet to a moderator's answer.
  const sheetBody = JSON.stringify({
    title: 'Tiers-lieu numérique',
    services: ['1.a.1.1'],
    places: [{ label: 'Mairie', commune: 'Marck', postal_code: '62730' }, { lon: 1.95, lat: 50.95 }],
  });
  const made = await check('post', '/api/initiatives', '/api/initiatives', { status: 201, token, body: sheetBody });
  assert.equal(made.places.length, 2, 'the answer tells where each place landed');
  const id = made.id;
  await check('get', '/api/initiatives/{id}/revision', `/api/initiatives/${id}/revision`, { token });
  await check('get', '/api/authorities/{code}/initiatives', '/api/authorities/62548/initiatives', { token });
  const moderator = server.atlaas('token', 'create', '--role', 'moderator', '--label', 'openapi-moderation');
  const queue = await check('get', '/api/moderation', '/api/moderation', { token: moderator });
  assert.ok(queue.proposals.some((p) => p.id === id), 'the proposal waits for a moderator');
  await check('post', '/api/initiatives/{id}/reject', `/api/initiatives/${id}/reject`, { token: moderator, body: JSON.stringify({ reason: 'Précisez le lieu.' }) });
  const history = await check('get', '/api/initiatives/{id}/history', `/api/initiatives/${id}/history`, { token });
  assert.ok(history.entries.every((e) => e.actor && e.channel), 'its authority sees who made each change');

  // An import, checked without writing.
  const csv = 'id;titre;code_postal;commune;services\nfete;Fête du numérique;62730;Marck;1.a.1.1\n';
  const job = await check('post', '/api/import', '/api/import?dry_run=true', { token, body: csv, type: 'text/csv' });
  await check('get', '/api/imports/{id}', `/api/imports/${job.id}`, { token });

  // The schemas can fail: an empty object is not a listing, nor a sheet as its authority sees it.
  assert.equal(schemaOf('get', '/api/initiatives', 200, 'application/geo+json')({}), false);
  assert.equal(schemaOf('post', '/api/initiatives', 201, 'application/json')({}), false);
  // Every answer checked here has a schema of its own, not just "any JSON".
  assert.deepEqual([...typed].sort(), [...called].sort());
});
