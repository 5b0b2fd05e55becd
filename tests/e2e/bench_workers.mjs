// Not a test: `make bench`'s data-parallel figures, in headless Chromium on the built site — the
// ConvNet cell's default run (the site's CIFAR-10 subset if `make data` made it, else the toy
// set), once in 1 worker and once in 2, side by side in one run; then two 1-worker runs in two
// pages at once (the machine's ceiling: no exchange); then the default toy run in each. Prints
// BENCH lines: training img/s and evaluation time (medians over the epochs), the exchange's share
// of a step (from the compute worker's `lecternTimings`, see src/worker/helpers/timings.rs), a
// projection for 4 and 8 cores from those measurements (a projection, not a measurement), and
// the test accuracy each reached. Chromium runs as on a laptop without a usable GPU (no
// SwiftShader: it would raster the page's charts on the two cores that train).
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { setup, open, backendBadge, textIn, cell, waitForText, root } from './helpers.mjs';

setup({ webgpu: false });

const HOUR = 3_600_000;
const cifar = fs.existsSync(path.join(root, 'static', 'data', 'meta.json'));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The compute worker's timings (not a helper's). */
async function timings(page) {
  for (const worker of page.workers()) {
    const seen = await worker.evaluate(() => (self.name.startsWith('lectern-helper') ? null : self.lecternTimings ?? null))
      .catch(() => null);
    if (seen) return seen;
  }
  return { steps: [], epochs: [], evaluations: [] };
}

/** Opens the ConvNet cell on `dataset` with `query` and waits for its data. */
async function ready(dataset, query) {
  const { page, close } = await open(`?backend=cpu&dataset=${dataset}${query}`);
  await backendBadge(page);
  const cn = cell(page, 'convnet');
  await cn.scrollIntoViewIfNeeded();
  await waitForText(page, 'data-status', dataset === 'toy' ? /toy shapes/ : /airplane/, 600_000, 'convnet');
  return { page, close, cn };
}

/** Runs the ConvNet cell's defaults (and `extra`) in `workers` workers; what it measured. */
async function run(dataset, workers, extra = '') {
  const { page, close, cn } = await ready(dataset, `&workers=${workers}${extra}`);
  await cn.getByTestId('train-start').click();
  await waitForText(page, 'run-status', /Finished|Stopped/, HOUR, 'convnet');
  const seen = await timings(page);
  const headline = await cn.getByTestId('final-accuracy').textContent();
  const testImages = Number(/ on ([^a-z]+) images/.exec(headline)?.[1].replace(/\D/g, '') ?? NaN);
  const result = {
    testImages,
    accuracy: await textIn(cn, 'test-acc'),
    backend: await textIn(cn, 'run-backend'),
    epochs: seen.epochs.map(([w, ips, evalMs]) => ({ workers: w, ips, evalMs })),
    steps: seen.steps.map(([step, own, waited, delivery, computing, answer]) => ({ step, own, waited, delivery, computing, answer })),
    evaluations: (seen.evaluations ?? []).map(([own, waited, delivery, computing, answer]) => ({ own, waited, delivery, computing, answer })),
  };
  await close();
  return result;
}

test('1 worker vs 2: training, evaluation, the exchange, and a projection', { timeout: HOUR }, async () => {
  const dataset = cifar ? 'cifar' : 'toy';
  const one = await run(dataset, 1, '&epochs=3');
  const two = await run(dataset, 2, '&epochs=3');
  const ips = (r) => median(r.epochs.map((e) => e.ips));
  const evalMs = (r) => median(r.epochs.map((e) => e.evalMs));
  const [ips1, ips2, eval1, eval2] = [ips(one), ips(two), evalMs(one), evalMs(two)];
  console.log(`BENCH workers ${dataset} train: 1 worker ${ips1.toFixed(1)} img/s, 2 workers ${ips2.toFixed(1)} img/s: ${(ips2 / ips1).toFixed(2)}x (median of ${one.epochs.length} epochs each)`);
  const shares = (key) => median(two.evaluations.map((e) => e[key]));
  const perSecond = (ms) => ((1000 * one.testImages) / ms).toFixed(0);
  console.log(`BENCH workers ${dataset} evaluation of ${one.testImages} images: 1 worker ${eval1.toFixed(0)} ms (${perSecond(eval1)} img/s), `
    + `2 workers ${eval2.toFixed(0)} ms (${perSecond(eval2)} img/s): ${(eval1 / eval2).toFixed(2)}x `
    + `(in 2: own share ${shares('own').toFixed(0)} ms then waiting ${shares('waited').toFixed(0)} ms; the helper computing ${shares('computing').toFixed(0)} ms, `
    + `its job's delivery ${shares('delivery').toFixed(1)} ms and answer ${shares('answer').toFixed(1)} ms)`);
  const steps = (key) => median(two.steps.map(key));
  const step = steps((s) => s.step);
  const exchange = steps((s) => s.delivery + s.answer);
  console.log(`BENCH workers ${dataset} exchange: step ${step.toFixed(1)} ms (median of ${two.steps.length}): own shard ${steps((s) => s.own).toFixed(1)} ms, `
    + `then waiting for the helper ${steps((s) => s.waited).toFixed(1)} ms (mean ${(two.steps.reduce((a, s) => a + s.waited, 0) / two.steps.length).toFixed(1)}); `
    + `the helper computing ${steps((s) => s.computing).toFixed(1)} ms; the exchange (its job's delivery ${steps((s) => s.delivery).toFixed(1)} ms, `
    + `its answer's ${steps((s) => s.answer).toFixed(1)} ms: encoding, transfer, reading) ${exchange.toFixed(1)} ms, ${(100 * exchange / step).toFixed(1)} % of a step`);
  // A projection: one step's compute split N ways, plus one exchange per helper.
  const batch = 64;
  const t1 = (1000 * batch) / ips1;
  const evalExchange = Math.max(0, eval2 - eval1 / 2);
  for (const n of [4, 8]) {
    const stepN = t1 / n + (n - 1) * exchange;
    const evalN = eval1 / n + (n - 1) * evalExchange;
    console.log(`BENCH workers ${dataset} projection (not measured) for ${n} cores: training ${((1000 * batch) / stepN).toFixed(0)} img/s (${(t1 / stepN).toFixed(2)}x), `
      + `evaluation ${evalN.toFixed(0)} ms (${(eval1 / evalN).toFixed(2)}x)`);
  }
  console.log(`BENCH workers ${dataset} accuracy after 3 epochs: 1 worker ${one.accuracy}, 2 workers ${two.accuracy} (${two.backend})`);

  // The machine's own ceiling: two pages training 1 worker each at once — no exchange, no
  // waiting for each other; what two cores give two independent runs.
  const pair = [await ready(dataset, '&workers=1&epochs=3'), await ready(dataset, '&workers=1&epochs=3')];
  await Promise.all(pair.map((p) => p.cn.getByTestId('train-start').click()));
  const rates = [];
  for (const p of pair) {
    await waitForText(p.page, 'run-status', /Finished|Stopped/, HOUR, 'convnet');
    rates.push(median((await timings(p.page)).epochs.map(([, ips]) => ips)));
  }
  await Promise.all(pair.map((p) => p.close()));
  const both = rates[0] + rates[1];
  console.log(`BENCH workers ${dataset} ceiling: two 1-worker runs in two pages at once (no exchange) ${rates[0].toFixed(0)} + ${rates[1].toFixed(0)} = ${both.toFixed(0)} img/s, `
    + `${(both / ips1).toFixed(2)}x one alone; 2 workers in one run reach ${(100 * ips2 / both).toFixed(0)} % of that`);
});

test('the default toy run: accuracy in 1 worker and in 2', { timeout: HOUR }, async () => {
  const one = await run('toy', 1);
  const two = await run('toy', 2);
  console.log(`BENCH workers toy default run: test accuracy 1 worker ${one.accuracy}, 2 workers ${two.accuracy}; `
    + `train ${median(one.epochs.map((e) => e.ips)).toFixed(0)} vs ${median(two.epochs.map((e) => e.ips)).toFixed(0)} img/s`);
});
