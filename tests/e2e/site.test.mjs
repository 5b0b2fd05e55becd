// End-to-end: the site as a class gets it. Served by `lectern serve` under a sub-path
// (/course/lectern/, as on a course's web space) and compressed on the wire: every request stays
// under the sub-path, the bytes on the wire stay within the budgets (theory cell, a toy run on the
// CPU, the CIFAR-10 subset only when chosen), and the times under a slow connection are printed
// for the README. Downloads that fail or stall say so and offer a Retry. Screenshots in
// target/e2e-screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, open, lecternServe, LAN_HOST, dist, backendBadge, cell, shots, waitForText, percentOf, textIn, expectText, until,
} from './helpers.mjs';

setup();

const BASE = '/course/lectern/';
// A quick toy run, and the theory cell opened at its tangent-line step.
const QUICK = '?backend=cpu&dataset=toy&epochs=1&width=4,8&per_class=30&batch=32&step=8';
const MB = 1e6;
let served;
// A first visit's network, as the page and its compute worker see it: no service worker (the
// offline copy's, tested in offline.test.mjs) answers in between — it would hide the worker's
// requests from Playwright's routes and counts, and its install reads the HTTP cache anyway.
const FIRST_VISIT = { serviceWorkers: 'block', tolerate: [/^console\.warning: Service Worker registration blocked by Playwright$/] };

before(async () => {
  served = await lecternServe(BASE);
});

after(() => served?.stop());

/**
 * Counts the bytes each response took on the wire — headers and the body as it travelled
 * (compressed), from Chromium's network events through Playwright's `request.sizes()` — for the
 * page and its compute worker alike, from before the page loads.
 */
function wireCounter(page) {
  const counted = { requests: [], bytes: new Map(), pending: [] };
  page.on('request', (request) => counted.requests.push(request.url()));
  page.on('requestfinished', (request) => {
    counted.pending.push(request.sizes().then((s) => {
      const url = request.url();
      counted.bytes.set(url, (counted.bytes.get(url) ?? 0) + s.responseHeadersSize + s.responseBodySize);
    }));
  });
  /** Bytes of the finished responses whose URL passes `filter`. */
  counted.total = async (filter = () => true) => {
    await Promise.all(counted.pending);
    return [...counted.bytes].filter(([u]) => filter(u)).reduce((sum, [, b]) => sum + b, 0);
  };
  return counted;
}

const fileOf = (url) => new URL(url).pathname.split('/').pop();
const isWorker = (url) => /^worker/.test(fileOf(url));
const isData = (url) => new URL(url).pathname.includes('/static/data/');

test('site: under a sub-path and compressed, the theory cell needs ≤ 1 MB and a toy run ≤ 2.5 MB; CIFAR-10 only when chosen', async () => {
  let wire;
  const { page, close } = await open(served.url + QUICK, undefined, {
    ...FIRST_VISIT,
    before: (context, p) => { wire = wireCounter(p); },
  });
  assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
  // The theory cell is interactive: x₀ typed, the tangent derived in the page.
  await page.getByTestId('x0-input').fill('-1');
  await expectText(page.getByTestId('tangent-slope'), '1.5');
  await expectText(page.getByTestId('tangent-intercept'), '3');
  const theoryBytes = await wire.total((u) => !isWorker(u) && !isData(u));

  const convnet = cell(page, 'convnet');
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await convnet.getByTestId('train-start').click();
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  assert.ok(percentOf(await textIn(convnet, 'test-acc')) > 10, 'trained above chance');
  const toyRunBytes = await wire.total();

  // Every request stayed under the sub-path (relative URLs), none went to the server's root.
  const outside = wire.requests.filter((u) => u.startsWith('http') && !new URL(u).pathname.startsWith(BASE));
  assert.deepEqual(outside, [], 'requests outside the sub-path');
  assert.ok(!wire.requests.some(isData), 'no CIFAR-10 byte before it is chosen');
  const sizes = [...wire.bytes].map(([u, b]) => `${fileOf(u) || 'index'} ${(b / 1e3).toFixed(1)} kB`).join(', ');
  console.log(`WIRE theory cell ${(theoryBytes / MB).toFixed(3)} MB; toy run on the CPU ${(toyRunBytes / MB).toFixed(3)} MB (${sizes})`);
  assert.ok(theoryBytes <= 1 * MB, `theory cell: ${theoryBytes} bytes on the wire`);
  assert.ok(toyRunBytes <= 2.5 * MB, `toy run: ${toyRunBytes} bytes on the wire`);
  // The bundles came compressed: fewer bytes on the wire than on disk.
  const app = [...wire.bytes].find(([u]) => /^app-.*_bg\.wasm$/.test(fileOf(u)));
  assert.ok(app, 'the UI bundle was fetched');
  assert.ok(app[1] < fs.statSync(path.join(dist, fileOf(app[0]))).size / 2, `app wasm ${app[1]} bytes on the wire`);

  if (fs.existsSync(path.join(dist, 'static', 'data', 'meta.json'))) {
    await convnet.getByTestId('dataset-select').selectOption('cifar');
    await waitForText(page, 'data-status', /site's CIFAR-10 subset .*training images/, 240_000, 'convnet');
    const dataBytes = await wire.total(isData);
    console.log(`WIRE the site's CIFAR-10 subset ${(dataBytes / MB).toFixed(2)} MB`);
    assert.ok(dataBytes <= 10 * MB, `CIFAR-10 subset: ${dataBytes} bytes on the wire`);
  } else {
    console.log('WIRE no CIFAR-10 subset in dist (make data): its download was not measured');
  }
  await page.screenshot({ path: path.join(shots, 'site-sub-path.png') });
  await close();
});

test('site: times to a usable notebook on a slow school connection (1.5 Mbit/s, 300 ms), for the README', async () => {
  const started = Date.now();
  const { page, close } = await open(served.url + QUICK, undefined, {
    ...FIRST_VISIT,
    before: async (context, p) => {
      const cdp = await context.newCDPSession(p);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 300, downloadThroughput: 1.5e6 / 8, uploadThroughput: 0.75e6 / 8,
      });
    },
  });
  await page.getByTestId('x0-input').fill('-1');
  await expectText(page.getByTestId('tangent-slope'), '1.5');
  await expectText(page.getByTestId('tangent-intercept'), '3');
  const theory = (Date.now() - started) / 1000;
  await backendBadge(page);
  const worker = (Date.now() - started) / 1000;
  await waitForText(page, 'data-status', /toy shapes/, 240_000, 'convnet');
  await cell(page, 'convnet').getByTestId('train-start').click();
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  console.log(`TIMING throttled 1.5 Mbit/s, 300 ms: theory cell usable after ${theory.toFixed(1)} s, compute worker ready after ${worker.toFixed(1)} s, a toy epoch done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await close();
});

/** Problems that the failed download itself causes (the request, and Chromium's line about it). */
function expectedFailures(problems, file) {
  const rest = problems.filter((p) => !p.includes(file) && !/Failed to load resource/.test(p)
    && !FIRST_VISIT.tolerate.some((pattern) => pattern.test(p)));
  problems.length = 0;
  return rest;
}

test('site: a compute bundle that does not download says which file, and Retry starts it', async () => {
  const { page, context, close, problems } = await open(`${served.url}?backend=cpu`, undefined, {
    ...FIRST_VISIT,
    before: (ctx) => ctx.route('**/worker_cpu_bg.wasm', (route) => route.abort('connectionreset')),
  });
  await expectText(page.getByTestId('backend-badge'), 'No compute backend');
  const notes = await page.getByTestId('status-note').allTextContents();
  assert.ok(notes.some((n) => /worker_cpu_bg\.wasm did not download/.test(n)), notes.join(' | '));
  await page.screenshot({ path: path.join(shots, 'site-worker-download-failed.png') });
  await context.unroute('**/worker_cpu_bg.wasm');
  await page.getByTestId('worker-retry').click();
  assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
  assert.equal(await page.getByTestId('worker-retry').count(), 0);
  assert.deepEqual(expectedFailures(problems, 'worker_cpu_bg.wasm'), []);
  await close();
});

test('site: a compute bundle whose download stalls is given up after 20 s and started again', async () => {
  let stalled = 0;
  const { page, close, problems } = await open(`${served.url}?backend=cpu`, undefined, {
    ...FIRST_VISIT,
    // The first request never answers; the next ones go through.
    before: (ctx) => ctx.route('**/worker_cpu_bg.wasm', (route) => (stalled++ === 0 ? undefined : route.continue())),
  });
  const note = await waitForText(page, 'status-note', /stalled: no data for 20 s/, 60_000);
  assert.match(note, /restarted on the CPU/);
  assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
  assert.equal(stalled, 2);
  assert.deepEqual(expectedFailures(problems, 'worker_cpu_bg.wasm'), []);
  await close();
});

test('site: a CIFAR-10 download that fails says so, keeps the toy set, and choosing it again retries', { skip: !fs.existsSync(path.join(dist, 'static', 'data', 'meta.json')) && 'no CIFAR-10 subset in dist (make data)' }, async () => {
  const { page, context, close, problems } = await open(`${served.url}?backend=cpu&dataset=toy`, undefined, {
    ...FIRST_VISIT,
    before: (ctx) => ctx.route('**/static/data/train.lcz', (route) => route.abort('connectionreset')),
  });
  await backendBadge(page);
  const convnet = cell(page, 'convnet');
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await convnet.getByTestId('dataset-select').selectOption('cifar');
  const note = await waitForText(page, 'run-note', /did not download/, 120_000, 'convnet');
  assert.match(note, /static\/data\/train\.lcz/);
  assert.match(note, /Choose the CIFAR-10 subset again to retry/);
  assert.match(await textIn(convnet, 'data-status'), /toy shapes/);
  await context.unroute('**/static/data/train.lcz');
  await convnet.getByTestId('dataset-select').selectOption('toy');
  await convnet.getByTestId('dataset-select').selectOption('cifar');
  await waitForText(page, 'data-status', /site's CIFAR-10 subset .*training images/, 240_000, 'convnet');
  assert.deepEqual(expectedFailures(problems, 'train.lcz'), []);
  await close();
});

test('site: over plain http from a network name the badge says WebGPU needs https, and the CPU path trains', async () => {
  // A school LAN: the teacher's laptop by name, plain http — not a secure context for the browser.
  const url = served.url.replace('127.0.0.1', LAN_HOST);
  const { page, close } = await open(url + QUICK.replace('backend=cpu&', ''));
  assert.equal(await page.evaluate(() => window.isSecureContext), false);
  assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
  await waitForText(page, 'status-note', /WebGPU needs https or localhost, and this page came over plain http\. Training runs on the CPU\./);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await cell(page, 'convnet').getByTestId('train-start').click();
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  await page.screenshot({ path: path.join(shots, 'site-plain-http-lan.png') });
  await close();
});
