// End-to-end: the worker's lanes, as a class meets them. The ConvNet cell's Pause is answered
// while the paper cell trains its two comparison models (it used to wait for the whole
// comparison: 93.8 s in this very scenario), the ConvNet run resumes while the comparison goes
// on, and the comparison's Cancel ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, open, backendBadge, cell, text, textIn, shots, waitForText } from './helpers.mjs';

setup();

const cn = (page) => cell(page, 'convnet');

test('control: the ConvNet cell pauses and resumes while the paper cell trains its comparison', async () => {
  // The most epochs (200) at the default widths: the ConvNet run is still under way when the
  // comparison starts on an idle, fast machine too (40 epochs of a 4,8 net once ended first),
  // and the comparison trains two models of as many epochs, so it is under way for minutes.
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=200&per_class=100&batch=32');
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await cn(page).getByTestId('train-start').click();
  await waitForText(page, 'epoch-counter', /^[1-9]\d* \/ 200$/, 240_000, 'convnet');

  await page.getByTestId('section-paper').scrollIntoViewIfNeeded();
  await page.getByTestId('paper-compare').click();
  await waitForText(page, 'paper-progress', /training/, 60_000, 'paper');

  // Generous limits: on a loaded machine the page itself answers a click slowly while two runs
  // report to it. Before the lanes, the Pause waited for both comparison runs (minutes).
  await cn(page).getByTestId('train-pause').click({ timeout: 120_000 });
  await waitForText(page, 'run-status', /Paused/, 120_000, 'convnet');
  assert.match(await text(page, 'paper-progress'), /training/, 'the comparison is still under way');
  const paused = await textIn(cn(page), 'batch-counter');
  await page.waitForTimeout(1500);
  assert.equal(await textIn(cn(page), 'batch-counter'), paused, 'no batch after Pause');

  await cn(page).getByTestId('train-pause').click({ timeout: 120_000 }); // Resume
  await page.waitForFunction(
    (before) => document.querySelector('[data-testid="section-convnet"] [data-testid="batch-counter"]')?.textContent !== before,
    paused,
    { timeout: 120_000 },
  );
  assert.match(await text(page, 'paper-progress'), /training/, 'both train side by side');
  await page.getByTestId('section-paper').screenshot({ path: path.join(shots, 'control-side-by-side.png') });

  await page.getByTestId('paper-cancel').click({ timeout: 120_000 });
  await waitForText(page, 'paper-note', /cancelled/, 120_000, 'paper');
  await close();
});
