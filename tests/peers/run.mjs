// The peers' speed on lectern's default ConvNet shape, in the same headless Debian Chromium as the
// project's tests (`make bench-peers`; README.md beside this file). A benchmark: it checks nothing.
// Prints `PEER <name>: ...` per peer and a final `PEERS {json}` line; exits non-zero only when the
// harness itself breaks (a backend that cannot train is a result, not a failure).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, 'node_modules');
const chromiumPath = process.env.CHROMIUM ?? '/usr/lib/chromium/chromium';
// tests/e2e/helpers.mjs's flags, less WebGPU's (no peer here uses the GPU).
const chromiumArgs = [
  '--no-sandbox', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// Wall-clock cap of one measurement (its worker is ended past it, and it is reported as timed out).
const MEASUREMENT_TIMEOUT_MS = 90_000;

// What each worker measures: batch 64 (as lectern's default run), a few untimed warm-up steps, then
// the median img/s of `chunks` timed chunks of whole steps. `budgetMs` is the timed part: about
// 20 s a peer on 2 cores, about 2 minutes in all. TF.js's cpu backend needs about 30 s for one
// training step of 64 images, so it trains on batches of 8 (its kernels loop over the batch: the
// img/s does not depend on it). ConvNetJS takes one image at a time: its timed step is 16 images
// (training: a quarter of a 64-image SGD batch). PEERS_ONLY=id,id runs some of them.
const MEASUREMENTS = [
  { id: 'tfjs-cpu', library: 'tfjs', backend: 'cpu',
    train: { batch: 8, warmup: 1, chunks: 3, budgetMs: 9_000 },
    infer: { batch: 64, warmup: 1, chunks: 5, budgetMs: 6_000 } },
  { id: 'tfjs-wasm', library: 'tfjs', backend: 'wasm', threads: false,
    train: { batch: 64, warmup: 2, chunks: 5, budgetMs: 8_000 },
    infer: { batch: 64, warmup: 3, chunks: 5, budgetMs: 6_000 } },
  // The threaded build, its XNNPACK pool as the library sizes it (half the logical cores: one
  // thread on 2 cores), then with a thread per core (bench-worker.js, 'all').
  { id: 'tfjs-wasm-threaded-default', library: 'tfjs', backend: 'wasm', threads: 'default',
    infer: { batch: 64, warmup: 3, chunks: 5, budgetMs: 6_000 } },
  { id: 'tfjs-wasm-threaded', library: 'tfjs', backend: 'wasm', threads: 'all',
    infer: { batch: 64, warmup: 3, chunks: 5, budgetMs: 6_000 } },
  { id: 'convnetjs', library: 'convnetjs',
    train: { batch: 64, images: 16, warmup: 1, chunks: 5, budgetMs: 9_000 },
    infer: { images: 16, warmup: 1, chunks: 5, budgetMs: 5_000 } },
].filter((m) => !process.env.PEERS_ONLY || process.env.PEERS_ONLY.split(',').includes(m.id));

// ---------------------------------------------------------------- the page and its files

const PAGE = `<!doctype html><meta charset="utf-8"><title>lectern peers</title>
<script>
// One dedicated worker per measurement; its log lines go to run.mjs (peerLog).
window.runPeer = (spec) => new Promise((resolve) => {
  const worker = new Worker('/bench-worker.js');
  window.currentWorker = worker;
  worker.onmessage = (event) => {
    if (event.data.type === 'log') { window.peerLog(event.data.text); return; }
    worker.terminate();
    resolve(event.data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    worker.terminate();
    resolve({ type: 'error', stage: 'worker', message: event.message || 'worker error' });
  };
  worker.postMessage(spec);
});
</script>`;

const FILES = {
  '/bench-worker.js': path.join(here, 'bench-worker.js'),
  '/lib/tf.min.js': path.join(modules, '@tensorflow/tfjs/dist/tf.min.js'),
  '/lib/tf-backend-wasm.min.js': path.join(modules, '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js'),
  '/lib/convnet.js': path.join(modules, 'convnetjs/build/convnet.js'),
};
for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  FILES[`/lib/wasm/${name}`] = path.join(modules, '@tensorflow/tfjs-backend-wasm/dist', name);
}
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** A static server on 127.0.0.1, cross-origin isolated (COOP + COEP: SharedArrayBuffer, wasm threads). */
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    if (url.pathname === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    const file = FILES[url.pathname];
    if (!file) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(500, headers);
        res.end(String(err));
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------- the run

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const chunksNote = (m) => `median of ${m.chunks} chunks of ${m.stepsPerChunk}×${m.stepImages} images`
  + (m.batch && m.batch !== m.stepImages ? `, batch ${m.batch}` : m.batch ? '' : ', one at a time');

/** The `PEER` line of one result. */
function describe(spec, r) {
  if (r.timedOut) return `timed out after ${MEASUREMENT_TIMEOUT_MS / 1000} s`;
  if (r.cannotRun) return `cannot run: ${r.cannotRun}`;
  const parts = [];
  if (r.train) parts.push(`train ${fmt(r.train.median)} img/s (${chunksNote(r.train)})`);
  else if (r.trainError) {
    parts.push(r.trainError.kernel
      ? `cannot train (no ${r.trainError.kernel} kernel on this backend: "${r.trainError.message.split('\n')[0]}")`
      : `cannot train (${r.trainError.message.split('\n')[0]})`);
  }
  if (r.infer) parts.push(`inference ${fmt(r.infer.median)} img/s (${chunksNote(r.infer)})`);
  const notes = [];
  if (r.info?.backend === 'wasm') {
    const threads = `${r.info.threads} thread${r.info.threads === 1 ? '' : 's'}`;
    notes.push(`${r.info.simd ? 'SIMD' : 'no SIMD'}, ${r.info.multithread ? `threaded build, ${threads}` : 'single-threaded build'}`);
    if (spec.threads === 'default') notes.push("the library's default pool: half the logical cores");
    if (spec.threads === 'all') notes.push(`the worker reported ${r.info.hardwareConcurrencySeen} cores to lift the library's half-the-cores cap`);
  }
  if (spec.library === 'convnetjs') notes.push('no BatchNorm (ConvNetJS has none: conv with bias → ReLU)');
  return parts.join(', ') + (notes.length ? `; ${notes.join('; ')}` : '');
}

async function main() {
  const started = Date.now();
  for (const file of Object.values(FILES)) {
    if (!fs.existsSync(file)) throw new Error(`missing ${file} (npm ci in tests/peers first)`);
  }
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  let browser;
  const results = {};
  let broken = null;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`peers: page error: ${e.message}`));
    await page.exposeFunction('peerLog', (text) => console.error(`peers: ${text}`));
    await page.goto(base);
    const env = await page.evaluate(() => ({
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: self.crossOriginIsolated,
    }));
    env.chromium = browser.version();
    env.cpu = os.cpus()[0]?.model ?? 'unknown';
    env.date = new Date().toISOString().slice(0, 10);
    console.error(`peers: Chromium ${env.chromium}, ${env.hardwareConcurrency} cores (${env.cpu}), crossOriginIsolated=${env.crossOriginIsolated}; each measurement in a dedicated worker`);
    if (!env.crossOriginIsolated) throw new Error('the page is not cross-origin isolated (COOP/COEP headers not honoured)');

    for (const spec of MEASUREMENTS) {
      const t = Date.now();
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve({ type: 'result', timedOut: true }), MEASUREMENT_TIMEOUT_MS);
      });
      const r = await Promise.race([page.evaluate((s) => window.runPeer(s), spec), timeout]);
      clearTimeout(timer);
      if (r.timedOut) await page.reload(); // ends the worker still running
      if (r.type === 'error') {
        broken = `${spec.id}: ${r.stage}: ${r.message}`;
        console.error(`peers: ${broken}`);
        results[spec.id] = { error: r };
        continue;
      }
      r.seconds = (Date.now() - t) / 1000;
      delete r.type;
      results[spec.id] = r;
      console.log(`PEER ${spec.id}: ${describe(spec, r)}`);
    }
    console.log(`PEERS ${JSON.stringify({ env, network: 'lectern default ConvNet: 32x32x3, [conv3x3 -> BN -> ReLU] x2 + maxpool2 at 16 then 32 channels, dropout 0.3, dense 10; SGD momentum 0.9, lr 0.05; random data', results })}`);
    console.error(`peers: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  } finally {
    await browser?.close();
    server.close();
  }
  if (broken) {
    console.error(`peers: the harness broke (${broken})`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(`peers: the harness broke: ${e?.stack ?? e}`);
  process.exitCode = 1;
});
