// End-to-end: the notebook on a tablet (a touch screen, portrait 768×1024 and landscape
// 1024×768) in headless Chromium. Every cell, with its results shown, fits the width (no
// horizontal scrolling); a class trains, runs the paper's experiment and compares losses by
// tapping; nothing is shown on hover only. Screenshots: target/e2e-screenshots/tablet-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, open, backendBadge, cell, shots, root, waitForText, textIn, percentOf, expectText,
} from './helpers.mjs';

setup();

const TOUCH = { hasTouch: true, isMobile: true };
// A toy ConvNet epoch (as convnet.test.mjs's QUICK), and the lab's long-tailed toy set.
const QUICK = 'backend=cpu&dataset=toy&epochs=1&width=4,8&per_class=30&batch=32&imbalance=50';

/** Fails if the page scrolls sideways; `where` names the state for the message. */
async function fitsTheWidth(page, where) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${where}: the page scrolls sideways (${scrollWidth} px wide in ${innerWidth} px)`);
}

for (const [name, viewport] of [['portrait', { width: 768, height: 1024 }], ['landscape', { width: 1024, height: 768 }]]) {
  test(`tablet ${name} ${viewport.width}×${viewport.height}: every cell fits the width; training, the paper and the lab work by tapping`, async () => {
    const { page, close } = await open(`?${QUICK}`, viewport, TOUCH);
    assert.match(await backendBadge(page), /^CPU/);
    assert.equal(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), true, 'a touch screen');
    await fitsTheWidth(page, 'on opening');

    // Theory: step by tapping.
    const theory = cell(page, 'theory');
    await theory.getByTestId('step-next').tap();
    await expectText(theory.getByTestId('step-index'), 'Step 2 of 9');
    await fitsTheWidth(page, 'theory');
    await theory.screenshot({ path: path.join(shots, `tablet-${name}-theory.png`) });

    // ConvNet: one toy epoch, started by a tap.
    const convnet = cell(page, 'convnet');
    await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
    await convnet.getByTestId('train-start').tap();
    await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
    assert.ok(percentOf(await textIn(convnet, 'test-acc')) > 10, 'above chance');
    await fitsTheWidth(page, 'convnet with its results');
    await convnet.screenshot({ path: path.join(shots, `tablet-${name}-convnet.png`) });

    // The paper cell, on the model just trained.
    const paper = cell(page, 'paper');
    await paper.getByTestId('paper-run').tap();
    await waitForText(page, 'shape-share', /%/, 240_000, 'paper');
    await fitsTheWidth(page, 'paper with its results');
    await paper.screenshot({ path: path.join(shots, `tablet-${name}-paper.png`) });

    // The imbalance lab: a compare, started by a tap, fills its table.
    const lab = cell(page, 'imbalance');
    await waitForText(page, 'cb-weights-reading', /weighs/, 120_000, 'imbalance');
    await lab.getByTestId('compare-start').tap();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });
    await fitsTheWidth(page, 'imbalance with its results table');
    await lab.screenshot({ path: path.join(shots, `tablet-${name}-imbalance.png`) });
    await close();
  });
}

test('nothing is revealed on hover only: :hover rules change no visibility, and each has a :focus twin', () => {
  const css = fs.readFileSync(path.join(root, 'www', 'styles.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const rules = [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)].filter(([, selector]) => selector.includes(':hover'));
  for (const [, selector, body] of rules) {
    assert.doesNotMatch(body, /\b(display|visibility|opacity|height|max-height|width|pointer-events|clip|clip-path|transform|overflow)\s*:/,
      `${selector.trim()} shows or hides something on hover: a touch screen has no hover`);
    for (const part of selector.split(',').filter((s) => s.includes(':hover'))) {
      assert.ok(selector.includes(part.replace(':hover', ':focus').trim()), `${part.trim()} has no :focus twin`);
    }
  }
});
