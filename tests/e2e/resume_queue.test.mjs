// End-to-end: the imbalance lab's queue kept for a reload (issue 27). A β sweep of three 1-epoch
// runs on the toy set, reloaded after its first row: the page offers "Sweep β interrupted: 2 of 3
// runs left", and Resume runs the two left with the knobs as they were (epochs and images a
// class, which the URL does not hold), so the table ends with the three rows, the first as it was
// kept. A Compare reloaded mid-run, then Discard: nothing runs, nothing is offered again. A
// damaged kept queue: a note, no error. Storage that refuses the write: one note, the runs go on. Screenshots in target/e2e-screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  setup, open, backendBadge, textIn, cell, shots, waitForText, until, expectText,
} from './helpers.mjs';

setup();

const lab = (page) => cell(page, 'imbalance');
const KEY = 'lectern.imbalance.queue';
const rowCount = (page) => page.evaluate(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length);
/** The table's rows as shown (not the words only a screen reader gets): [label, lr, ...cells]. */
const tableRows = (page) => lab(page).getByTestId('results-table').locator('tbody tr').evaluateAll(
  (rows) => rows.map((row) => [...row.querySelectorAll('th, td')].map((c) => [...c.childNodes].filter((n) => !n.classList?.contains('visually-hidden')).map((n) => n.textContent).join('').trim()).slice(0, -1)),
);
const kept = (page) => page.evaluate((key) => localStorage.getItem(key), KEY);

async function ready(page) {
  await backendBadge(page);
  await lab(page).scrollIntoViewIfNeeded();
  await waitForText(page, 'cb-weights-reading', /weighs/, 120_000, 'imbalance');
}

/** Knobs the URL does not carry: one epoch a run, 200 images in the first class. */
async function shortRuns(page) {
  await lab(page).getByTestId('epochs-input').fill('1');
  await lab(page).getByTestId('per-class-input').fill('200');
  await waitForText(page, 'cb-weights-reading', /weighs/, 60_000, 'imbalance');
}

async function reload(page) {
  await page.reload();
  await page.getByTestId('notebook').waitFor();
}

test('resume queue: a β sweep reloaded after its first row resumes the two runs left; the table ends with the three', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&imbalance=20&loss=focal');
  page.on('dialog', (dialog) => dialog.accept());
  await ready(page);
  await shortRuns(page);
  await lab(page).getByTestId('sweep-input').fill('0.9, 0.99, 0.999');
  await lab(page).getByTestId('sweep-start').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 1, null, { timeout: 240_000 });
  const first = await tableRows(page);
  // Reloaded while the second run is under way.
  await until(() => kept(page), (k) => JSON.parse(k)?.left === 2, 'the kept queue counts 2 runs left');
  await reload(page);
  await expectText(page.getByTestId('queue-offer-text'), /^Sweep β interrupted: 2 of 3 runs left \(the finished ones are in the results table\)\. The run that was under way starts again from its first epoch\.$/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 1);
  assert.deepEqual(await tableRows(page), first, 'the finished row was kept');
  assert.equal(await lab(page).getByTestId('epochs-input').inputValue(), '6', 'the reloaded form has the default');
  assert.equal(await lab(page).getByTestId('queue-cancel').isDisabled(), true, 'nothing runs before Resume');
  await page.screenshot({ path: path.join(shots, 'resume-queue-offer.png') });

  await page.getByTestId('queue-resume').click();
  await until(() => page.getByTestId('queue-offer').count(), (n) => n === 0, 'Resume closes the offer', 120_000);
  assert.equal(await lab(page).getByTestId('epochs-input').inputValue(), '1', 'Resume put the epochs back');
  assert.equal(await lab(page).getByTestId('per-class-input').inputValue(), '200');
  assert.equal(await lab(page).getByTestId('loss-select').inputValue(), 'focal');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 3, null, { timeout: 240_000 });
  const rows = await tableRows(page);
  assert.deepEqual(rows[0], first[0], 'the kept row stays first, as it was');
  // Focal does not use β: the sweep is of CB focal, as when it was pressed.
  assert.deepEqual(rows.map((r) => r[0]), ['CB focal (β = 0.9, γ = 1)', 'CB focal (β = 0.99, γ = 1)', 'CB focal (β = 0.999, γ = 1)']);
  assert.equal(await textIn(lab(page), 'epoch-counter'), '1 / 1', 'the resumed runs had one epoch, as planned');
  await until(() => kept(page), (k) => k === null, 'the finished queue is no longer kept');
  await until(() => lab(page).getByTestId('sweep-input').inputValue(), (v) => v === '0.9, 0.99, 0.999', 'the whole β list is back in the form');

  await lab(page).screenshot({ path: path.join(shots, 'resume-queue-resumed.png') });
  await reload(page);
  await backendBadge(page);
  assert.equal(await page.getByTestId('queue-offer').count(), 0, 'nothing offered after the queue finished');
  await close();
});

test('resume queue: a Compare reloaded after its cross-entropy row resumes CB focal only, with the same β and γ', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&beta=0.99&gamma=2&loss=ce');
  page.on('dialog', (dialog) => dialog.accept());
  await ready(page);
  await shortRuns(page);
  await lab(page).getByTestId('compare-start').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 1, null, { timeout: 240_000 });
  const first = await tableRows(page);
  await until(() => kept(page), (k) => JSON.parse(k)?.left === 1, 'the kept compare counts 1 run left');
  await reload(page);
  await expectText(page.getByTestId('queue-offer-text'), /^Compare interrupted: 1 of 2 runs left \(the finished ones are in the results table\)\./);
  await page.getByTestId('queue-resume').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });
  const rows = await tableRows(page);
  assert.deepEqual(rows[0], first[0]);
  assert.deepEqual(rows.map((r) => r[0]), ['cross-entropy', 'CB focal (β = 0.99, γ = 2)']);
  assert.equal(await textIn(lab(page), 'epoch-counter'), '1 / 1');
  await until(() => lab(page).getByTestId('loss-select').inputValue(), (v) => v === 'ce', 'the form shows the loss it had');
  await close();
});

test('resume queue: a Compare reloaded mid-run offers 2 of 2 runs left; Discard forgets it and runs nothing', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy');
  page.on('dialog', (dialog) => dialog.accept());
  await ready(page);
  await shortRuns(page);
  await lab(page).getByTestId('compare-start').click();
  await waitForText(page, 'queue-progress', /^run 1 of 2 \(1 waiting\)$/, 60_000, 'imbalance');
  await until(() => kept(page), (k) => JSON.parse(k)?.what === 'compare', 'the compare is kept');
  await reload(page);
  await expectText(page.getByTestId('queue-offer-text'), /^Compare interrupted: 2 of 2 runs left\. The run that was under way starts again/);
  await page.getByTestId('queue-discard').click();
  await until(() => page.getByTestId('queue-offer').count(), (n) => n === 0, 'Discard closes the offer');
  assert.equal(await kept(page), null, 'Discard forgot the queue');
  await ready(page);
  assert.equal(await lab(page).getByTestId('queue-cancel').isDisabled(), true, 'nothing runs');
  assert.equal(await rowCount(page), 0);
  await reload(page);
  await backendBadge(page);
  assert.equal(await page.getByTestId('queue-offer').count(), 0, 'nothing offered after Discard');
  await close();
});

test('resume queue: a damaged kept queue is discarded with a note, not an error', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy');
  // A reload while the worker's wasm downloads would abort that download.
  await backendBadge(page);
  await page.evaluate((key) => localStorage.setItem(key, '{"format":1,"what":"sweep","total":3,"le'), KEY);
  await reload(page);
  await expectText(page.getByTestId('queue-offer-text'), /^An interrupted Compare or Sweep could not be read back \(it is not readable \(.+\)\); it was discarded: start the runs again from the imbalance lab\.$/);
  assert.equal(await kept(page), null);
  await page.getByTestId('queue-dismiss').click();
  await until(() => page.getByTestId('queue-offer').count(), (n) => n === 0, 'Dismiss closes the note');
  await ready(page);
  await close();
});

test('resume queue: storage that refuses the write — one note that a reload would lose the runs, and the compare goes on', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy', undefined, {
    // As in a private window with storage blocked, or a full disk: every write is refused.
    before: (context) => context.addInitScript(() => {
      Storage.prototype.setItem = () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
    }),
  });
  await ready(page);
  await shortRuns(page);
  await lab(page).getByTestId('compare-start').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });
  const notes = await page.getByTestId('queue-offer-text').allTextContents();
  assert.deepEqual(notes, ['This browser refuses to keep the queue (QuotaExceededError: The quota has been exceeded.): the runs go on, but a reload would lose those not yet finished.']);
  await close();
});
