// End-to-end: accessibility. axe-core (npm, WCAG 2.0–2.2 A and AA rules) audits every state a
// class sees: the fresh page, large type, a refused input, after a toy ConvNet run, after a toy
// compare in the imbalance lab, after the paper experiment, and with every chart's numbers shown.
// Any violation fails the test, with the rule, its impact and the first nodes named. What a screen
// reader gets for each chart (name, summary, table) is asserted, and the training cells are
// driven by keyboard alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setup, open, backendBadge, cell, shots, waitForText, expectEnabled } from './helpers.mjs';

setup();

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** The page's axe violations, one line each: rule (impact): the first three nodes. */
async function violations(page) {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
  // govern: the site itself never carries axe.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}) on ${v.nodes.length} node(s): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`).join(' | ')}`);
  }, TAGS);
}

/**
 * What a screen reader is given for the chart `testid`: its accessibility tree (Playwright's
 * aria snapshot) with the numbers' table opened, as a keyboard user opens it (Enter on its toggle).
 */
async function spokenChart(page, testid, scope = page) {
  const figure = scope.locator(`figure:has(> canvas[data-testid="${testid}"])`).first();
  await figure.locator('details > summary').focus();
  await page.keyboard.press('Enter');
  await figure.locator('details[open] table').waitFor();
  const tree = await figure.ariaSnapshot();
  await page.keyboard.press('Enter');
  return tree;
}

async function audit(page, state, found) {
  const list = await violations(page);
  console.log(`AXE ${state}: ${list.length} rule(s) violated`);
  found.push(...list.map((v) => `${state}: ${v}`));
  await page.screenshot({ path: path.join(shots, `a11y-${state.replace(/\W+/g, '-')}.png`), fullPage: false });
}

test('a11y: axe finds no WCAG A/AA violation in any state a class sees', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=2&width=4,8&per_class=60&batch=32&imbalance=10');
  const found = [];
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await audit(page, 'fresh', found);
  const theory = await spokenChart(page, 'theory-plot');
  assert.match(theory, /img "Plot of h\(x\) with its kinks and tangent lines"/);
  assert.match(theory, /h\(x\) from x = −4 to 3: kinks at x = −2, 0; at x₀ = 2, h = 15 and the tangent is 6x \+ 3\./);
  assert.match(theory, /row "2 \(x₀\) 15"/);

  await page.getByTestId('large-type').click();
  await audit(page, 'large type', found);
  await page.getByTestId('large-type').click();

  const convnet = cell(page, 'convnet');
  await convnet.getByTestId('epochs-input').fill('1e38');
  await convnet.locator('.field-error').first().waitFor();
  await convnet.scrollIntoViewIfNeeded();
  await audit(page, 'a refused input', found);
  await convnet.getByTestId('epochs-input').fill('2');

  await convnet.getByTestId('train-start').click();
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  await convnet.getByTestId('results').scrollIntoViewIfNeeded();
  await audit(page, 'after a toy run', found);
  const losses = await spokenChart(page, 'loss-plot');
  assert.match(losses, /img "Training loss of every batch and its moving average"/);
  assert.match(losses, /Loss \d+\.\d{3} \(moving average\) after batch [\d,]+ of [\d,]+; it started at \d+\.\d{3}\./);
  assert.match(losses, /row "2 \d+\.\d{3} \d+\.\d{3}"/, 'a row per epoch');
  const accuracy = await spokenChart(page, 'acc-plot');
  assert.match(accuracy, /After epoch 2 of 2: test accuracy [\d.]+ %, training [\d.]+ %; best test accuracy [\d.]+ % \(epoch [12]\)\./);
  assert.match(accuracy, /row "1 [\d.]+ % [\d.]+ %"/);

  const lab = cell(page, 'imbalance');
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'imbalance');
  await lab.getByTestId('compare-start').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });
  await lab.getByTestId('results-table').scrollIntoViewIfNeeded();
  await audit(page, 'after a compare', found);
  const histogram = await spokenChart(page, 'class-histogram', lab);
  assert.match(histogram, /training images: highest 100 \(disc\), lowest 10 \(striped ring\)\./);
  const weights = await spokenChart(page, 'cb-weights-plot', lab);
  assert.match(weights, /Weights from [\d.]+ for striped ring \(10 images\) down to [\d.]+ for disc \(100 images\)\./);
  const results = await spokenChart(page, 'results-chart', lab);
  assert.match(results, /highest [\d.]+ % \(/);
  // The results table's best values are bold and shaded, and said in words.
  assert.match(await lab.getByTestId('results-table').ariaSnapshot(), /cell "[\d.]+ \(best\)"/);

  await page.getByTestId('section-paper').scrollIntoViewIfNeeded();
  await page.getByTestId('paper-run').click();
  await waitForText(page, 'shape-share', /%/, 240_000);
  await audit(page, 'after the paper experiment', found);
  await page.evaluate(() => document.querySelectorAll('details.chart-data').forEach((d) => { d.open = true; }));
  await audit(page, 'every chart\'s numbers shown', found);

  assert.deepEqual(found, [], 'axe-core found WCAG A/AA violations');
  await close();
});

/**
 * Presses `key` with the page's focus where the last key left it (no mouse anywhere); with
 * `button` (a cell's and a test id), once that button can be pressed, as a person would wait.
 */
async function press(page, key, button = null) {
  if (button) await expectEnabled(cell(page, button[0]).getByTestId(button[1]), true, `${button[1]} enabled`);
  await page.keyboard.press(key);
  if (/^[1-9]$/.test(key)) {
    // A cell's number: the page renders it active before its keys are its own (as a person sees
    // the cell marked before pressing the next key).
    await page.waitForFunction((n) => document.querySelectorAll('section.cell')[n - 1]?.dataset.active === 'true', Number(key));
  }
}

test('a11y: a toy run, a compare and the paper experiment by keyboard alone; the key help lists each cell\'s keys', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=2&width=4,8&per_class=60&batch=32&imbalance=10');
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  const help = await page.getByTestId('key-help').textContent();
  for (const words of ['Space', 'start, pause, resume', 'one batch', 'compare', 'sweep β']) {
    assert.ok(help.includes(words), `the key help names "${words}": ${help}`);
  }

  await press(page, '2');
  await page.waitForSelector('[data-testid="section-convnet"][data-active="true"]');
  await press(page, 'Space', ['convnet', 'train-start']);
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');

  await press(page, '3');
  await page.waitForSelector('[data-testid="section-imbalance"][data-active="true"]');
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'imbalance');
  await press(page, 'c', ['imbalance', 'compare-start']);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });

  await press(page, '4');
  await page.waitForSelector('[data-testid="section-paper"][data-active="true"]');
  await press(page, 'Space', ['paper', 'paper-run']);
  await waitForText(page, 'shape-share', /%/, 240_000);
  await page.getByTestId('section-paper').screenshot({ path: path.join(shots, 'a11y-keyboard-paper.png') });

  // Tab reaches the controls, each with a visible focus ring.
  for (let i = 0; i < 6; i += 1) {
    await press(page, 'Tab');
    const ring = await page.evaluate(() => {
      const e = document.activeElement;
      const style = getComputedStyle(e);
      return { tag: e.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.ok(ring.outline !== 'none' && ring.width >= 2, `the focused ${ring.tag} shows a ring: ${JSON.stringify(ring)}`);
  }
  await close();
});

test('a11y: a training cell\'s keys pause, step, resume, stop and reset its run; Space on a focused button presses only that button', async () => {
  const { page, close } = await open('?backend=cpu&dataset=toy&epochs=40&width=4,8&per_class=60&batch=32');
  await backendBadge(page);
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  const convnet = cell(page, 'convnet');
  await press(page, '2');
  await press(page, 'Space', ['convnet', 'train-start']);
  await waitForText(page, 'run-status', /Training/, 120_000, 'convnet');
  await press(page, 'Space', ['convnet', 'train-pause']);
  await waitForText(page, 'run-status', /Paused/, 120_000, 'convnet');
  const before = await convnet.getByTestId('batch-counter').textContent();
  await press(page, 's', ['convnet', 'train-step']);
  await page.waitForFunction((b) => document.querySelector('[data-testid="section-convnet"] [data-testid="batch-counter"]').textContent !== b, before, { timeout: 120_000 });
  await waitForText(page, 'run-status', /Paused/, 120_000, 'convnet');
  await press(page, 'Space', ['convnet', 'train-pause']);
  await waitForText(page, 'run-status', /Training/, 120_000, 'convnet');
  await press(page, 'x', ['convnet', 'train-stop']);
  await waitForText(page, 'run-status', /Stopped/, 120_000, 'convnet');
  await press(page, 'r', ['convnet', 'train-reset']);
  await page.waitForFunction(() => !document.querySelector('[data-testid="section-convnet"] [data-testid="run-status"]'), null, { timeout: 60_000 });

  // Space on a focused button presses that button (here: large type), not the cell's Start.
  await page.getByTestId('large-type').focus();
  await press(page, 'Space');
  await page.waitForSelector('[data-testid="large-type"][aria-pressed="true"]');
  await page.waitForTimeout(500);
  assert.equal(await convnet.getByTestId('run-status').count(), 0, 'Space on a focused button did not start a run');
  await close();
});

/** Whether the page scrolls sideways (a wide table scrolling inside its own frame is fine). */
async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test('a11y: projector mode at 1280×720 — every cell\'s type and charts enlarged, nothing sideways; a phone (360 px) and 200 % zoom (640×360 CSS px) scroll only down', async () => {
  for (const [width, height, large, name] of [[1280, 720, true, 'projector'], [360, 740, false, 'phone'], [640, 360, false, 'zoom-200']]) {
    const { page, close } = await open('?backend=cpu&dataset=toy&epochs=2&width=4,8&per_class=60&batch=32&imbalance=10', { width, height });
    await backendBadge(page);
    await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
    const plot = page.getByTestId('theory-plot');
    const normal = await plot.evaluate((c) => c.toDataURL());
    if (large) {
      await press(page, 't');
      await page.waitForSelector('[data-testid="notebook"].large-type');
      // The figures redraw with larger text and lines, not only the HTML around them.
      await page.waitForFunction((before) => document.querySelector('[data-testid="theory-plot"]').toDataURL() !== before, normal);
    }
    await press(page, '2');
    await press(page, 'Space', ['convnet', 'train-start']);
    await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
    await press(page, '3');
    await press(page, 'c', ['imbalance', 'compare-start']);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 2, null, { timeout: 240_000 });
    await press(page, '4');
    await press(page, 'Space', ['paper', 'paper-run']);
    await waitForText(page, 'shape-share', /%/, 240_000);
    await page.evaluate(() => document.querySelectorAll('details.chart-data').forEach((d) => { d.open = true; }));
    assert.equal(await sideways(page), 0, `${name}: the page scrolls sideways`);
    for (const c of ['theory', 'convnet', 'imbalance', 'paper']) {
      await page.getByTestId(`section-${c}`).screenshot({ path: path.join(shots, `a11y-${name}-${c}.png`) });
    }
    await close();
  }
});
