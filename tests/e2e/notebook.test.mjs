// End-to-end: the built notebook (dist/) in headless Debian Chromium, driven like a student would.
// Any console error or warning, or uncaught exception, from the page or its worker fails the test.
// Screenshots go to target/e2e-screenshots/ — look at them.
//
// Run by `make test-e2e` (which builds dist/ first): node --test tests/e2e/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  setup, open, backendBadge, activeCell, text, canvasColours, shots, until, expectText, expectEnabled,
} from './helpers.mjs';

setup();

test('the notebook shows four cells in order and picks the CPU over a software GPU', async () => {
  const { page, close, wasm } = await open();
  const sections = await page.locator('main > section').evaluateAll((els) => els.map((e) => e.dataset.testid));
  assert.deepEqual(sections, ['section-theory', 'section-convnet', 'section-imbalance', 'section-paper']);
  for (const id of sections) {
    assert.ok((await page.getByTestId(id).locator('h2').textContent()).length > 5);
    assert.ok((await page.getByTestId(id).locator('.intro').textContent()).length > 80);
  }
  const badge = await backendBadge(page);
  // Headless Chromium's only adapter is SwiftShader, a fallback adapter: automatic means CPU.
  assert.equal(badge, 'CPU · burn-ndarray');
  await expectText(page.getByTestId('status-note').first(), /software/);
  await expectText(page.getByTestId('probe-detail'), /^64×64 matmul and an autodiff gradient checked in (< 0\.1|[\d.]+) ms, (exact to the last bit|max error \d)/);
  // Only the small CPU-only worker bundle was downloaded, never the WebGPU one.
  assert.deepEqual(wasm.filter((w) => w.startsWith('worker')), ['worker_cpu_bg.wasm']);
  await page.screenshot({ path: path.join(shots, 'notebook-default.png'), fullPage: true });
  await close();
});

test('?backend=webgpu runs the probe on WebGPU, even on the fallback adapter', async () => {
  const { page, close, wasm } = await open('?backend=webgpu');
  const badge = await backendBadge(page);
  assert.match(badge, /^WebGPU · .+ \(fallback\)$/);
  assert.deepEqual(wasm.filter((w) => w.startsWith('worker')), ['worker_bg.wasm']);
  await expectText(page.getByTestId('probe-detail'), /(exact to the last bit|max error \d)/);
  assert.equal(await page.getByTestId('status-note').count(), 0);
  await page.screenshot({ path: path.join(shots, 'backend-webgpu.png') });
  await close();
});

test('?backend=cpu uses burn-ndarray without a note', async () => {
  const { page, close, wasm } = await open('?backend=cpu');
  assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
  assert.equal(await page.getByTestId('status-note').count(), 0);
  assert.deepEqual(wasm.filter((w) => w.startsWith('worker')), ['worker_cpu_bg.wasm']);
  await close();
});

test('a bad ?backend value is explained on the page, and the notebook still runs', async () => {
  const { page, close } = await open('?backend=quantum');
  assert.match(await backendBadge(page), /^CPU/);
  const notes = await page.getByTestId('status-note').allTextContents();
  assert.ok(notes.some((n) => n.includes('quantum') && n.includes('backend=webgpu')), notes.join(' | '));
  await page.screenshot({ path: path.join(shots, 'bad-url-parameter.png') });
  await close();
});

test('keys move between cells, the contents follow, and t switches to large type', async () => {
  const { page, close } = await open('?backend=cpu');
  await backendBadge(page);
  await until(() => activeCell(page), (c) => c === 'section-theory', 'the active cell is section-theory');
  await page.keyboard.press('j');
  await until(() => activeCell(page), (c) => c === 'section-convnet', 'the active cell is section-convnet');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('j'); // stays on the last cell
  await until(() => activeCell(page), (c) => c === 'section-paper', 'the active cell is section-paper');
  await page.keyboard.press('k');
  await until(() => activeCell(page), (c) => c === 'section-imbalance', 'the active cell is section-imbalance');
  await expectText(page.locator('.toc li.active'), /Class imbalance/);
  await page.keyboard.press('1');
  await until(() => activeCell(page), (c) => c === 'section-theory', 'the active cell is section-theory');
  await page.keyboard.press('2');
  await until(() => activeCell(page), (c) => c === 'section-convnet', 'the active cell is section-convnet');
  // The keys are documented on the page.
  await expectText(page.getByTestId('key-help'), /j \/ k.*next \/ previous cell/);

  const fontSize = () => page.getByTestId('notebook').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  const normal = await fontSize();
  await page.keyboard.press('t');
  await until(fontSize, (size) => size > normal * 1.3, 'large type is larger');
  await page.waitForTimeout(600); // let the smooth scroll settle
  await page.screenshot({ path: path.join(shots, 'large-type-convnet.png') });
  await page.getByTestId('large-type').click();
  await until(fontSize, (size) => size === normal, 'normal type again');
  await close();
});

test('the layout reads on a small laptop screen', async () => {
  const { page, close } = await open('?backend=cpu', { width: 800, height: 700 });
  await backendBadge(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 800, `no horizontal scrolling (${width}px wide)`);
  await page.screenshot({ path: path.join(shots, 'narrow-800px.png') });
  await close();
});

// ---------------------------------------------------------------- the theory cell

test('theory: step through x0 = −1 by keyboard to the tangent line 1.5x + 3, checked by autodiff', async () => {
  const { page, close } = await open('?backend=cpu');
  await backendBadge(page);
  await page.getByTestId('preset--1').click();
  await page.keyboard.press('1');
  await expectText(page.getByTestId('step-index'), 'Step 1 of 9');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expectText(page.getByTestId('h-value'), '1.5');
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expectText(page.getByTestId('step-index'), 'Step 9 of 9');
  await expectText(page.getByTestId('tangent-slope'), '1.5');
  await expectText(page.getByTestId('tangent-intercept'), '3');
  await expectText(page.getByTestId('tangent-line'), '1.5x + 3');
  // The first layer's unit 1 is off at x0 = −1: greyed in the ReLU step.
  assert.equal(await page.locator('li[data-step="2"] mtr.inactive').count(), 2);
  await page.waitForFunction(() => /matches the chain rule/.test(document.querySelector('[data-testid="autodiff-slope"]').textContent));
  await expectText(page.getByTestId('autodiff-slope'), /^Burn autodiff on CPU · burn-ndarray: h = 1\.500, dh\/dx = 1\.500/);
  assert.ok((await canvasColours(page, 'theory-plot')) > 20, 'the plot is drawn');
  await page.getByTestId('section-theory').screenshot({ path: path.join(shots, 'theory-x0-minus-1.png') });
  await page.keyboard.press('ArrowLeft');
  await expectText(page.getByTestId('step-index'), 'Step 8 of 9');
  await close();
});

test('theory: the three assignment points and a kink, typed into x0', async () => {
  const { page, close } = await open('?backend=cpu&step=8');
  await backendBadge(page);
  for (const [x0, w, b] of [['2', '6', '3'], ['1', '6', '3'], ['-1', '1.5', '3']]) {
    await page.getByTestId('x0-input').fill(x0);
    await expectText(page.getByTestId('tangent-slope'), w, `x0 = ${x0}`);
    await expectText(page.getByTestId('tangent-intercept'), b, `x0 = ${x0}`);
  }
  await page.getByTestId('x0-input').fill('0');
  await expectText(page.getByTestId('kink-note'), /kink.*left: 1\.5, from the right: 6/);
  // Enter leaves the field; the arrow keys step again.
  await page.getByTestId('x0-input').press('Enter');
  await page.keyboard.press('ArrowRight');
  await expectText(page.getByTestId('step-index'), 'Step 9 of 9');
  await page.waitForFunction(() => /one-sided slope/.test(document.querySelector('[data-testid="autodiff-slope"]').textContent));
  await page.getByTestId('x0-input').fill('abc');
  await expectText(page.locator('.number-field .field-error').first(), /“abc” is not a number/);
  assert.ok(await page.getByTestId('kink-note').isVisible(), 'the last good x0 stays');
  await close();
});

test('theory: ?x0=-1&step=7 opens that step; bad values are explained', async () => {
  let { page, close } = await open('?backend=cpu&x0=-1&step=7');
  await expectText(page.getByTestId('step-index'), 'Step 7 of 9');
  assert.equal(await page.getByTestId('x0-input').inputValue(), '-1');
  await close();
  ({ page, close } = await open('?backend=cpu&x0=banana&step=42'));
  await backendBadge(page);
  const notes = (await page.getByTestId('status-note').allTextContents()).join(' | ');
  assert.match(notes, /banana/);
  assert.match(notes, /from 1 to 9/);
  await expectText(page.getByTestId('step-index'), 'Step 1 of 9');
  await close();
});

test('theory: check my work names the student\'s first slip', async () => {
  const { page, close } = await open('?backend=cpu');
  await page.getByTestId('check-example-1').click();
  await page.getByTestId('check-work-submit').click();
  await expectText(page.getByTestId('check-work-result'), 'First slip — z² second row: 2·0 + 1·0.5 + 1 = 1.5, you wrote 2.5.');
  await page.getByTestId('check-example-2').click();
  await page.getByTestId('check-z2a').fill('7');
  await page.getByTestId('check-z2b').fill('9');
  await page.getByTestId('check-work-submit').click();
  await expectText(page.getByTestId('check-work-result'), 'All 11 values you gave are right.');
  await page.getByTestId('check-h').fill('fifteen');
  await page.getByTestId('check-work-submit').click();
  await expectText(page.getByTestId('check-work-result'), /“fifteen” is not a number/);
  await expectText(page.getByTestId('positivity-claim'), /fails for −2 < x < 0: at x₀ = −1, y¹₁ = 0/);
  await page.getByTestId('check-work').screenshot({ path: path.join(shots, 'theory-check-work.png') });
  await close();
});

test('theory: editing a weight redraws and re-derives; a bad weight is refused', async () => {
  const { page, close } = await open('?backend=cpu&step=8');
  await backendBadge(page);
  // Edit once the cell has settled (the worker's autodiff check of the default weights is shown).
  await expectText(page.getByTestId('autodiff-slope'), /dh\/dx = 6\.000/);
  const w1 = page.getByTestId('weight-0');
  await w1.fill('1, 1');
  await w1.press('Enter');
  // x0 = 2: z¹ = (2, 3), z² = (8, 8), h = 15, h′ = (1,1)·W²·(1,1)ᵀ = 6.
  await expectText(page.getByTestId('tangent-slope'), '6');
  await page.getByTestId('x0-input').fill('-0.5');
  // z¹ = (−0.5, 0.5): unit 1 off; slope = (1,1)·W²·(0,1)ᵀ = 3, h = 1.5 + 1 + 0.5 − 1 = 2.
  await expectText(page.getByTestId('tangent-slope'), '3');
  // Text typed but not applied yet survives re-renders of the cell (another x₀ and the worker's
  // autodiff reply to it), the focus staying in the field.
  await w1.fill('1, x');
  await page.evaluate(() => document.querySelector('[data-testid="preset-1"]').click());
  await expectText(page.getByTestId('tangent-slope'), '6');
  await expectText(page.getByTestId('autodiff-slope'), /dh\/dx = 6\.000/);
  assert.equal(await w1.inputValue(), '1, x');
  assert.equal(await page.locator('.weights .field-error').count(), 0);
  await w1.press('Enter');
  await expectText(page.locator('.weights .field-error'), /W¹: “x” is not a number; the weights were not changed/);
  await expectText(page.getByTestId('tangent-slope'), '6');
  assert.equal(await w1.inputValue(), '1, x');
  // The plot's range: a reversed range is explained, a good one redraws.
  await page.getByTestId('range-to').fill('-5');
  await expectText(page.locator('.range .field-error'), /needs from < to \(now -4 to -5\)/);
  await page.getByTestId('range-to').fill('5');
  await until(() => page.locator('.range .field-error').count(), (n) => n === 0, 'the range error goes');
  assert.ok((await canvasColours(page, 'theory-plot')) > 20);
  await close();
});

test('theory: dead ReLUs — negative biases kill the network, BatchNorm brings it back', async () => {
  const { page, close } = await open('?backend=cpu');
  await backendBadge(page);
  const section = page.getByTestId('dead-relu');
  await section.getByRole('button', { name: 'Biases at −3', exact: true }).click();
  assert.equal(await page.getByTestId('dead-bias-init').inputValue(), '-3');
  await page.getByTestId('dead-relu-run').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="dead-relu-result"]'));
  let result = await text(page, 'dead-relu-result');
  assert.match(result, /hidden layer 2.*16 \/ 16 \(100 %\)/s);
  assert.match(result, /Training loss 0\.693 → 0\.693/);
  await page.getByTestId('dead-batch-norm').check();
  await page.getByTestId('dead-relu-run').click();
  await page.waitForFunction(() => /BatchNorm on/.test(document.querySelector('[data-testid="dead-relu-result"]').textContent));
  result = await text(page, 'dead-relu-result');
  assert.match(result, /hidden layer 1\s*0 \/ 16 \(0 %\)/);
  // An out-of-range knob is explained and the run refused.
  await page.getByTestId('dead-learning-rate').fill('0');
  await expectText(section.locator('.field-error'), /learning rate must be in 0.0001–10, got 0/);
  await expectEnabled(page.getByTestId('dead-relu-run'), false, 'Run refuses a learning rate of 0');
  await section.screenshot({ path: path.join(shots, 'theory-dead-relu.png') });
  await close();
});
