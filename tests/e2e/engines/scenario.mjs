// The cross-engine scenario: one short path through every cell of the built notebook, the same in
// each browser engine (firefox.mjs, webkit.mjs give it a thin driver). No engine here offers
// WebGPU, so the page must settle on the CPU. Any error the page reports fails a test; downloads
// are caught by page-hooks.js. Screenshots: target/e2e-screenshots/<engine>-<cell>.png, and
// <engine>-tablet-<cell>.png at 768×1024.
//
// A driver's page: evaluate(fn, ...args) runs fn in the page and returns its (awaited, JSON)
// value; click(selector) and type(text) act as a user would (real input events); screenshot(
// selector, file); resize(width, height) sets the viewport; problems() lists what the engine
// itself reported (console, uncaught errors); close().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist } from '../server.mjs';
import { shots, lectern, tempDir, percentOf } from '../helpers.mjs';

const hooks = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'page-hooks.js'), 'utf8');

// One epoch of a small network on 30 toy images a class (as convnet.test.mjs's QUICK).
const QUICK = 'backend=cpu&dataset=toy&epochs=1&width=4,8&per_class=30&batch=32';

const cellOf = (name) => `[data-testid="section-${name}"]`;
const id = (testid, cell = null) => `${cell ? cellOf(cell) + ' ' : ''}[data-testid="${testid}"]`;

/** Polls `fn(...args)` in the page until it returns something truthy; returns that. */
async function waitFor(page, what, fn, args = [], timeout = 120_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await page.evaluate(fn, ...args);
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until the element `selector` has text matching `pattern`; returns the trimmed text. */
async function waitForText(page, selector, pattern, timeout = 120_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await page.evaluate((sel) => document.querySelector(sel)?.textContent.trim() ?? null, selector);
    if (last !== null && pattern.test(last)) return last;
    if (Date.now() > deadline) assert.fail(`${selector} matching ${pattern}: not within ${timeout} ms; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Clicks the control `selector` once it is enabled (a student waits for a greyed-out button). */
async function click(page, selector) {
  await waitFor(page, `${selector} enabled`, (sel) => {
    const control = document.querySelector(sel);
    return !!control && !control.disabled;
  }, [selector], 120_000);
  await page.click(selector);
}

/** Replaces the text of the field `selector` by typing `text`, as a student would. */
async function fill(page, selector, text) {
  await click(page, selector);
  await page.evaluate((sel) => document.querySelector(sel).select(), selector);
  await page.type(text);
}

/** How many distinct colours the canvas `selector` shows (a blank one shows one). */
function canvasColours(page, selector) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(sel);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return seen.size;
  }, selector);
}

/** The download named `name` that page-hooks.js caught, as bytes (fails on a failed one). */
async function download(page, name) {
  const file = await waitFor(page, `the download ${name}`,
    (n) => window.__lecternTest.downloads.find((d) => d.name === n), [name], 30_000);
  assert.equal(file.error, undefined, `the download ${name} failed`);
  assert.ok(file.inDocument, `${name}: the link was in the document when clicked (older Firefox needs it)`);
  return Buffer.from(file.base64, 'base64');
}

/** Seconds since `started`, for the TIMING lines. */
const since = (started) => ((Date.now() - started) / 1000).toFixed(1);

/**
 * Registers the scenario's tests for `engine` ('firefox', 'webkit'); `start()` resolves to the
 * driver, whose `open(url)` resolves to a fresh page (its own storage) at `url`.
 */
export function scenario(engine, start) {
  let server;
  let driver;
  const began = Date.now();
  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    server = await serveDist({ headStart: `<script>${hooks}</script>` });
    driver = await start();
  });
  after(async () => {
    await driver?.quit();
    await server?.close();
    console.log(`TIMING ${engine}: the whole scenario took ${since(began)} s`);
  });

  /**
   * Opens the notebook at `query`; `run(page)` drives it; then the page, results shown, must fit a
   * tablet's width too (portrait and landscape; the `cells` are shot in portrait), and no problem may
   * have been reported.
   */
  async function withPage(query, cells, run) {
    const page = await driver.open(server.baseUrl + query);
    try {
      await waitFor(page, 'the notebook', () => !!document.querySelector('[data-testid="notebook"]'), [], 60_000);
      await waitForText(page, id('backend-badge'), /^CPU/, 90_000);
      await run(page);
      for (const [width, height] of [[1024, 768], [768, 1024]]) {
        await page.resize(width, height);
        const fit = await page.evaluate(async () => {
          await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
          return { scrollWidth: document.scrollingElement.scrollWidth, innerWidth };
        });
        assert.ok(fit.scrollWidth <= fit.innerWidth, `${width}×${height}: the page scrolls sideways (${fit.scrollWidth} px wide in ${fit.innerWidth} px)`);
      }
      for (const cell of cells) await page.screenshot(cellOf(cell), path.join(shots, `${engine}-tablet-${cell}.png`));
      const problems = [
        ...page.problems(),
        ...(await page.evaluate(() => window.__lecternTest.problems)),
      ];
      assert.deepEqual(problems, [], `${engine}: the page reported errors or warnings`);
    } finally {
      await page.close();
    }
  }

  test(`${engine}: the page settles on the CPU; the theory cell derives 1.5x + 3 at x₀ = −1`, async () => {
    const started = Date.now();
    await withPage('?step=9', ['theory'], async (page) => {
      assert.equal(await page.evaluate(() => document.querySelector('[data-testid="backend-badge"]').textContent.trim()),
        'CPU · burn-ndarray');
      // A coarse clock must not make the probe say it took no time at all.
      const probe = await waitForText(page, id('probe-detail'), /checked in/);
      assert.match(probe, /^64×64 matmul and an autodiff gradient checked in (< 0\.1|[\d.]+) ms, (exact to the last bit|max error \d)/);
      assert.doesNotMatch(probe, /checked in 0\.0 ms/);
      console.log(`${engine} probe: ${probe}`);

      await fill(page, id('x0-input'), '-1');
      await waitForText(page, id('tangent-slope'), /^1\.5$/);
      await waitForText(page, id('tangent-intercept'), /^3$/);
      await waitForText(page, id('tangent-line'), /^1\.5x \+ 3$/);
      await waitForText(page, id('autodiff-slope'), /^Burn autodiff on CPU · burn-ndarray: h = 1\.500, dh\/dx = 1\.500/);
      assert.ok((await canvasColours(page, id('theory-plot'))) > 20, 'the plot is drawn');
      await page.screenshot(cellOf('theory'), path.join(shots, `${engine}-theory.png`));

      // index.html's Content-Security-Policy holds in this engine too: an injected inline script
      // is refused and reported (page-hooks.js). The lines this check causes are taken back out.
      const engineLines = page.problems().length;
      const injected = await page.evaluate(async () => {
        window.injected = false;
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.head.append(script);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const record = window.__lecternTest;
        const reported = record.problems.filter((p) => p.startsWith('CSP violation'));
        record.problems = record.problems.filter((p) => !p.startsWith('CSP violation'));
        return { ran: window.injected, reported };
      });
      assert.equal(injected.ran, false, `${engine} ran an inline script the policy does not list`);
      assert.equal(injected.reported.length, 1, `${engine} reported the refused script: ${injected.reported}`);
      assert.match(injected.reported[0], /^CSP violation: script-src(-elem)? refused inline/);
      const caused = page.problems().splice(engineLines);
      assert.ok(caused.every((line) => /Content[- ]Security[- ]Policy|inline script/i.test(line)), `${engine}: ${caused}`);
    });
    console.log(`TIMING ${engine} theory: ${since(started)} s`);
  });

  test(`${engine}: a toy ConvNet epoch beats chance; Save model gives a file lectern eval reads; the paper cell runs on it`, async () => {
    const started = Date.now();
    await withPage(`?${QUICK}`, ['convnet', 'paper'], async (page) => {
      await waitForText(page, id('data-status', 'convnet'), /toy shapes/);
      await click(page, id('train-start', 'convnet'));
      await waitForText(page, id('epoch-counter', 'convnet'), /^1 \/ 1$/, 240_000);
      await waitForText(page, id('run-status', 'convnet'), /Finished/, 240_000);
      const trained = Date.now();
      const accuracy = percentOf(await waitForText(page, id('test-acc', 'convnet'), /%/));
      assert.ok(accuracy > 10, `above chance after one epoch: ${accuracy} %`);
      assert.ok((await canvasColours(page, id('loss-plot', 'convnet'))) > 10, 'the loss curve is drawn');
      assert.ok((await canvasColours(page, id('acc-plot', 'convnet'))) > 10, 'the accuracy curve is drawn');
      console.log(`TIMING ${engine} convnet toy epoch: ${since(started)} s with the page load, test accuracy ${accuracy} %, ` +
        `${await page.evaluate(() => document.querySelector('[data-testid="throughput"]').textContent.trim())}`);
      await page.screenshot(cellOf('convnet'), path.join(shots, `${engine}-convnet.png`));

      // Save model: the file the page offers is one the CLI reads.
      assert.equal(await page.evaluate(() => window.__lecternTest.downloads.length), 0);
      await click(page, id('model-save', 'convnet'));
      const name = await waitFor(page, 'a download', () => window.__lecternTest.downloads[0]?.name, [], 60_000);
      const model = path.join(tempDir(), name);
      fs.writeFileSync(model, await download(page, name));
      const evaluated = JSON.parse(lectern(['eval', '--model', model, '--data', 'toy', '--json']));
      // The file holds the model just trained: the CLI scores it as the page did.
      assert.equal(Number((100 * evaluated.accuracy).toFixed(1)), accuracy, `lectern eval: ${evaluated.accuracy}`);
      console.log(`${engine}: saved ${name} (${fs.statSync(model).size} B); lectern eval: accuracy ${evaluated.accuracy}`);

      // The paper cell's experiment, on the model just trained.
      await click(page, id('paper-run'));
      await waitForText(page, id('shape-share'), /%/, 240_000);
      assert.equal(await page.evaluate(() => document.querySelectorAll('[data-testid="shuffle-table"] tbody tr').length), 5,
        'clean, 2×2, 4×4, 8×8, chance');
      assert.ok(await page.evaluate(() => document.querySelectorAll('[data-testid="stimulus-grid"] canvas').length) > 0);
      await waitForText(page, id('paper-reading'), /decisions that followed one of the two cues/);
      console.log(`TIMING ${engine} paper experiment: ${since(trained)} s after training`);
      await page.screenshot(cellOf('paper'), path.join(shots, `${engine}-paper.png`));
    });
    console.log(`TIMING ${engine} convnet + save + paper: ${since(started)} s`);
  });

  test(`${engine}: a toy compare in the imbalance lab fills two rows; the CSV export matches the table`, async () => {
    const started = Date.now();
    await withPage('?backend=cpu&dataset=toy&imbalance=50', ['imbalance'], async (page) => {
      await waitForText(page, id('cb-weights-reading', 'imbalance'), /weighs/);
      await click(page, id('compare-start', 'imbalance'));
      await waitFor(page, 'two result rows',
        () => document.querySelectorAll('[data-testid="section-imbalance"] [data-testid="results-table"] tbody tr').length === 2,
        [], 240_000);
      console.log(`TIMING ${engine} imbalance toy compare: ${since(started)} s with the page load`);
      const rows = await page.evaluate(() => [...document.querySelectorAll(
        '[data-testid="section-imbalance"] [data-testid="results-table"] tbody tr')].map((row) => {
        // As shown: a best value's " (best)" is for screen readers only.
        const cells = [...row.querySelectorAll('th, td')].map((c) => [...c.childNodes].filter((n) => !n.classList?.contains('visually-hidden')).map((n) => n.textContent).join('').trim());
        return [cells[0], ...cells.slice(2, 12).map((v) => (v === '—' ? null : Number(v)))];
      }));
      assert.match(rows[0][0], /^cross-entropy/);
      assert.match(rows[1][0], /^CB focal/);
      for (const row of rows) for (const v of row.slice(1)) assert.ok(v >= 0 && v <= 100, `${row}`);
      await page.screenshot(cellOf('imbalance'), path.join(shots, `${engine}-imbalance.png`));

      await click(page, id('export-csv', 'imbalance'));
      const name = await waitFor(page, 'a download', () => window.__lecternTest.downloads[0]?.name, [], 30_000);
      assert.match(name, /\.csv$/);
      const lines = (await download(page, name)).toString('utf8').trim().split('\n').map((l) => l.split(','));
      assert.equal(lines.length, 3);
      assert.deepEqual(lines[0].slice(7, 17), ['disc', 'square', 'triangle', 'cross', 'ring', 'striped disc',
        'striped square', 'striped triangle', 'striped cross', 'striped ring']);
      assert.deepEqual([lines[1][0], lines[2][0]], ['ce', 'cb-focal']);
      for (let r = 0; r < 2; r++) assert.deepEqual(lines[r + 1].slice(7, 17).map(Number), rows[r].slice(1), `row ${r}`);
    });
    console.log(`TIMING ${engine} imbalance: ${since(started)} s`);
  });
}
