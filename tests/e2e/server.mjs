// The end-to-end suites' static server for the built site (dist/, or LECTERN_DIST), on a free
// local port. A suite may pass `headStart`: HTML put at the very start of index.html's <head>, so
// that a test-only script runs before any of the page's own (the site in dist/ is never changed).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dist = process.env.LECTERN_DIST ?? path.join(root, 'dist');

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.json': 'application/json', '.bin': 'application/octet-stream', '.png': 'image/png',
};

/** Serves dist/; resolves to `{ baseUrl, close() }`. */
export async function serveDist({ headStart = '' } = {}) {
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`${dist}/index.html is missing: build the site first`);
  }
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(dist, urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath);
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    const type = types[path.extname(file)] ?? 'application/octet-stream';
    if (headStart && path.basename(file) === 'index.html') {
      const html = fs.readFileSync(file, 'utf8');
      const head = /<head[^>]*>/i.exec(html);
      if (!head) {
        res.writeHead(500).end('index.html has no <head>');
        return;
      }
      const end = head.index + head[0].length;
      res.writeHead(200, { 'content-type': type }).end(html.slice(0, end) + headStart + html.slice(end));
      return;
    }
    res.writeHead(200, { 'content-type': type });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
