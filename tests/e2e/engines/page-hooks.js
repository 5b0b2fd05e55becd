// Test-only: the engine suite's server puts this at the start of index.html's <head> (dist/ is
// never changed). It keeps, in window.__lecternTest, what the page reported as going wrong
// (WebDriver classic gives no console) and the files the page offered as downloads, the same way
// in every engine.
(() => {
  const record = { problems: [], downloads: [] };
  window.__lecternTest = record;
  const say = (value) => (value instanceof Error ? `${value.name}: ${value.message}` : String(value));
  window.addEventListener('error', (e) => record.problems.push(`uncaught: ${e.message} (${e.filename}:${e.lineno})`));
  window.addEventListener('unhandledrejection', (e) => record.problems.push(`unhandled rejection: ${say(e.reason)}`));
  // Engines differ in what their Content-Security-Policy lets through (this script runs before
  // index.html's policy, which covers only what follows it): any violation is a problem.
  window.addEventListener('securitypolicyviolation', (e) => record.problems.push(
    `CSP violation: ${e.effectiveDirective || e.violatedDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
  ));
  for (const level of ['error', 'warn']) {
    const original = console[level];
    console[level] = function (...args) {
      record.problems.push(`console.${level}: ${args.map(say).join(' ')}`);
      return original.apply(this, args);
    };
  }
  // A download is a click on a link with a `download` attribute to a blob: URL. The browser reads
  // the blob after click() has returned, and so does this: a URL revoked right after click()
  // fails here as it does in some engines. The file is kept (base64) instead of saved. The blob is
  // found by its URL here, not fetched: the page's Content-Security-Policy allows requests to the
  // site only (a real download is not a request the policy governs).
  const blobs = new Map();
  const createObjectURL = URL.createObjectURL;
  const revokeObjectURL = URL.revokeObjectURL;
  URL.createObjectURL = (object) => {
    const url = createObjectURL.call(URL, object);
    blobs.set(url, object);
    return url;
  };
  URL.revokeObjectURL = (url) => {
    blobs.delete(url);
    return revokeObjectURL.call(URL, url);
  };
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    if (!this.hasAttribute('download') || !this.href.startsWith('blob:')) return click.call(this);
    const file = { name: this.download, inDocument: this.isConnected };
    const href = this.href;
    setTimeout(async () => {
      try {
        const blob = blobs.get(href);
        if (!blob) throw new Error(`${href} was revoked before the browser read it`);
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        file.base64 = btoa(binary);
      } catch (error) {
        file.error = say(error);
        record.problems.push(`download of ${file.name} failed: ${file.error}`);
      }
      record.downloads.push(file);
    }, 0);
  };
})();
