// Shared by the end-to-end suites: a static server for dist/, headless Chromium (WebGPU on
// SwiftShader), pages that record every console problem, and small readers.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { root, dist, serveDist } from './server.mjs';

export { root, dist };
export const shots = path.join(root, 'target', 'e2e-screenshots');
export const LAN_HOST = 'lectern.lan';
const chromiumPath = process.env.CHROMIUM ?? '/usr/lib/chromium/chromium';
// WebGPU on the CPU (SwiftShader), canvases visible in screenshots, no network chatter.
// WebGPU on SwiftShader: a software GPU, run by the GPU process on the CPU (it also rasters the
// page's canvases there, on the cores that train).
const webgpuArgs = ['--enable-unsafe-webgpu', '--use-angle=swiftshader', '--use-webgpu-adapter=opengles'];
const chromiumArgs = [
  '--no-sandbox', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // A second name for the server that is not localhost, as a school's LAN address is: on plain
  // http the page is not a secure context there (no service worker, no WebGPU).
  `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
];
// Probing WebGPU on a software adapter takes seconds; give it room.
export const BACKEND_TIMEOUT_MS = 90_000;

let server;
let baseUrl;
let browser;

/**
 * What the server serves: the built site in `dist` (a test may point it at another build); every
 * path asked for, in `hits`; with `down`, it drops every connection unanswered (no network).
 */
export const site = { dist, hits: [], down: false };

/**
 * Registers the suite's server and browser (call once per test file). `prefix`: the path the
 * site is served under (a school's server may put it at /course/lectern/). `webgpu: false`
 * starts Chromium as on a laptop without a GPU it can use: no WebGPU adapter, the page rastered
 * in software (a real GPU would raster it off the CPU; SwiftShader rasters it on the CPU).
 */
export function setup({ prefix = '/', webgpu = true } = {}) {
  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    server = await serveDist({ prefix, state: site });
    baseUrl = server.baseUrl;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: webgpu ? [...webgpuArgs, ...chromiumArgs] : chromiumArgs,
      headless: true,
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** The built `lectern` CLI (the Makefile passes LECTERN_BIN). */
export const lecternBin = process.env.LECTERN_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'lectern');

/** Runs the CLI with `args`; returns its stdout (throws with its stderr on failure). */
export function lectern(args) {
  return execFileSync(lecternBin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh temporary folder. */
export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-e2e-'));
}

/**
 * Serves `dir` with `lectern serve` under the sub-path `base`, as a teacher would; returns the
 * site's URL and a function that stops the server.
 */
export async function lecternServe(base = '/', dir = dist) {
  const child = spawn(lecternBin, ['serve', dir, '--port', '0', '--base', base], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /serving .* at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`lectern serve exited (${code}) before serving: ${out}`)));
  });
  return { url, stop: () => child.kill() };
}

/** The site's address with another host name for the server (e.g. LAN_HOST). */
export function siteUrl(host) {
  const url = new URL(baseUrl);
  url.hostname = host;
  return url.href;
}

/**
 * Opens the notebook with `query` (or at an absolute address), recording every console problem.
 * `options`: `before(context, page)`, run before the page loads; `tolerate`, patterns of problems
 * the test causes on purpose (they do not fail it); `waitFor`, the test id that says the page
 * loaded (null: none); the rest adds to the browser context's options (e.g. `{ hasTouch: true,
 * isMobile: true }` for a tablet). A Content-Security-Policy violation is a problem too.
 */
export async function open(query = '', viewport = { width: 1366, height: 900 }, { before: prepare, tolerate = [], waitFor = 'notebook', ...device } = {}) {
  const context = await browser.newContext({ viewport, ...device });
  const problems = [];
  // Every Content-Security-Policy violation in the page is a problem, reported by the browser's
  // event (also one that logs no console line, as a report-only policy's): the page's own
  // listener calls back into the test.
  await context.exposeBinding('lecternCspViolation', (_source, text) => problems.push(`CSP violation: ${text}`));
  await context.addInitScript(() => {
    addEventListener('securitypolicyviolation', (e) => window.lecternCspViolation(
      `${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile || 'page'}:${e.lineNumber}, ${e.disposition})`,
    ));
  });
  const page = await context.newPage();
  await prepare?.(context, page);
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      problems.push(`console.${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('worker', (worker) => {
    worker.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        problems.push(`worker console.${msg.type()}: ${msg.text()}`);
      }
    });
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  // The WebAssembly modules fetched, page and worker (which worker bundle the page chose).
  const wasm = [];
  page.on('request', (req) => {
    const name = new URL(req.url()).pathname.split('/').pop();
    if (name.endsWith('.wasm')) wasm.push(name.replace(/-[0-9a-f]{1,16}_bg/, '_bg'));
  });
  await page.goto(/^https?:/.test(query) ? query : baseUrl + query);
  if (waitFor) await page.getByTestId(waitFor).waitFor();
  return {
    page,
    context,
    problems,
    wasm,
    async close() {
      await context.close();
      const unexpected = problems.filter((p) => !tolerate.some((pattern) => pattern.test(p)));
      assert.deepEqual(unexpected, [], 'the page logged errors or warnings');
    },
  };
}

/** Waits until the backend badge names a backend, and returns its text. */
export async function backendBadge(page) {
  const badge = page.getByTestId('backend-badge');
  await page.waitForFunction(
    () => /^(WebGPU|CPU)/.test(document.querySelector('[data-testid="backend-badge"]')?.textContent ?? ''),
    null,
    { timeout: BACKEND_TIMEOUT_MS },
  );
  return (await badge.textContent()).trim();
}

export async function activeCell(page) {
  return page.locator('section[data-active="true"]').getAttribute('data-testid');
}

/** The cell `name` (theory, convnet, imbalance, paper): a locator to look inside. */
export function cell(page, name) {
  return page.getByTestId(`section-${name}`);
}

/** Text of a test id inside `scope` (a page or a cell), trimmed. */
export async function textIn(scope, id) {
  return (await scope.getByTestId(id).textContent()).trim();
}

/** Text of a test id, trimmed. */
export async function text(page, id) {
  return (await page.getByTestId(id).textContent()).trim();
}

/** How many distinct colours a canvas shows (a blank one shows one). */
export async function canvasColours(page, id) {
  return page.getByTestId(id).evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return seen.size;
  });
}


/**
 * Waits until an element with test id `id` (inside the cell `within`, e.g. 'imbalance', when
 * given) has text matching `pattern`; returns that text.
 */
export async function waitForText(page, id, pattern, timeout = 120_000, within = null) {
  const handle = await page.waitForFunction(
    ([testid, source, flags, cell]) => {
      const scope = cell ? document.querySelector(`[data-testid="section-${cell}"]`) : document;
      const re = new RegExp(source, flags);
      const hit = [...(scope?.querySelectorAll(`[data-testid="${testid}"]`) ?? [])].find((e) => re.test(e.textContent));
      return hit ? hit.textContent.trim() : false;
    },
    [id, pattern.source, pattern.flags, within],
    { timeout },
  );
  return handle.jsonValue();
}

/** A percentage shown as "63.9 %" → 63.9. */
export function percentOf(textValue) {
  const m = /(-?\d+(?:\.\d+)?)\s*%/.exec(textValue.replace(/\u00a0/g, ' '));
  assert.ok(m, `no percentage in "${textValue}"`);
  return Number(m[1]);
}

/*
 * Yew renders in slices of 16 ms and yields to the event loop in between (setTimeout), so on a
 * loaded machine the page may not have caught up with a click or a keystroke when the next
 * Playwright call reads it. Everything a test reads back after an action goes through these: they
 * poll until the page shows the expected state, and fail with what it showed instead.
 */

/** Polls `read` until `accept(value)` holds; returns the value, or fails with the last one seen. */
export async function until(read, accept, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (error) {
      last = `(${error.message.split('\n')[0]})`;
    }
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeout} ms; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until `locator`'s trimmed text matches `expected` (a RegExp, or a string for equality). */
export async function expectText(locator, expected, what = String(expected)) {
  const accept = expected instanceof RegExp ? (t) => expected.test(t) : (t) => t === expected;
  return until(async () => (await locator.textContent()).trim(), accept, what);
}

/** Waits until `locator` (a button, a field) is enabled (`true`) or disabled (`false`). */
export async function expectEnabled(locator, enabled, what = enabled ? 'enabled' : 'disabled') {
  return until(() => locator.isEnabled(), (on) => on === enabled, what);
}
