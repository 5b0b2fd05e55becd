// End-to-end: cells are independent. A worker reply addressed to one cell re-renders that cell
// only — the notebook's shell and the other cells stay as they are.
//
// How a re-render is seen from outside: on every render Yew sets an input's `value` (and a
// checkbox's `checked`) back to what the component rendered, if the live element differs. So a
// value written into an input behind Yew's back survives exactly as long as its cell does not
// render again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, open, backendBadge, cell, waitForText, until,
} from './helpers.mjs';

setup();

// The toy defaults (seconds an epoch on the CPU) for thirty epochs: batch replies keep coming
// for a minute or more.
const LONG = 'backend=cpu&dataset=toy&epochs=30';

/** Batches trained so far, from the ConvNet cell's counter ("3 / 10 · 23 in all"). */
async function batchesInAll(page) {
  const counter = await cell(page, 'convnet').getByTestId('batch-counter').textContent();
  return Number(/(\d+) in all/.exec(counter)?.[1] ?? -1);
}

/** Values written into other cells' inputs without telling Yew, and the values they had. */
const PLANTED = [
  ['theory', 'input.slider', 'value', '-3'],
  ['imbalance', '[data-testid="sweep-input"]', 'value', '0.5'],
  ['paper', '[data-testid="sigma-input"]', 'value', '2.5'],
  ['paper', '[data-testid="grey-toggle"]', 'checked', true],
];

function plant(page, planted) {
  return page.evaluate((list) => {
    for (const [name, selector, property, value] of list) {
      document.querySelector(`[data-testid="section-${name}"] ${selector}`)[property] = value;
    }
  }, planted);
}

function readPlanted(page, planted) {
  return page.evaluate((list) => list.map(([name, selector, property]) => (
    document.querySelector(`[data-testid="section-${name}"] ${selector}`)[property]
  )), planted);
}

test('a batch reply to the ConvNet cell re-renders that cell only', async () => {
  const { page, close } = await open(`?${LONG}`);
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'imbalance');
  await page.getByTestId('class-histogram').waitFor();
  await page.waitForFunction(() => /matches the chain rule/.test(document.querySelector('[data-testid="autodiff-slope"]').textContent));
  await cell(page, 'convnet').getByTestId('train-start').click();
  // After the first epoch the ConvNet cell has a model: the paper cell is told once, then not
  // again while the run goes on.
  await waitForText(page, 'epoch-counter', /^[1-9]\d* \/ 30$/, 120_000, 'convnet');
  const before = await readPlanted(page, PLANTED);
  assert.deepEqual(before, ['2', '0.9, 0.99, 0.999, 0.9999, 0.99999', '1.5', false]);
  // The control: a checkbox of the ConvNet cell itself, which every batch reply re-renders.
  const toggle = cell(page, 'convnet').getByTestId('batch-norm-toggle');
  const bn = await toggle.isChecked();
  await plant(page, PLANTED);
  await toggle.evaluate((el, on) => { el.checked = on; }, !bn);
  const start = await batchesInAll(page);
  await until(() => batchesInAll(page), (n) => n >= start + 5, 'five more batches', 120_000);
  assert.equal(await toggle.isChecked(), bn, 'the ConvNet cell rendered its replies');
  assert.deepEqual(
    await readPlanted(page, PLANTED),
    PLANTED.map(([, , , value]) => value),
    'the theory, imbalance and paper cells did not render again',
  );
  await close();
});
