// The end-to-end suites' static server for the built site (dist/, or LECTERN_DIST), on a free
// local port. A suite may pass `headStart`: HTML put at the very start of index.html's <head>, so
// that a test-only script runs before any of the page's own (the site in dist/ is never changed);
// `prefix`: the path the site is served under (a school's server may put it at /course/lectern/);
// `state`: what it serves (`dist`, which a test may point at another build), every path asked for
// (`hits`), and `down` — then it drops every connection unanswered (no network).
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
export async function serveDist({ headStart = '', prefix = '/', state = { dist, hits: [], down: false } } = {}) {
  if (!fs.existsSync(path.join(state.dist, 'index.html'))) {
    throw new Error(`${state.dist}/index.html is missing: build the site first`);
  }
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    state.hits.push(urlPath);
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const relative = urlPath.startsWith(prefix) ? urlPath.slice(prefix.length - 1) : null;
    const file = relative && path.join(state.dist, relative.endsWith('/') ? relative + 'index.html' : relative);
    if (!file?.startsWith(state.dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
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
    baseUrl: `http://127.0.0.1:${server.address().port}${prefix}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
