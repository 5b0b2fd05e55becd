// End-to-end: the built notebook (dist/) in headless Debian Chromium, driven like a student would.
// Any console error or warning, or uncaught exception, from the page or its worker fails the test.
// Screenshots go to target/e2e-screenshots/ — look at them.
//
// Run by `make test-e2e` (which builds dist/ first): node --test tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = process.env.LECTERN_DIST ?? path.join(root, 'dist');
const shots = path.join(root, 'target', 'e2e-screenshots');
const chromiumPath = process.env.CHROMIUM ?? '/usr/lib/chromium/chromium';
// WebGPU on the CPU (SwiftShader), canvases visible in screenshots, no network chatter.
const chromiumArgs = [
  '--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu', '--use-angle=swiftshader',
  '--use-webgpu-adapter=opengles', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// Probing WebGPU on a software adapter takes seconds; give it room.
const BACKEND_TIMEOUT_MS = 90_000;

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.json': 'application/json', '.bin': 'application/octet-stream', '.png': 'image/png',
};

let server;
let baseUrl;
let browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), `${dist}/index.html is missing: build the site first`);
  fs.mkdirSync(shots, { recursive: true });
  server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(dist, urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath);
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/** Opens the notebook with `query`, recording every console problem. */
async function open(query = '', viewport = { width: 1366, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
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
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
  await page.goto(baseUrl + query);
  await page.getByTestId('notebook').waitFor();
  return {
    page,
    problems,
    async close() {
      await context.close();
      assert.deepEqual(problems, [], 'the page logged errors or warnings');
    },
  };
}

/** Waits until the backend badge names a backend, and returns its text. */
async function backendBadge(page) {
  const badge = page.getByTestId('backend-badge');
  await page.waitForFunction(
    () => /^(WebGPU|CPU)/.test(document.querySelector('[data-testid="backend-badge"]')?.textContent ?? ''),
    null,
    { timeout: BACKEND_TIMEOUT_MS },
  );
  return (await badge.textContent()).trim();
}

async function activeCell(page) {
  return page.locator('section[data-active="true"]').getAttribute('data-testid');
}

test('the notebook shows four cells in order and picks the CPU over a software GPU', async () => {
  const { page, close } = await open();
  const sections = await page.locator('main section').evaluateAll((els) => els.map((e) => e.dataset.testid));
  assert.deepEqual(sections, ['section-theory', 'section-convnet', 'section-imbalance', 'section-paper']);
  for (const id of sections) {
    assert.ok((await page.getByTestId(id).locator('h2').textContent()).length > 5);
    assert.ok((await page.getByTestId(id).locator('.intro').textContent()).length > 80);
  }
  const badge = await backendBadge(page);
  // Headless Chromium's only adapter is SwiftShader, a fallback adapter: automatic means CPU.
  assert.equal(badge, 'CPU · burn-ndarray');
  assert.match(await page.getByTestId('status-note').first().textContent(), /software/);
  assert.match(await page.getByTestId('probe-detail').textContent(), /^64×64 matmul and an autodiff gradient checked in [\d.]+ ms, (exact to the last bit|max error \d)/);
  await page.screenshot({ path: path.join(shots, 'notebook-default.png'), fullPage: true });
  await close();
});

test('?backend=webgpu runs the probe on WebGPU, even on the fallback adapter', async () => {
  const { page, close } = await open('?backend=webgpu');
  const badge = await backendBadge(page);
  assert.match(badge, /^WebGPU · .+ \(fallback\)$/);
  assert.match(await page.getByTestId('probe-detail').textContent(), /(exact to the last bit|max error \d)/);
  assert.equal(await page.getByTestId('status-note').count(), 0);
  await page.screenshot({ path: path.join(shots, 'backend-webgpu.png') });
  await close();
});

test('?backend=cpu uses burn-ndarray without a note', async () => {
  const { page, close } = await open('?backend=cpu');
  assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
  assert.equal(await page.getByTestId('status-note').count(), 0);
  await close();
});

test('a bad ?backend value is explained on the page, and the notebook still runs', async () => {
  const { page, close } = await open('?backend=quantum');
  assert.match(await backendBadge(page), /^CPU/);
  const notes = await page.getByTestId('status-note').allTextContents();
  assert.ok(notes.some((n) => n.includes('quantum') && n.includes('backend=webgpu')), notes.join(' | '));
  await page.screenshot({ path: path.join(shots, 'bad-url-parameter.png') });
  await close();
});

test('keys move between cells, the contents follow, and t switches to large type', async () => {
  const { page, close } = await open('?backend=cpu');
  await backendBadge(page);
  assert.equal(await activeCell(page), 'section-theory');
  await page.keyboard.press('j');
  assert.equal(await activeCell(page), 'section-convnet');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('j'); // stays on the last cell
  assert.equal(await activeCell(page), 'section-paper');
  await page.keyboard.press('k');
  assert.equal(await activeCell(page), 'section-imbalance');
  assert.match(await page.locator('.toc li.active').textContent(), /Class imbalance/);
  await page.keyboard.press('1');
  assert.equal(await activeCell(page), 'section-theory');
  await page.keyboard.press('2');
  assert.equal(await activeCell(page), 'section-convnet');
  // The keys are documented on the page.
  assert.match(await page.getByTestId('key-help').textContent(), /j \/ k.*next \/ previous cell/);

  const fontSize = () => page.getByTestId('notebook').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  const normal = await fontSize();
  await page.keyboard.press('t');
  assert.ok((await fontSize()) > normal * 1.3, 'large type is larger');
  await page.waitForTimeout(600); // let the smooth scroll settle
  await page.screenshot({ path: path.join(shots, 'large-type-convnet.png') });
  await page.getByTestId('large-type').click();
  assert.equal(await fontSize(), normal);
  await close();
});

test('the layout reads on a small laptop screen', async () => {
  const { page, close } = await open('?backend=cpu', { width: 800, height: 700 });
  await backendBadge(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 800, `no horizontal scrolling (${width}px wide)`);
  await page.screenshot({ path: path.join(shots, 'narrow-800px.png') });
  await close();
});
