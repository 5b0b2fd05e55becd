// End-to-end: the site's Content-Security-Policy (www/index.html's meta tag, its inline scripts'
// hashes written by www/integrity.sh) and its integrity checks. The notebook runs under the
// policy with no violation — the theory cell, a toy epoch with its accuracy bars, the paper
// cell —, and the policy is really enforced: a script put into the page is refused and reported.
// A bundle file that changed on the server (one byte; still a valid module) is refused with a
// sentence naming it: the UI bundle's by subresource integrity, the worker's by its sha256.
// Every suite fails on a violation (helpers.mjs); this one shows that the check itself works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, open, site, dist, backendBadge, cell, shots, waitForText, percentOf, textIn, expectText, tempDir, until, siteUrl, LAN_HOST, lecternServe,
} from './helpers.mjs';

setup();

const QUICK = '?backend=cpu&dataset=toy&epochs=1&width=4,8&per_class=30&batch=32&step=8';

/** The policy the page runs under, as the browser read it from the meta tag. */
async function policyOf(page) {
  return page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
}

test('security: the notebook runs under its Content-Security-Policy with no violation, and the policy refuses an injected script', async () => {
  const { page, problems, close } = await open(QUICK, undefined, {
    // What the negative checks below cause on purpose (Chromium's console lines and the events).
    tolerate: [/^CSP violation: (script-src-elem|script-src-attr|connect-src) refused /,
      /^console\.error: (Executing inline (script|event handler) violates|(Loading the script|Connecting to) 'http:\/\/lectern\.lan:)/,
      /^console\.error: Fetch API cannot load http:\/\/lectern\.lan:\d+\/index\.html\. Refused to connect/,
      /^request failed: http:\/\/lectern\.lan:\d+\/worker_loader\.js csp$/],
  });
  const policy = await policyOf(page);
  const scriptSrc = /script-src ([^;]*)/.exec(policy)[1].split(' ');
  assert.deepEqual(scriptSrc.slice(0, 2), ["'self'", "'wasm-unsafe-eval'"]);
  assert.ok(scriptSrc.slice(2).length >= 2 && scriptSrc.slice(2).every((s) => /^'sha256-[A-Za-z0-9+/]{43}='$/.test(s)),
    `the inline scripts (boot, SIMD check) by hash only: ${scriptSrc}`);
  assert.doesNotMatch(policy, /'unsafe-eval'/);
  assert.match(policy, /style-src 'self';/, "style sheets from this site only ('unsafe-inline' for style attributes alone)");
  assert.match(policy, /default-src 'self'/);
  assert.match(policy, /object-src 'none'/);

  // The theory cell, a toy epoch (the worker, its wasm and the training views), the paper cell.
  assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
  await page.getByTestId('x0-input').fill('-1');
  await expectText(page.getByTestId('tangent-slope'), '1.5');
  const convnet = cell(page, 'convnet');
  await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
  await convnet.getByTestId('train-start').click();
  await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
  assert.ok(percentOf(await textIn(convnet, 'test-acc')) > 10, 'trained above chance');
  // The per-class accuracy bars take their width from a style attribute: allowed, and applied.
  const barWidths = await convnet.locator('.bar').evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
  assert.ok(barWidths.length > 0 && barWidths.some((w) => w > 0), `accuracy bars drawn: ${barWidths}`);
  await page.getByTestId('section-paper').scrollIntoViewIfNeeded();
  await page.getByTestId('paper-run').click();
  await waitForText(page, 'shape-share', /%/, 240_000);
  assert.deepEqual(problems, [], 'no CSP violation (nor any other problem) while the notebook ran');

  // The policy is enforced: an inline script, an inline event handler, a script from another
  // site and a request to another site are refused, and each is reported to the test's listener
  // (helpers.mjs) — so any violation fails a suite. (eval is not tried: code the test runs in
  // the page through DevTools may eval whatever the policy says.)
  const otherSite = siteUrl(LAN_HOST);
  const ran = await page.evaluate(async (other) => {
    window.injected = [];
    const inline = document.createElement('script');
    inline.textContent = 'window.injected.push("inline script")';
    document.head.append(inline);
    const button = document.createElement('button');
    button.setAttribute('onclick', 'window.injected.push("event handler")');
    document.body.append(button);
    button.click();
    button.remove();
    const foreign = document.createElement('script');
    foreign.src = new URL('worker_loader.js', other).href;
    const loaded = new Promise((resolve) => { foreign.onload = () => resolve('loaded'); foreign.onerror = () => resolve('refused'); });
    document.head.append(foreign);
    const fetched = await fetch(new URL('index.html', other), { mode: 'no-cors' }).then(() => 'fetched', (error) => error.name);
    return { injected: window.injected, foreign: await loaded, fetched };
  }, otherSite);
  assert.deepEqual(ran, { injected: [], foreign: 'refused', fetched: 'TypeError' });
  const reported = () => problems.filter((p) => p.startsWith('CSP violation'));
  await until(() => reported().length, (n) => n >= 4, 'the four violations reported');
  const lines = reported().join('\n');
  assert.match(lines, /script-src-elem refused inline/);
  assert.match(lines, /script-src-attr refused inline/);
  assert.match(lines, new RegExp(`script-src-elem refused ${otherSite}worker_loader\\.js`));
  assert.match(lines, new RegExp(`connect-src refused ${otherSite}index\\.html`));
  await close();
});

test('security: from `lectern serve` the compute worker runs under the worker policy (the offline copy keeps it), which refuses another site', async () => {
  const served = await lecternServe('/');
  try {
    const other = served.url.replace('127.0.0.1', LAN_HOST);
    const { page, problems, close } = await open(served.url + QUICK, undefined, {
      // What the negative check below causes on purpose: the worker's refused request.
      tolerate: [/^(worker )?console\.error: Content-Security-Policy: connect-src refused http:\/\/lectern\.lan:\d+\/index\.html in the compute worker$/,
        /^request failed: http:\/\/lectern\.lan:\d+\/index\.html net::ERR_FAILED$/],
    });
    assert.equal(await backendBadge(page), 'CPU · burn-ndarray');
    const convnet = cell(page, 'convnet');
    await waitForText(page, 'data-status', /toy shapes/, 120_000, 'convnet');
    await convnet.getByTestId('train-start').click();
    await waitForText(page, 'run-status', /Finished/, 240_000, 'convnet');
    assert.equal(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => Boolean(r.active))), true, 'the service worker runs');
    const worker = page.workers().find((w) => w.url().includes('worker_loader.js'));
    assert.ok(worker, `the compute worker: ${page.workers().map((w) => w.url())}`);
    // no-cors: without a policy the request would go through (an opaque answer, no CORS needed).
    const fetched = await worker.evaluate((url) => fetch(url, { mode: 'no-cors' }).then(() => 'fetched', (error) => error.name), `${other}index.html`);
    assert.equal(fetched, 'TypeError', "the worker's policy refuses a request to another site");
    // …and reports it (worker_loader.js's listener), so that a suite fails on it.
    await until(() => problems.some((p) => /^worker console\.error: Content-Security-Policy: connect-src refused/.test(p)),
      Boolean, 'the worker reported the violation');
    await close();
  } finally {
    served.stop();
  }
});

/** A copy of the built site with `change` made to the file whose name matches `name`. */
function siteWith(name, change) {
  const copy = tempDir();
  fs.cpSync(dist, copy, { recursive: true });
  const file = fs.readdirSync(copy).find((f) => name.test(f));
  assert.ok(file, `no ${name} in ${dist}`);
  const bytes = fs.readFileSync(path.join(copy, file));
  fs.writeFileSync(path.join(copy, file), change(bytes));
  return { copy, file };
}

/**
 * One byte of a wasm module changed where the module stays valid (the name of its `producers`
 * custom section): only an integrity check can tell it from the built file.
 */
function renamedSection(bytes) {
  const at = bytes.indexOf('producers');
  assert.ok(at > 0, 'the wasm has a producers section');
  const changed = Buffer.from(bytes);
  changed[at + 'producers'.length - 1] = 'z'.charCodeAt(0);
  assert.ok(WebAssembly.validate(changed), 'the changed module is still valid');
  return changed;
}

/** Serves `copy` for the duration of `run`. */
async function serving(copy, run) {
  site.dist = copy;
  try {
    await run();
  } finally {
    site.dist = dist;
  }
}

for (const [what, name, change] of [
  ['UI wasm', /^app-[0-9a-f]{1,16}_bg\.wasm$/, renamedSection],
  ['UI glue', /^app-[0-9a-f]{1,16}\.js$/, (bytes) => Buffer.concat([bytes, Buffer.from('\n// changed\n')])],
]) {
  test(`security: a changed ${what} file is refused, and the page says which file and what to do`, async () => {
    const { copy, file } = siteWith(name, change);
    await serving(copy, async () => {
      const { page, close } = await open(QUICK, undefined, {
        waitFor: null,
        // Chromium's own lines about the refused file.
        tolerate: [/Failed to find a valid digest in the 'integrity' attribute/, /SRI's integrity checks failed/],
      });
      const note = await expectText(page.locator('.start-failure'), new RegExp(`lectern could not start: ${file.replace('.', '\\.')} did not load, or is not the file this page expects`));
      assert.match(note, /the site holds files of two different builds: ask whoever hosts it to build it again/);
      assert.equal(await page.getByTestId('notebook').count(), 0, 'no half-started notebook');
      await page.screenshot({ path: path.join(shots, `security-changed-${what.replace(' ', '-').toLowerCase()}.png`) });
      await close();
    });
  });
}

test('security: a changed compute worker wasm is refused by its sha256, named, and Retry is offered', async () => {
  const { copy } = siteWith(/^worker_cpu_bg\.wasm$/, renamedSection);
  await serving(copy, async () => {
    // No service worker: it would check the file by its sha256 first (sw.js), and refuse it
    // with a message of its own that does not reach the loader.
    const { page, close } = await open('?backend=cpu', undefined, {
      serviceWorkers: 'block', tolerate: [/^console\.warning: Service Worker registration blocked by Playwright$/],
    });
    await expectText(page.getByTestId('backend-badge'), 'No compute backend');
    const notes = (await page.getByTestId('status-note').allTextContents()).join(' | ');
    assert.match(notes, /worker_cpu_bg\.wasm is not the file this site was built with \(its sha256 differs\)/);
    assert.equal(await page.getByTestId('worker-retry').count(), 1);
    await page.screenshot({ path: path.join(shots, 'security-changed-worker-wasm.png') });
    await close();
  });
});
