// End-to-end: data-parallel training in the page. `?workers=2` trains each batch in two shards,
// one in the compute worker and one in a helper worker it starts; the run says so, learns, and
// when its helper dies, a new one takes over and the run goes on. The paper's bias test of that
// model, scored in two workers' shares, gives `lectern paper`'s figures (one worker) exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  setup, open, backendBadge, cell, waitForText, textIn, text, percentOf, shots, until, lectern, tempDir,
} from './helpers.mjs';

setup();

const cn = (page) => cell(page, 'convnet');

async function start(page) {
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await cn(page).getByTestId('train-start').click();
}

/** The page's helper workers (nested in the compute worker), by their names. */
async function helpers(page) {
  const named = await Promise.all(page.workers().map(async (w) => {
    try {
      return [w, await w.evaluate(() => self.name)];
    } catch {
      return [w, ''];
    }
  }));
  return named.filter(([, name]) => name.startsWith('lectern-helper')).map(([w]) => w);
}

test('workers=2: each batch in two workers; the run says so and learns', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=2&workers=2');
  await start(page);
  await waitForText(page, 'run-backend', /2 workers/, 120_000, 'convnet');
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  const accuracy = percentOf(await textIn(cn(page), 'test-acc'));
  assert.ok(accuracy > 10, `above chance after two epochs in two workers: ${accuracy} %`);
  assert.equal(await cn(page).getByTestId('per-class-table').locator('tbody tr').count(), 10);
  assert.equal(await cn(page).getByTestId('run-note').count(), 0, 'no note: the helper started');
  await cn(page).screenshot({ path: path.join(shots, 'workers-two.png') });
  await close();
});

test('workers=2: a helper that dies is replaced, and the run goes on', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=30&workers=2', undefined, {
    tolerate: [/test: the helper crashed/],
  });
  await start(page);
  await waitForText(page, 'run-backend', /2 workers/, 120_000, 'convnet');
  const [helper] = await until(() => helpers(page), (list) => list.length === 1, 'one helper worker', 60_000);
  await helper.evaluate(() => setTimeout(() => { throw new Error('test: the helper crashed'); }));
  await waitForText(page, 'run-note', /A helper worker failed .*New helpers took over/, 60_000, 'convnet');
  const epoch = async () => Number(/^(\d+)/.exec(await textIn(cn(page), 'epoch-counter'))[1]);
  const then = await epoch();
  await until(epoch, (e) => e >= then + 1, 'an epoch more after the new helper took over', 120_000);
  assert.match(await textIn(cn(page), 'run-status'), /Training/);
  await cn(page).getByTestId('train-stop').click();
  await waitForText(page, 'run-status', /Stopped/, 60_000, 'convnet');
  await close();
});

test('workers=2: the paper\'s bias test in two workers\' shares gives `lectern paper`\'s figures', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=1&width=8,16&per_class=60&batch=32&workers=2');
  await start(page);
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  assert.match(await textIn(cn(page), 'run-backend'), /2 workers/);
  const [download] = await Promise.all([page.waitForEvent('download'), cn(page).getByTestId('model-save').click()]);
  const model = path.join(tempDir(), 'two-workers.bin');
  await download.saveAs(model);
  await page.getByTestId('section-paper').scrollIntoViewIfNeeded();
  await page.getByTestId('paper-run').click();
  await waitForText(page, 'shape-share', /%/, 240_000);
  const cli = JSON.parse(lectern(['paper', '--model', model, '--data', 'toy', '--json']));
  assert.equal(Number((await text(page, 'pairs-count')).replace(/,/g, '')), cli.pairs);
  assert.equal(percentOf(await text(page, 'shape-share')), Number((100 * cli.shape_share).toFixed(1)));
  assert.equal(percentOf(await text(page, 'hit-rate')), Number((100 * cli.hit_rate).toFixed(1)));
  await close();
});
