// End-to-end: what a class does to the page's inputs and storage — a link with a key twice, a
// batch too large for its channels, a file far larger than any the notebook reads, a browser that
// refuses storage, and two tabs with one results table. Each ends in a sentence, nothing lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, open, backendBadge, cell, shots, waitForText, until, expectText, expectEnabled, tempDir,
} from './helpers.mjs';

setup();

const rowCount = (page) => page.locator('[data-testid="results-table"] tbody tr').count();

/** Waits for the lab to be ready, then makes its runs one short epoch. */
async function labReady(page) {
  await backendBadge(page);
  const lab = cell(page, 'imbalance');
  await lab.scrollIntoViewIfNeeded();
  await waitForText(page, 'cb-weights-reading', /weighs/, 120_000, 'imbalance');
  await lab.getByTestId('epochs-input').fill('1');
  return lab;
}

/** One run of the lab; waits for its row (`rows` in all). */
async function runOnce(page, lab, rows) {
  await expectEnabled(lab.getByTestId('run-start'), true, 'Run is ready');
  await lab.getByTestId('run-start').click();
  await until(() => rowCount(page), (n) => n === rows, `${rows} rows in the table`, 240_000);
}

test('inputs: a key twice in a link takes the last value and says so; a misspelt key is named; an old spelling still sets its knob; a batch too large for its channels is refused with the estimate', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&step=9&x0=abc&x0=-1&width=128,128&batch=512&learning_rate=0.1&wd=0.001');
  await backendBadge(page);
  const notes = await page.getByTestId('status-note').allTextContents();
  assert.ok(notes.some((n) => n.includes('x0 is in the URL more than once: using the last, x0=-1.')), notes.join(' | '));
  assert.ok(!notes.some((n) => n.includes('abc')), `the bad first value is not reported as used: ${notes.join(' | ')}`);
  // Was: a misspelt key was ignored without a word (and the run took the default).
  assert.ok(notes.some((n) => n.includes('learning_rate is not a setting; did you mean lr?')), notes.join(' | '));
  assert.ok(!notes.some((n) => /\bwd\b|weight/.test(n)), `the old spelling wd= is a setting: ${notes.join(' | ')}`);
  assert.equal(await cell(page, 'convnet').getByTestId('weight-decay-input').inputValue(), '0.001');
  await until(() => page.url(), (u) => /weight_decay=0\.001/.test(u) && !/[?&]wd=/.test(u), 'the page writes the knob back under its name');
  await waitForText(page, 'tangent-line', /^1\.5x \+ 3$/, 30_000);
  const convnet = cell(page, 'convnet');
  await convnet.scrollIntoViewIfNeeded();
  await expectText(convnet.locator('.knob.invalid .field-error'), /batch size 512 with these channels needs 268 MB for one layer's activations, over the 134 MB/);
  await expectEnabled(convnet.getByTestId('train-start'), false, 'Start refuses a 268 MB activation');
  await convnet.getByTestId('batch-input').fill('256');
  await expectEnabled(convnet.getByTestId('train-start'), true, 'Start takes batch 256 (128 MiB)');
  await close();
});

test('inputs: a file far larger than any the notebook reads is refused before it is read', async () => {
  const dir = tempDir();
  const huge = path.join(dir, 'lecture-recording.tar.gz');
  fs.writeFileSync(huge, '');
  fs.truncateSync(huge, 201_000_000); // sparse: no disk used
  try {
    const { page, close } = await open('?backend=cpu&dataset=toy');
    await backendBadge(page);
    const convnet = cell(page, 'convnet');
    await convnet.scrollIntoViewIfNeeded();
    await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
    await convnet.getByTestId('dataset-file').setInputFiles(huge);
    await waitForText(page, 'run-note', /lecture-recording\.tar\.gz is 201 MB: lectern reads files up to 200 MB/, 30_000, 'convnet');
    // The toy set stays loaded: training still starts.
    await expectEnabled(convnet.getByTestId('train-start'), true, 'the loaded toy set is kept');
    await close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('inputs: a browser that refuses storage gets one sentence, and the table stays on the page', async () => {
  const refuse = () => {
    Storage.prototype.setItem = function setItem() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  };
  const { page, close } = await open('?backend=cpu&dataset=toy', undefined, {
    before: (context) => context.addInitScript(refuse),
  });
  const lab = await labReady(page);
  await runOnce(page, lab, 1);
  await waitForText(page, 'run-note', /This browser does not keep the results table .*export it/, 30_000, 'imbalance');
  await runOnce(page, lab, 2);
  const said = (await lab.getByTestId('run-note').allTextContents()).filter((n) => n.includes('does not keep'));
  assert.equal(said.length, 1, 'said once, not on every row');
  await expectEnabled(lab.getByTestId('export-csv'), true, 'the table can still be exported');
  await close();
});

test('inputs: two tabs share one results table, and run ids stay distinct across a reload', async () => {
  const a = await open('?backend=cpu&dataset=toy');
  const labA = await labReady(a.page);
  const b = await a.context.newPage();
  b.on('pageerror', (err) => a.problems.push(`tab B uncaught: ${err.message}`));
  b.on('console', (msg) => { if (msg.type() === 'error') a.problems.push(`tab B console: ${msg.text()}`); });
  await b.goto(a.page.url());
  await b.getByTestId('notebook').waitFor();
  await backendBadge(b);

  // A run in tab A appears in tab B's table.
  await runOnce(a.page, labA, 1);
  await until(() => rowCount(b), (n) => n === 1, 'tab B shows tab A\'s row');
  await b.close();

  // Was: run ids restarted at 1 on every load, so after a reload a new run shared its id with
  // the kept row, and removing one removed both.
  await a.page.reload();
  await a.page.getByTestId('notebook').waitFor();
  await until(() => rowCount(a.page), (n) => n === 1, 'the reload keeps the row');
  const labA2 = await labReady(a.page);
  await runOnce(a.page, labA2, 2);
  await labA2.locator('[data-testid="results-table"] tbody tr').nth(1).getByRole('button', { name: 'remove this run' }).click();
  await until(() => rowCount(a.page), (n) => n === 1, 'removing the new row keeps the kept one');
  await labA2.screenshot({ path: path.join(shots, 'inputs-shared-table.png') });
  await a.close();
});
