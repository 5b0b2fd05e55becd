// End-to-end: the class-imbalance lab on the toy data — a compare run fills the table with two
// rows of per-class accuracies, β redraws the class weights, the CSV export equals the table,
// bad URL values fall back with a note, and the table survives a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, open, backendBadge, textIn, cell, shots, waitForText, until, expectText, expectEnabled,
} from './helpers.mjs';

setup();

/** The imbalance lab. */
const lab = (page) => cell(page, 'imbalance');

async function ready(page) {
  await backendBadge(page);
  await lab(page).scrollIntoViewIfNeeded();
  await waitForText(page, 'cb-weights-reading', /weighs/, 120_000, 'imbalance');
}

/** The canvas as a PNG data URL, to tell a redraw (no pixel read-back). */
async function pixels(page, id) {
  return page.getByTestId(id).evaluate((canvas) => canvas.toDataURL());
}

/** The table's rows as shown (not the words only a screen reader gets): [label, ...14 numbers or null]. */
async function tableRows(page) {
  return lab(page).getByTestId('results-table').locator('tbody tr').evaluateAll((rows) => rows.map((row) => {
    const cells = [...row.querySelectorAll('th, td')].map((c) => [...c.childNodes].filter((n) => !n.classList?.contains('visually-hidden')).map((n) => n.textContent).join('').trim());
    return [cells[0], ...cells.slice(2, 16).map((v) => (v === '—' ? null : Number(v)))];
  }));
}

test('imbalance: a compare run on the long-tailed toy set fills the table; exports and reload', async () => {
  const { page, context, close } = await open('?backend=cpu&dataset=toy&imbalance=50');
  await ready(page);
  const histogram = lab(page).getByTestId('class-histogram');
  assert.ok(await histogram.isVisible());
  assert.match(await page.locator('.imbalance figcaption').first().textContent(), /from 100 \(disc\) down to 2 \(striped ring\); imbalance factor 50/);

  const before = await pixels(page, 'cb-weights-plot');
  await lab(page).getByTestId('beta-input').fill('0.99');
  await waitForText(page, 'cb-weights-reading', /β = 0\.99,/, 120_000, 'imbalance');
  await page.waitForFunction((png) => document.querySelector('[data-testid="cb-weights-plot"]').toDataURL() !== png, before);
  await lab(page).getByTestId('beta-input').fill('0.9999');

  const started = Date.now();
  await lab(page).getByTestId('compare-start').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 1, null, { timeout: 240_000 });
  const first = Date.now();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });
  console.log(`TIMING imbalance toy compare: first run ${(first - started) / 1000} s, both ${(Date.now() - started) / 1000} s`);
  const rows = await tableRows(page);
  assert.equal(rows.length, 2);
  assert.match(rows[0][0], /^cross-entropy/);
  assert.match(rows[1][0], /^CB focal \(β = 0\.9999, γ = 1\)/);
  for (const row of rows) {
    const perClass = row.slice(1, 11);
    assert.equal(perClass.length, 10);
    for (const v of perClass) assert.ok(v >= 0 && v <= 100, `${row}`);
  }
  assert.match(await textIn(lab(page), 'results-reading'), /rarest classes from [\d.]+\s% to [\d.]+\s%/);
  assert.equal(await lab(page).getByTestId('results-table').locator('td.best').count() >= 10, true);
  await lab(page).screenshot({ path: path.join(shots, 'imbalance-compare.png') });

  // The CSV parses and says what the table says.
  const [download] = await Promise.all([page.waitForEvent('download'), lab(page).getByTestId('export-csv').click()]);
  const csvPath = path.join(shots, 'imbalance.csv');
  await download.saveAs(csvPath);
  const lines = fs.readFileSync(csvPath, 'utf8').trim().split('\n').map((l) => l.split(','));
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0].slice(7, 17), ['disc', 'square', 'triangle', 'cross', 'ring', 'striped disc', 'striped square', 'striped triangle', 'striped cross', 'striped ring']);
  for (let r = 0; r < 2; r++) {
    assert.deepEqual(lines[r + 1].slice(7, 17).map(Number), rows[r].slice(1, 11), `row ${r}`);
  }
  assert.equal(lines[1][0], 'ce');
  assert.equal(lines[2][0], 'cb-focal');

  const [markdown] = await Promise.all([page.waitForEvent('download'), lab(page).getByTestId('export-md').click()]);
  const mdPath = path.join(shots, 'imbalance.md');
  await markdown.saveAs(mdPath);
  assert.match(fs.readFileSync(mdPath, 'utf8'), /^\| loss \| lr \| disc \|/);

  // The accuracy chart's PNG button names its chart and saves a PNG image.
  const pngButton = lab(page).getByTestId('results-chart-png');
  assert.equal(await pngButton.textContent(), 'Accuracy PNG');
  const [png] = await Promise.all([page.waitForEvent('download'), pngButton.click()]);
  assert.equal(png.suggestedFilename(), 'lectern-per-class-accuracy.png');
  const pngPath = path.join(shots, 'imbalance-accuracy-export.png');
  await png.saveAs(pngPath);
  assert.deepEqual([...fs.readFileSync(pngPath).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

  // A reload keeps the table.
  await page.reload();
  await page.getByTestId('notebook').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2);
  assert.deepEqual(await tableRows(page), rows);
  await lab(page).getByTestId('results-clear').click();
  await until(() => lab(page).getByTestId('results-table').count(), (n) => n === 0, 'Clear empties the table');
  await context.storageState();
  await close();
});

test('imbalance: bad URL values are explained and replaced by the defaults; bad knobs stop nothing silently', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&beta=1.5&loss=hinge&imbalance=0.5');
  await ready(page);
  const notes = (await lab(page).getByTestId('run-note').allTextContents()).join(' | ');
  assert.match(notes, /beta=1\.5 in the URL: β must be in \[0, 1\), got 1\.5; using 0\.9999/);
  assert.match(notes, /loss=hinge/);
  assert.match(notes, /imbalance=0\.5/);
  assert.equal(await lab(page).getByTestId('beta-input').inputValue(), '0.9999');
  assert.equal(await lab(page).getByTestId('loss-select').inputValue(), 'cb-focal');
  await lab(page).getByTestId('gamma-input').fill('-1');
  await expectText(lab(page).locator('.field-error').first(), /γ must be in 0–10, got -1/);
  await expectEnabled(lab(page).getByTestId('run-start'), false, 'Run refuses γ = -1');
  await lab(page).getByTestId('gamma-input').fill('1');
  await expectEnabled(lab(page).getByTestId('run-start'), true, 'Run takes γ = 1');
  await lab(page).getByTestId('sweep-input').fill(' , ');
  await expectText(lab(page).locator('.sweep .field-error'), /empty/);
  await expectEnabled(lab(page).getByTestId('sweep-start'), false, 'the sweep refuses an empty list');
  await lab(page).getByTestId('per-class-input').fill('900');
  await waitForText(page, 'run-note', /has 500 training images, 900 were asked for/, 30_000, 'imbalance');
  await lab(page).screenshot({ path: path.join(shots, 'imbalance-bad-input.png') });
  await close();
});
