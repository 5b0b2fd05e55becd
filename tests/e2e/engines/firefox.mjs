// The cross-engine scenario in Firefox ESR (Debian's /usr/bin/firefox-esr), headless, driven over
// WebDriver BiDi by puppeteer-core. Run by `make test-engines`.
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';
import { scenario } from './scenario.mjs';

const firefoxPath = process.env.FIREFOX ?? '/usr/bin/firefox-esr';

scenario('firefox', async () => {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath,
    headless: true,
    protocol: 'webDriverBiDi',
  });
  const version = await browser.version();
  console.log(`firefox: ${version}`);
  return {
    async open(url) {
      // A context of its own: storage (the lab's saved table) does not carry over between pages.
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1366, height: 900 });
      const problems = [];
      page.on('console', (msg) => {
        if (['error', 'warn', 'warning'].includes(msg.type())) problems.push(`console.${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
      await page.goto(url);
      return {
        evaluate: (fn, ...args) => page.evaluate(fn, ...args),
        // Scrolled to the middle first, as a user would (and as webkit.mjs does): a control that
        // is in view but under the page's fixed status bar would take no click.
        async click(selector) {
          await page.$eval(selector, (e) => e.scrollIntoView({ block: 'center' }));
          await page.click(selector);
        },
        type: (text) => page.keyboard.type(text),
        resize: (width, height) => page.setViewport({ width, height }),
        async screenshot(selector, file) {
          const element = await page.$(selector);
          await element.screenshot({ path: file });
        },
        problems: () => problems,
        close: () => context.close(),
      };
    },
    quit: () => browser.close(),
  };
});
