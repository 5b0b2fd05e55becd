// End-to-end: the offline copy (www/sw.js, www/offline.js), with the site under a sub-path as a
// school's server may put it. After one visit the notebook opens, trains and compares with the
// network gone (and nothing reaches the server); a new build of the site waits beside the open
// page until its "Updated — reload" button, and no page ever gets files of two builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  setup, open, site, siteUrl, LAN_HOST, root, shots, backendBadge, cell, textIn, waitForText, percentOf,
  expectText, until, tempDir,
} from './helpers.mjs';

const PREFIX = '/course/lectern/';
setup({ prefix: PREFIX });

// One epoch of a small network on 30 toy images a class, on the CPU.
const QUICK = 'backend=cpu&dataset=toy&epochs=1&width=4,8&per_class=30&batch=32';

const mark = (page) => page.getByTestId('offline-mark');
/** A screenshot of the status bar, with the mark fixed at its right end. */
async function shootStatusBar(page, name) {
  await page.locator('.status-bar').screenshot({ path: path.join(shots, name) });
}

/** Waits until the page says it runs from its offline copy. */
async function availableOffline(page) {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="offline-mark"]')?.textContent === 'Available offline',
    null,
    { timeout: 120_000 },
  );
}

/** The service worker's caches in this browser context (one per build). */
async function cacheNames(page) {
  return page.evaluate(() => caches.keys());
}

/** Trains one toy epoch in the ConvNet cell; returns its test accuracy. */
async function trainOneEpoch(page) {
  const cn = cell(page, 'convnet');
  await cn.scrollIntoViewIfNeeded();
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await cn.getByTestId('train-start').click();
  await waitForText(page, 'epoch-counter', /^1 \/ 1$/, 240_000, 'convnet');
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  return percentOf(await textIn(cn, 'test-acc'));
}

/** The files of a built site: path → sha256. */
function filesOf(dir) {
  const files = new Map();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file).split(path.sep).join('/'), crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  }
  return files;
}

/**
 * Records, for every response of the site's own files the page and its compute worker get, its
 * path, the sha256 of its body (null if the body never completed), whether the service worker
 * answered, and `phase.now` when it came. Returns a function giving them all once read (call it
 * before each navigation too: a body is gone once the page navigates away).
 */
function recordResponses(page, phase) {
  const seen = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith(PREFIX)) return;
    const entry = { path: url.pathname.slice(PREFIX.length) || 'index.html', phase: phase.now, fromServiceWorker: response.fromServiceWorker() };
    seen.push(response.body().then(
      (body) => ({ ...entry, sha256: crypto.createHash('sha256').update(body).digest('hex') }),
      (error) => ({ ...entry, sha256: null, error: error.message.split('\n')[0] }),
    ));
  });
  return () => Promise.all(seen);
}

test('offline: after one visit the notebook loads, trains an epoch and runs a compare with no network', async () => {
  site.hits.length = 0;
  const { page, context, problems, wasm, close } = await open(`?${QUICK}`);
  const started = Date.now();
  assert.match(await backendBadge(page), /^CPU/);
  await availableOffline(page);
  // The copy holds the CPU bundle the page runs on; the WebGPU one was never downloaded.
  assert.ok(site.hits.includes(`${PREFIX}worker_cpu_bg.wasm`));
  assert.deepEqual(site.hits.filter((p) => /\/worker(\.js|_bg\.wasm)$/.test(p)), [], 'nothing fetched the WebGPU bundle');
  console.log(`TIMING offline: "Available offline" ${(Date.now() - started) / 1000} s after the first page load`);
  assert.equal(await mark(page).getAttribute('role'), 'status');
  await shootStatusBar(page, 'offline-mark.png');
  await page.getByTestId('large-type').click();
  await expectText(page.getByTestId('large-type'), 'Normal type');
  await shootStatusBar(page, 'offline-mark-large-type.png');
  await page.getByTestId('large-type').click();
  assert.equal((await cacheNames(page)).length, 1);

  // The Wi-Fi drops (the browser is offline and the server answers nothing); the student reloads.
  await context.setOffline(true);
  site.down = true;
  site.hits.length = 0;
  try {
    wasm.length = 0;
    await page.reload();
    await page.getByTestId('notebook').waitFor();
    assert.match(await backendBadge(page), /^CPU/);
    assert.deepEqual(wasm, ['app_bg.wasm', 'worker_cpu_bg.wasm'], 'the page and its CPU worker loaded their modules');
    await availableOffline(page);

    const accuracy = await trainOneEpoch(page);
    assert.ok(accuracy > 10, `above chance after one epoch, offline: ${accuracy} %`);

    const lab = cell(page, 'imbalance');
    await lab.scrollIntoViewIfNeeded();
    await waitForText(page, 'cb-weights-reading', /weighs/, 120_000, 'imbalance');
    await lab.getByTestId('compare-start').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });
    // Only the browser's own check for a new service worker, which Chromium makes even under
    // Playwright's offline emulation, reached the server (and got no answer).
    assert.deepEqual([...new Set(site.hits)].filter((p) => p !== `${PREFIX}sw.js`), [], 'the page fetched nothing from the server');
  } finally {
    site.down = false;
  }
  assert.deepEqual(problems, [], 'no request failed and nothing was logged while offline');
  console.log(`TIMING offline: reload, one epoch and a compare with no network ${(Date.now() - started) / 1000} s in all`);
  await close();
});

test('offline: a new build waits for "Updated — reload"; the page runs one build at a time', async () => {
  // Build B: this build with a changed page and CPU worker script (neither is content-hashed),
  // listed again by precache.sh as Trunk's hook does.
  const buildA = site.dist;
  const buildB = tempDir();
  fs.cpSync(buildA, buildB, { recursive: true });
  const index = path.join(buildB, 'index.html');
  fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('<head>', '<head><meta name="lectern-test-build" content="B">'));
  fs.appendFileSync(path.join(buildB, 'worker_cpu.js'), '\n// build B\n');
  fs.appendFileSync(path.join(buildB, 'worker.js'), '\n// build B\n');
  execFileSync('sh', [path.join(root, 'www', 'precache.sh')], { env: { ...process.env, TRUNK_STAGING_DIR: buildB }, stdio: 'ignore' });
  const files = { A: filesOf(buildA), B: filesOf(buildB) };
  assert.notEqual(files.A.get('worker_cpu.js'), files.B.get('worker_cpu.js'));
  assert.notEqual(files.A.get('sw.js'), files.B.get('sw.js'), 'build B has its own version');

  const phase = { now: 'A' };
  const { page, problems, close } = await open(`?${QUICK}`);
  const responses = recordResponses(page, phase);
  const builtB = (p) => p.locator('meta[name="lectern-test-build"]').count();
  try {
    assert.match(await backendBadge(page), /^CPU/);
    await availableOffline(page);
    const [cacheA] = await cacheNames(page);

    // The teacher publishes build B. The student reloads: the page still comes from A's copy
    // while the browser installs B beside it, and offers the update.
    site.dist = buildB;
    await responses();
    phase.now = 'A after B was published';
    await page.reload();
    await page.getByTestId('notebook').waitFor();
    await expectText(page.getByTestId('offline-update'), 'Updated — reload');
    assert.equal(await builtB(page), 0, 'the reloaded page is still build A');
    assert.match(await backendBadge(page), /^CPU/);
    assert.ok((await trainOneEpoch(page)) > 10, 'build A trains while B waits');
    assert.equal(await page.getByTestId('offline-update').isVisible(), true);
    await shootStatusBar(page, 'offline-update.png');
    assert.equal((await cacheNames(page)).length, 2, 'A and B each have their cache');
    // A file build A's copy does not hold yet (the WebGPU glue): the server has B's, and A's
    // copy refuses to hand it to an A page.
    phase.now = 'refused';
    const fetched = await page.evaluate(() => fetch('worker.js').then((r) => r.text()).then(() => 'delivered', (e) => `refused: ${e.message}`));
    assert.match(fetched, /^refused/);
    const refusal = await until(
      () => problems.findIndex((p) => p.startsWith('request failed: ') && p.includes(`${PREFIX}worker.js `)),
      (i) => i >= 0,
      'the refused request is reported as failed',
    );
    problems.splice(refusal, 1);

    // The button: B takes over and the page reloads on it.
    await responses();
    phase.now = 'B';
    await Promise.all([page.waitForEvent('load'), page.getByTestId('offline-update').click()]);
    await page.getByTestId('notebook').waitFor();
    assert.equal(await builtB(page), 1, 'the page is build B after the button');
    assert.match(await backendBadge(page), /^CPU/);
    await availableOffline(page);
    assert.ok((await trainOneEpoch(page)) > 10, 'build B trains');
    const caches = await cacheNames(page);
    assert.equal(caches.length, 1, 'B deleted the other build\'s cache');
    assert.notEqual(caches[0], cacheA);
  } finally {
    site.dist = buildA;
  }

  // Every file the page and its worker got came from the build the page ran on (on the first
  // visit, what arrived after the page was up; after each reload, everything).
  const seen = await responses();
  for (const r of seen.filter((r) => r.phase === 'refused')) {
    assert.equal(r.sha256, null, `the refused ${r.path} never arrived whole`);
  }
  for (const [when, build] of [['A', 'A'], ['A after B was published', 'A'], ['B', 'B']]) {
    const got = seen.filter((r) => r.phase === when && files[build].has(r.path));
    for (const name of ['index.html', 'worker_loader.js', 'worker_cpu.js', 'worker_cpu_bg.wasm']) {
      if (when !== 'A') assert.ok(got.some((r) => r.path === name), `${when}: the page loaded ${name}`);
    }
    for (const r of got) {
      assert.equal(r.sha256, files[build].get(r.path), `${when}: ${r.path} is build ${build}'s`);
    }
    if (when === 'A after B was published') {
      assert.ok(got.every((r) => r.fromServiceWorker), 'build A\'s copy answered everything while B waited');
    }
  }
  fs.rmSync(buildB, { recursive: true, force: true });
  await close();
});

test('offline: on plain http at a LAN address the mark says why there is no offline copy', async () => {
  const { page, close } = await open(`${siteUrl(LAN_HOST)}?${QUICK}`);
  assert.equal(await page.evaluate(() => window.isSecureContext), false);
  assert.match(await backendBadge(page), /^CPU/);
  await expectText(mark(page), 'Offline copy needs https or localhost');
  assert.equal(await page.evaluate(() => 'serviceWorker' in navigator), false);
  await shootStatusBar(page, 'offline-mark-insecure.png');
  await close();
});

// The CIFAR-10 subset (`make data`) is cached when first loaded, like the worker bundles.
const cifar = fs.existsSync(path.join(site.dist, 'static', 'data', 'meta.json'));
test('offline: the CIFAR-10 subset, once loaded, loads again with no network', { skip: !cifar && 'dist has no CIFAR-10 subset (make data)' }, async () => {
  const loaded = /training and [\d,]+ test images/;
  const { page, context, close } = await open('?backend=cpu&dataset=toy');
  assert.match(await backendBadge(page), /^CPU/);
  await availableOffline(page);
  // Loaded once the copy is active (on a first visit a load that starts before the service worker
  // runs goes straight to the network, and is kept only if the browser's HTTP cache held it).
  const started = Date.now();
  await page.goto(siteUrl('127.0.0.1') + '?backend=cpu&dataset=cifar');
  await waitForText(page, 'data-status', loaded, 120_000, 'convnet');
  console.log(`TIMING offline: CIFAR-10 subset loaded online in ${(Date.now() - started) / 1000} s (through the service worker)`);
  await context.setOffline(true);
  site.down = true;
  site.hits.length = 0;
  try {
    const again = Date.now();
    await page.reload();
    await waitForText(page, 'data-status', loaded, 120_000, 'convnet');
    console.log(`TIMING offline: CIFAR-10 subset loaded offline in ${(Date.now() - again) / 1000} s`);
    assert.deepEqual(site.hits.filter((p) => p.includes('/static/data/')), [], 'the subset came from the copy');
  } finally {
    site.down = false;
  }
  await close();
});
