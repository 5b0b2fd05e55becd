// End-to-end: the paper cell — after a toy run in the ConvNet cell the experiment fills its
// tables and stimulus grid, σ changes the result, and a checkpoint scored by `lectern paper`
// gives the page's figures exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  setup, open, backendBadge, text, shots, waitForText, percentOf, lectern, tempDir, expectText, expectEnabled,
} from './helpers.mjs';

setup();

async function paperResults(page) {
  await waitForText(page, 'shape-share', /%/, 240_000);
  return {
    share: await text(page, 'shape-share'),
    hits: await text(page, 'hit-rate'),
    pairs: Number((await text(page, 'pairs-count')).replace(/,/g, '')),
    shuffle: await page.getByTestId('shuffle-table').locator('tbody tr').allTextContents(),
  };
}

test('paper: the experiment runs on the model the ConvNet cell just trained; σ changes it', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=2&width=8,16&per_class=60&batch=32');
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await waitForText(page, 'paper-waiting', /Train a model/);
  await page.getByTestId('train-start').click();
  await waitForText(page, 'run-status', /Finished/, 240_000);
  await page.getByTestId('section-paper').scrollIntoViewIfNeeded();
  await page.getByTestId('paper-run').click();
  const first = await paperResults(page);
  assert.ok(first.pairs > 0, 'pairs both classified right');
  assert.equal(first.shuffle.length, 5, 'clean, 2×2, 4×4, 8×8, chance');
  assert.ok((await page.getByTestId('stimulus-grid').locator('canvas').count()) > 0);
  const reading = await text(page, 'paper-reading');
  assert.match(reading, /decisions that followed one of the two cues/);
  assert.match(reading, /not comparable/);
  await page.getByTestId('section-paper').screenshot({ path: path.join(shots, 'paper-experiment.png') });

  await page.getByTestId('sigma-input').fill('3');
  await page.getByTestId('paper-run').click();
  const across = await waitForText(page, 'paper-reading', /At σ = 3,/, 240_000);
  assert.match(across, /Across the σ values tried the share went .* at σ = 1\.5, .* at σ = 3/);
  const second = await paperResults(page);
  assert.notDeepEqual([second.share, second.hits], [first.share, first.hits], 'σ changes the stimuli and the answers');
  await page.getByTestId('sigma-input').fill('9');
  await expectText(page.getByTestId('section-paper').locator('.field-error').first(), /σ must be in 0\.5–4, got 9/);
  await expectEnabled(page.getByTestId('paper-run'), false, 'Run refuses σ = 9');
  await close();
});

test('paper: `lectern paper` on a saved model gives the page\'s figures', async () => {
  const dir = tempDir();
  const model = path.join(dir, 'paper-model.bin');
  lectern(['train', '--data', 'toy', '--per-class', '60', '--epochs', '2', '--width', '8,16', '--save', model]);
  const cli = JSON.parse(lectern(['paper', '--model', model, '--data', 'toy', '--json']));
  const { page, close } = await open('?backend=cpu&dataset=toy');
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await waitForText(page, 'paper-waiting', /Train a model/);
  await page.getByTestId('section-paper').scrollIntoViewIfNeeded();
  await page.getByTestId('paper-model-file').setInputFiles(model);
  const page_ = await paperResults(page);
  assert.equal(page_.pairs, cli.pairs);
  assert.equal(percentOf(page_.share), Number((100 * cli.shape_share).toFixed(1)));
  assert.equal(percentOf(page_.hits), Number((100 * cli.hit_rate).toFixed(1)));
  const clean = percentOf(page_.shuffle[0]);
  assert.equal(clean, Number((100 * cli.clean_accuracy).toFixed(1)));
  for (const [i, grid] of ['2', '4', '8'].entries()) {
    assert.equal(percentOf(page_.shuffle[i + 1]), Number((100 * cli.patch_shuffle[grid]).toFixed(1)), `${grid}×${grid}`);
  }
  await close();
});
