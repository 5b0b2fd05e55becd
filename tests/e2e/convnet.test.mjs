// End-to-end: the ConvNet cell trains in the worker (CPU and WebGPU on SwiftShader), pauses
// within a batch while the page stays responsive, loads a model the CLI trained and shows the
// accuracy `lectern eval` gives, refuses a junk file while keeping its dataset, ignores the test
// fault a URL asks for, and survives a real loss of the GPU device (its GPUDevice destroyed mid-run).
// Screenshots in target/e2e-screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, open, backendBadge, text, textIn, cell, canvasColours, shots, waitForText, percentOf, lectern, tempDir,
  until, expectText, expectEnabled,
} from './helpers.mjs';

setup();

/** The ConvNet cell. */
const cn = (page) => cell(page, 'convnet');

// One epoch of a small network on 30 toy images a class: seconds on the CPU.
const QUICK = 'dataset=toy&epochs=1&width=4,8&per_class=30&batch=32';

async function toyReady(page) {
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
}

/** Trains one epoch on `backend` and checks what a class would look at. */
async function oneEpoch(backend, shot) {
  const { page, close } = await open(`?backend=${backend}&${QUICK}`);
  await backendBadge(page);
  await cn(page).scrollIntoViewIfNeeded();
  await toyReady(page);
  await cn(page).getByTestId('train-start').click();
  await waitForText(page, 'epoch-counter', /^1 \/ 1$/, 240_000, 'convnet');
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  assert.ok((await canvasColours(cn(page), 'loss-plot')) > 10, 'the loss curve is drawn');
  assert.ok((await canvasColours(cn(page), 'acc-plot')) > 10, 'the accuracy curve is drawn');
  const accuracy = percentOf(await textIn(cn(page), 'test-acc'));
  assert.ok(accuracy > 10, `above chance after one epoch: ${accuracy} %`);
  const rows = cn(page).getByTestId('per-class-table').locator('tbody tr');
  assert.equal(await rows.count(), 10);
  assert.match(await rows.first().textContent(), /disc\s*[\d.]+\s*%/);
  assert.equal(await cn(page).getByTestId('confusion-matrix').locator('tbody tr').count(), 10);
  assert.equal(await cn(page).getByTestId('sample-grid').locator('canvas').count(), 30);
  assert.equal(await cn(page).getByTestId('filters').locator('canvas').count(), 4);
  assert.match(await textIn(cn(page), 'run-backend'), backend === 'cpu' ? /^CPU/ : /^WebGPU/);
  assert.match(await textIn(cn(page), 'throughput'), /img\/s/);
  await cn(page).screenshot({ path: path.join(shots, shot) });
  await close();
}

test('convnet: one toy epoch on the CPU — curves, accuracy above chance, per-class results', async () => {
  await oneEpoch('cpu', 'convnet-cpu-one-epoch.png');
});

test('convnet: the same on WebGPU (SwiftShader)', async () => {
  await oneEpoch('webgpu', 'convnet-webgpu-one-epoch.png');
});

test('convnet: the toy defaults train above chance within seconds (timed for the README)', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy');
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  const started = Date.now();
  await cn(page).getByTestId('train-start').click();
  await waitForText(page, 'epoch-counter', /^1 \//, 120_000, 'convnet');
  const firstEpoch = (Date.now() - started) / 1000;
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  const accuracy = percentOf(await textIn(cn(page), 'test-acc'));
  console.log(`TIMING convnet toy defaults: first epoch ${firstEpoch} s, whole run ${(Date.now() - started) / 1000} s, test accuracy ${accuracy} %, ${await textIn(cn(page), 'throughput')}`);
  assert.ok(accuracy > 10, `above chance: ${accuracy} %`);
  await close();
});

test('convnet: Pause stops within a batch and the page answers input meanwhile; Step trains one batch', async () => {
  // Epochs enough that the run is still going when Pause is pressed (the CPU path trains the toy
  // set in seconds now); Stop ends it.
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=30&width=8,16&per_class=200&batch=32');
  await backendBadge(page);
  await toyReady(page);
  await cn(page).getByTestId('train-start').click();
  await waitForText(page, 'batch-counter', /in all/, 120_000, 'convnet');
  await page.waitForFunction(() => /\d+ in all/.test(document.querySelector('[data-testid="batch-counter"]').textContent)
    && Number(/(\d+) in all/.exec(document.querySelector('[data-testid="batch-counter"]').textContent)[1]) >= 3);
  // The page answers while the worker trains: the theory cell re-derives at once.
  await page.getByTestId('x0-input').fill('-1');
  await page.keyboard.press('Enter');
  await page.getByTestId('step-next').click();
  await expectText(page.getByTestId('step-index'), 'Step 2 of 9');
  await cn(page).getByTestId('train-pause').click();
  await waitForText(page, 'run-status', /Paused/, 30_000, 'convnet');
  const batches = () => textIn(cn(page), 'batch-counter');
  const paused = await batches();
  await page.waitForTimeout(1500);
  assert.equal(await batches(), paused, 'no batch after Pause');
  const before = Number(/(\d+) in all/.exec(paused)[1]);
  await cn(page).getByTestId('train-step').click();
  await page.waitForFunction((n) => Number(/(\d+) in all/.exec(document.querySelector('[data-testid="batch-counter"]').textContent)[1]) === n + 1, before);
  await waitForText(page, 'run-status', /Paused/, 120_000, 'convnet');
  await cn(page).getByTestId('train-pause').click(); // Resume
  await waitForText(page, 'run-status', /Training|Finished/, 120_000, 'convnet');
  await cn(page).getByTestId('train-stop').click();
  await waitForText(page, 'run-status', /Stopped|Finished/, 120_000, 'convnet');
  await cn(page).getByTestId('train-reset').click();
  await until(() => cn(page).getByTestId('epoch-counter').count(), (n) => n === 0, 'Reset clears the run');
  await close();
});

test('convnet: a model trained by `lectern train` loads and shows the accuracy `lectern eval` gives', async () => {
  const dir = tempDir();
  const model = path.join(dir, 'cli-model.bin');
  lectern(['train', '--data', 'toy', '--per-class', '40', '--epochs', '2', '--width', '4,8', '--save', model]);
  const evaluated = JSON.parse(lectern(['eval', '--model', model, '--data', 'toy', '--json']));
  const { page, close } = await open('?backend=cpu&dataset=toy');
  await backendBadge(page);
  await toyReady(page);
  await cn(page).getByTestId('model-load').setInputFiles(model);
  const headline = await waitForText(page, 'final-accuracy', /Test accuracy/, 120_000, 'convnet');
  assert.equal(percentOf(headline), Number((100 * evaluated.accuracy).toFixed(1)), headline);
  assert.match(headline, /loaded from cli-model\.bin/);
  const rows = cn(page).getByTestId('per-class-table').locator('tbody tr td.num');
  for (let c = 0; c < 10; c++) {
    assert.equal(percentOf(await rows.nth(c).textContent()), Number((100 * evaluated.per_class_accuracy[c]).toFixed(1)));
  }
  await cn(page).screenshot({ path: path.join(shots, 'convnet-loaded-cli-model.png') });
  // The model saved from the page is the same file format: the CLI scores it the same.
  const [download] = await Promise.all([page.waitForEvent('download'), cn(page).getByTestId('model-save').click()]);
  const saved = path.join(dir, 'from-page.bin');
  await download.saveAs(saved);
  assert.deepEqual(JSON.parse(lectern(['eval', '--model', saved, '--data', 'toy', '--json'])).confusion, evaluated.confusion);
  await close();
});

test('convnet: a model trained on the toy set, loaded over the CIFAR-10 subset, says so and is still evaluated', async () => {
  const dir = tempDir();
  const model = path.join(dir, 'toy-model.bin');
  lectern(['train', '--data', 'toy', '--per-class', '20', '--epochs', '1', '--width', '4,8', '--save', model]);
  const { page, close } = await open('?backend=cpu&dataset=cifar');
  await backendBadge(page);
  await waitForText(page, 'data-status', /site's CIFAR-10 subset .*training images/, 240_000, 'convnet');
  await cn(page).getByTestId('model-load').setInputFiles(model);
  // Was: near-chance accuracy without a word about why.
  const note = await waitForText(page, 'run-note', /This model was trained on/, 120_000, 'convnet');
  assert.match(note, /^This model was trained on the toy set, and .+ is loaded: .*near chance \(1 in 10\); load the toy set to evaluate it\.$/);
  await waitForText(page, 'final-accuracy', /Test accuracy/, 120_000, 'convnet');
  await close();
});

test('convnet: a junk file is refused with the reason, and the toy set stays loaded', async () => {
  const dir = tempDir();
  const junk = path.join(dir, 'holiday.jpg.bin');
  fs.writeFileSync(junk, Buffer.from('this is not CIFAR-10 at all, just some text'));
  const { page, close } = await open('?backend=cpu&dataset=toy');
  await backendBadge(page);
  await toyReady(page);
  await cn(page).getByTestId('dataset-file').setInputFiles(junk);
  const note = await waitForText(page, 'run-note', /holiday\.jpg\.bin/, 120_000, 'convnet');
  assert.match(note, /neither cifar-10-binary\.tar\.gz nor a CIFAR-10 batch file/);
  assert.match(await textIn(cn(page), 'data-status'), /toy shapes/);
  assert.equal(await cn(page).getByTestId('dataset-select').inputValue(), 'toy');
  assert.ok(await cn(page).getByTestId('train-start').isEnabled(), 'the toy set can still train');
  await close();
});

test('convnet: bad knobs are refused in place and bad URL values fall back with a note', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=1e38&lr=banana');
  await backendBadge(page);
  await toyReady(page);
  const notes = (await cn(page).getByTestId('run-note').allTextContents()).join(' | ');
  assert.match(notes, /epochs=1e38 in the URL: epochs must be a whole number in 1–200, got 1e38; using 3/);
  assert.match(notes, /lr=banana/);
  const start = cn(page).getByTestId('train-start');
  const error = cn(page).locator('.field-error').first();
  await cn(page).getByTestId('epochs-input').fill('0');
  await expectText(error, /epochs must be a whole number in 1–200, got 0/);
  await expectEnabled(start, false, 'Start refuses epochs = 0');
  await cn(page).getByTestId('epochs-input').fill('');
  await expectText(error, /empty/);
  await cn(page).getByTestId('epochs-input').fill('-0');
  await expectText(error, /epochs must be a whole number in 1–200, got -?0$/);
  await expectEnabled(start, false, 'Start refuses epochs = -0');
  await cn(page).getByTestId('epochs-input').fill('2');
  await expectEnabled(start, true, 'Start takes epochs = 2');
  assert.equal(await cn(page).locator('.field-error').count(), 0);
  await until(() => page.url(), (u) => /epochs=2/.test(u), 'the knobs live in the URL');
  await cn(page).screenshot({ path: path.join(shots, 'convnet-knobs.png') });
  await close();
});

test('convnet: when WebGPU loses its device mid-run the worker moves to the CPU and the run goes on', async () => {
  const { page, close } = await open(`?backend=webgpu&inject=device-lost&${QUICK.replace('epochs=1', 'epochs=2')}`);
  assert.match(await backendBadge(page), /^WebGPU/);
  const notes = await page.getByTestId('status-note').allTextContents();
  assert.ok(!notes.some((n) => n.startsWith('inject is not a setting')),
    'dist/ has no test faults: build it with LECTERN_TEST_SUPPORT=1 trunk build (make test-e2e does)');
  await toyReady(page);
  await cn(page).getByTestId('train-start').click();
  const note = await waitForText(page, 'run-note', /moved to the CPU/, 240_000, 'convnet');
  assert.match(note, /injected test fault: the GPU device was lost/);
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  assert.match(await textIn(cn(page), 'epoch-counter'), /^2 \/ 2$/);
  assert.match(await text(page, 'backend-badge'), /^CPU/);
  assert.match(await textIn(cn(page), 'run-backend'), /^WebGPU/, 'the run started on WebGPU');
  await cn(page).screenshot({ path: path.join(shots, 'convnet-device-lost.png') });
  await close();
});

// Test-only: the worker's script, served with a few lines before it that keep every GPUDevice
// the worker asks for, so that the test can destroy it as a driver reset or a closed lid loses it.
// Nothing of this is in the site: the page cannot reach the device.
async function keepGpuDevices(context) {
  await context.route(/\/worker_loader\.js(\?|$)/, async (route) => {
    const response = await route.fetch();
    const keep = `(() => {
      const request = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (...args) {
        const device = await request.apply(this, args);
        (self.__testGpuDevices ??= []).push(device);
        return device;
      };
    })();\n`;
    await route.fulfill({ response, body: keep + await response.text() });
  });
}

test('convnet: a real loss of the GPU device mid-run (destroyed) moves the run to the CPU and it goes on', async () => {
  const { page, close } = await open(`?backend=webgpu&${QUICK.replace('epochs=1', 'epochs=2')}`, undefined, {
    before: keepGpuDevices,
  });
  assert.match(await backendBadge(page), /^WebGPU/);
  await toyReady(page);
  await cn(page).getByTestId('train-start').click();
  await waitForText(page, 'epoch-counter', /^1 \/ 2$/, 240_000, 'convnet');
  const destroyed = await until(
    () => Promise.all(page.workers().map((w) => w.evaluate(() => (self.__testGpuDevices ?? []).map((d) => d.destroy()).length))),
    (counts) => counts.reduce((a, b) => a + b, 0) === 1,
    'the worker holds one GPU device',
  );
  assert.equal(destroyed.reduce((a, b) => a + b, 0), 1);
  const note = await waitForText(page, 'run-note', /The GPU was lost/, 240_000, 'convnet');
  assert.match(note, /^The GPU was lost \(it was destroyed.*\)\. Training continues on the CPU \(burn-ndarray\) from the end of epoch 1;/);
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  assert.match(await textIn(cn(page), 'epoch-counter'), /^2 \/ 2$/);
  assert.match(await text(page, 'backend-badge'), /^CPU/);
  assert.match(await textIn(cn(page), 'run-backend'), /^WebGPU/, 'the run started on WebGPU');
  await cn(page).screenshot({ path: path.join(shots, 'convnet-gpu-destroyed.png') });
  await close();
});
