// The API's OpenAPI document and its page: /openapi.json is a valid OpenAPI 3.1 document
// (checked against the specification's own JSON Schema), and /api/docs draws every operation
// with Swagger UI served by us, without an error and without another host.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
