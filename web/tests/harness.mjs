// What the browser tests share: an Atlaas server on a free loopback port with a fresh SQLite
// store of sample sheets, and a headless Debian Chromium driven by playwright-core.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = process.env.ATLAAS_BIN || join(ROOT, 'target', 'debug', 'atlaas');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Starts `atlaas serve` (with `extraArgs` after ours) and resolves with its base URL once it listens. */
export async function startServer({ sampleCount = 800, extraArgs = [] } = {}) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build it first (cargo build)`);
  const dir = mkdtempSync(join(tmpdir(), 'atlaas-web-'));
  const databaseUrl = `sqlite://${join(dir, 'atlaas.db')}`;
  const child = spawn(BIN, ['serve', '--bind', '127.0.0.1:0', '--database-url', databaseUrl,
    '--sample-count', String(sampleCount), '--sample-seed', '7', ...extraArgs], { env: { ...process.env, NO_COLOR: '1', RUST_LOG: 'info' } });
  let log = '';
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not start in 60 s:\n${log}`)), 60_000);
    const read = (chunk) => {
      log += chunk;
      // The log may be coloured: strip escape sequences before reading the address.
      const m = log.replace(/\x1b\[[0-9;]*m/g, '').match(/listening on (http:\/\/[\d.:]+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`the server exited (${code}):\n${log}`)); });
  });
  return {
    base,
    databaseUrl,
    /** Runs another `atlaas` command on this server's store; its standard output. */
    atlaas(...args) {
      const out = spawnSync(BIN, args, { env: { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: 'warn' }, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`atlaas ${args.join(' ')}: ${out.stderr}`);
      return out.stdout.trim();
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => { if (child.exitCode !== null) ok(); else child.on('exit', ok); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/test installs Debian's chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A page that records console errors and uncaught exceptions; in a new browser context (no
 * cache, no cookies) unless one is given.
 */
export async function newPage(browser, options = {}, context = null) {
  const page = context ? await context.newPage() : await browser.newPage({ viewport: { width: 1400, height: 900 }, ...options });
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => page.errors.push(`exception: ${e.message}`));
  return page;
}

/** Waits until the map page is set up, every visible tile is drawn and the list (if any) is loaded. */
export async function mapIdle(page) {
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  await page.waitForFunction(() => {
    const m = window.atlaasMap;
    const list = document.getElementById('list');
    return m && m.loaded() && m.areTilesLoaded() && !m.isMoving() && !(list && list.hasAttribute('aria-busy'));
  }, null, { timeout: 60_000, polling: 100 });
}

export async function getJSON(base, path) {
  const res = await fetch(`${base}${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

/**
 * Starts a server and a browser before the file's tests and stops them after; the returned
 * object holds them (`ctx.server`, `ctx.browser`) once the tests run.
 */
export function withServerAndBrowser(hooks, options = {}) {
  const ctx = {};
  hooks.before(async () => {
    ctx.server = await startServer(options);
    ctx.browser = await launchBrowser();
  });
  hooks.after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}
