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

test('real answers match the schemas the document gives them', async () => {
  const doc = await document();
  const sheet = (await (await fetch(`${server.base}/api/initiatives?limit=1`)).json()).features[0].id;
  const token = server.atlaas('token', 'create', '--role', 'contributor', '--authority', '62548', '--label', 'openapi');
  // An operation, and a request that answers it with 200.
  const calls = [
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
    ['/fonts', '/fonts'],
    ['/api/me', '/api/me'],
    ['/api/session', '/api/session'],
    ['/health', '/health'],
    ['/health/live', '/health/live'],
  ];
  // The document as one schema, so that its `#/components/...` references resolve.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: 'urn:atlaas:openapi' });
  const typed = new Set();
  for (const [path, url] of calls) {
    const res = await fetch(`${server.base}${url}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, url);
    const [type] = res.headers.get('content-type').split(';');
    const content = doc.paths[path].get.responses['200'].content;
    assert.ok(content[type], `${url}: ${type} is not a documented type of ${path} (${Object.keys(content)})`);
    const at = `urn:atlaas:openapi#/paths/${pointer(path)}/get/responses/200/content/${pointer(type)}/schema`;
    const validate = ajv.getSchema(at);
    const body = await res.json();
    assert.ok(validate(body), `${url}: ${ajv.errorsText(validate.errors)}`);
    if (Object.keys(content[type].schema).length > 0) typed.add(path);
  }
  // The schemas can fail: an empty object is not a listing.
  const listing = ajv.getSchema(`urn:atlaas:openapi#/paths/${pointer('/api/initiatives')}/get/responses/200/content/${pointer('application/geo+json')}/schema`);
  assert.equal(listing({}), false);
  // Every answer listed here has a schema of its own, not just "any JSON".
  assert.deepEqual([...typed].sort(), [...new Set(calls.map(([p]) => p))].sort());
});
