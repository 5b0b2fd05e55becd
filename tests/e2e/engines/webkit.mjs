// The cross-engine scenario in WebKit (Safari's engine, and every iPad browser's): Debian's
// WebKitGTK MiniBrowser driven by its WebKitWebDriver over WebDriver classic with
// selenium-webdriver. It needs a display: run it under `xvfb-run -a` (`make test-engines` does).
// WebDriver classic gives no console: page-hooks.js records the page's errors instead.
import { spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import { Builder, By } from 'selenium-webdriver';
import { scenario } from './scenario.mjs';
import { decode, encode } from './png.mjs';

const driverPath = process.env.WEBKIT_WEBDRIVER ?? '/usr/bin/WebKitWebDriver';
const miniBrowser = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/**
 * A picture of the element `selector`, stacked from viewport screenshots: WebKitWebDriver's own
 * element screenshots come back black under Xvfb. A bar fixed at the bottom of the viewport (the
 * status bar) is left out of every strip but the last, as a full-page shot would show it once.
 */
async function elementShot(driver, selector) {
  const run = (fn, ...args) => driver.executeScript(`return (${fn}).apply(null, arguments)`, ...args);
  const box = await run((sel) => {
    const r = document.querySelector(sel).getBoundingClientRect();
    return { top: Math.round(r.top + scrollY), left: Math.round(r.left + scrollX), width: Math.round(r.width), height: Math.round(r.height) };
  }, selector);
  const end = box.top + box.height;
  const rows = [];
  let width;
  let channels;
  for (let y = box.top; y < end;) {
    const view = await run(async (top) => {
      window.scrollTo({ top, behavior: 'instant' });
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      let clear = innerHeight;
      for (const e of document.body.querySelectorAll('*')) {
        const r = e.getBoundingClientRect();
        if (getComputedStyle(e).position === 'fixed' && r.bottom >= innerHeight - 1 && r.top > innerHeight / 2) clear = Math.min(clear, Math.floor(r.top));
      }
      return { scrollY: Math.round(scrollY), clear, scrollX: Math.round(scrollX) };
    }, y);
    const shot = decode(Buffer.from(await driver.takeScreenshot(), 'base64'));
    channels = shot.channels;
    const left = Math.max(0, box.left - view.scrollX);
    width = Math.min(box.width, shot.width - left);
    const last = end <= view.scrollY + view.clear || view.scrollY + shot.rows.length >= end;
    const stop = Math.min(end, view.scrollY + (last ? shot.rows.length : view.clear));
    if (stop <= y) break; // the page scrolls no further
    for (let row = y - view.scrollY; row < stop - view.scrollY; row++) {
      rows.push(shot.rows[row].subarray(left * channels, (left + width) * channels));
    }
    y = stop;
  }
  return encode({ width, channels, rows });
}

/** A free local port. */
async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

scenario('webkit', async () => {
  if (!process.env.DISPLAY) throw new Error('WebKit needs a display: run under xvfb-run -a');
  const port = await freePort();
  const server = `http://127.0.0.1:${port}`;
  const webDriver = spawn(driverPath, [`--port=${port}`], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${server}/status`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${driverPath} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let reported = false;
  return {
    async open(url) {
      // A session of its own (a fresh MiniBrowser): nothing carries over between pages. The
      // driver's URL is given, so selenium-manager never runs.
      const driver = await new Builder()
        .usingServer(server)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: miniBrowser, args: ['--automation'] },
        })
        .build();
      if (!reported) {
        reported = true;
        const caps = await driver.getCapabilities();
        console.log(`webkit: ${caps.get('browserName')} ${caps.get('browserVersion')}`);
      }
      await driver.manage().window().setRect({ width: 1366, height: 900 });
      await driver.get(url);
      return {
        evaluate: (fn, ...args) => driver.executeScript(`return (${fn}).apply(null, arguments)`, ...args),
        // Scrolled to the middle first, as a user would: WebDriver scrolls a control only to the
        // viewport's bottom edge, under the page's fixed status bar, and refuses the click.
        async click(selector) {
          const element = await driver.findElement(By.css(selector));
          await driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', element);
          await element.click();
        },
        type: (text) => driver.actions().sendKeys(text).perform(),
        resize: (width, height) => driver.manage().window().setRect({ width, height }),
        screenshot: async (selector, file) => fs.writeFileSync(file, await elementShot(driver, selector)),
        problems: () => [],
        close: () => driver.quit(),
      };
    },
    async quit() {
      webDriver.kill();
    },
  };
});
