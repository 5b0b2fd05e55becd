// Not a test: the README's browser figures, on the CPU path in headless Chromium — the ConvNet
// cell's default toy run, then on the site's CIFAR-10 subset its default run (time and test
// accuracy) and the class-imbalance lab's default compare (IF 100, cross-entropy vs CB focal).
// `make measure` runs it (after `make data`); it prints MEASURE lines and saves screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, open, backendBadge, textIn, cell, shots, waitForText } from './helpers.mjs';

setup();

const HOUR = 3_600_000;

async function cifarLoaded(page, name) {
  await backendBadge(page);
  await cell(page, name).scrollIntoViewIfNeeded();
  return waitForText(page, 'data-status', /training images.*airplane/, 600_000, name);
}

/** Starts the ConvNet cell's run with its defaults and prints its time, accuracy and speed. */
async function timeDefaultRun(page, label) {
  const cn = cell(page, 'convnet');
  const started = Date.now();
  await cn.getByTestId('train-start').click();
  await waitForText(page, 'epoch-counter', /^1 \//, HOUR, 'convnet');
  console.log(`MEASURE convnet ${label}: first epoch after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await waitForText(page, 'run-status', /Finished|Stopped/, HOUR, 'convnet');
  const seconds = (Date.now() - started) / 1000;
  console.log(`MEASURE convnet ${label}: run ${seconds.toFixed(1)} s, test accuracy ${await textIn(cn, 'test-acc')}, `
    + `speed ${await textIn(cn, 'throughput')}, epochs ${await textIn(cn, 'epoch-counter')}`);
}

test('ConvNet cell: the default toy run', { timeout: HOUR }, async () => {
  const { page, close } = await open('?backend=cpu');
  await backendBadge(page);
  await cell(page, 'convnet').scrollIntoViewIfNeeded();
  await waitForText(page, 'data-status', /training images/, 600_000, 'convnet');
  await timeDefaultRun(page, 'toy');
  await close();
});

test('ConvNet cell: the default CIFAR-10 run', { timeout: HOUR }, async () => {
  const { page, close } = await open('?backend=cpu&dataset=cifar');
  console.log(`MEASURE data: ${await cifarLoaded(page, 'convnet')}`);
  await timeDefaultRun(page, 'cifar');
  await cell(page, 'convnet').screenshot({ path: path.join(shots, 'measure-convnet-cifar.png') });
  await close();
});

test('Class-imbalance lab: the default CIFAR-10 compare (IF 100)', { timeout: HOUR }, async () => {
  const { page, close } = await open('?backend=cpu&dataset=cifar');
  const lab = cell(page, 'imbalance');
  await cifarLoaded(page, 'imbalance');
  await waitForText(page, 'cb-weights-reading', /weighs/, 600_000, 'imbalance');
  const started = Date.now();
  await lab.getByTestId('compare-start').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2,
    null, { timeout: HOUR });
  console.log(`MEASURE imbalance cifar compare: both runs ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const rows = await lab.getByTestId('results-table').locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()).join(' | ')));
  assert.equal(rows.length, 2);
  for (const row of rows) console.log(`MEASURE imbalance cifar row: ${row}`);
  console.log(`MEASURE imbalance cifar reading: ${await textIn(lab, 'results-reading')}`);
  await lab.screenshot({ path: path.join(shots, 'measure-imbalance-cifar.png') });
  await close();
});
