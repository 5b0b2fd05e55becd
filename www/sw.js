// lectern's service worker: keeps a copy of one build of the site in the browser, so that the
// notebook opens and trains with no network after the first visit, and never mixes two builds.
//
// Every build has its own cache, named by VERSION (a hash of the build's file list, below, and of
// this script). The app shell is copied into it on install; the two compute-worker bundles and
// the CIFAR-10 subset are copied when the page first fetches them, so a student keeps what they
// used without downloading the WebGPU bundle their browser never loads. Every file is checked against the
// build's sha256 before it is kept or handed over: the worker bundles have fixed names
// (worker.js, worker_bg.wasm…), and a server that already holds the next build must never slip
// its bundle into a page of this one.
//
// A new build means new bytes here, so the browser installs it beside this one; it waits until
// the page asks for it (the "Updated — reload" button in offline.js), then deletes the other
// builds' caches. All addresses are relative to this file: the site may live under any path.

// precache:begin — www/precache.sh writes the build's version and files here (Trunk post_build).
const VERSION = "unbuilt";
const FILES = [];
// precache:end

const BASE = new URL("./", self.location.href).href;
// Caches belong to the whole origin: the name says which copy of the site (its address) too.
const CACHE = `lectern ${VERSION} ${BASE}`;

/** Files cached when first fetched rather than on install: big, and not every student needs them. */
function onDemand(path) {
  return /^worker(_cpu)?(\.js|_bg\.wasm)$/.test(path) || path.startsWith("static/data/");
}

/** path → sha256 for every file of this build (this script aside). */
const MANIFEST = new Map(FILES);
const SHELL = FILES.map(([path]) => path).filter((path) => !onDemand(path));

/** The build's path for an address (the query dropped; the site's root is index.html), or null. */
function pathOf(url) {
  if (!url.startsWith(BASE)) return null;
  const path = url.slice(BASE.length).replace(/[?#].*$/, "") || "index.html";
  return MANIFEST.has(path) ? path : null;
}

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The headers a kept copy is served with: its type, and the Content-Security-Policy the server
 * gave it (`lectern serve` gives the worker scripts one; a worker started from the offline copy
 * must run under it too).
 */
function headersOf(response) {
  const headers = { "content-type": response.headers.get("content-type") ?? "application/octet-stream" };
  const policy = response.headers.get("content-security-policy");
  if (policy) headers["content-security-policy"] = policy;
  return headers;
}

/** Fetches `path`; `mode` is the fetch's HTTP-cache mode. */
async function download(path, mode = "no-cache") {
  const response = await fetch(new URL(path, BASE), { cache: mode, mode: "same-origin" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

/**
 * Keeps `path` in this build's cache, checked: by default the browser's HTTP cache's copy if it
 * has this build's (the page usually just loaded it: no second download on school Wi-Fi), else
 * the server's; `modes`, the HTTP-cache modes to try in turn.
 */
async function keep(cache, path, modes = ["force-cache", "no-cache"]) {
  for (const mode of modes) {
    const response = await download(path, mode);
    const bytes = await response.arrayBuffer();
    if ((await sha256(bytes)) === MANIFEST.get(path)) {
      await cache.put(new URL(path, BASE), new Response(bytes, { headers: headersOf(response) }));
      return;
    }
  }
  throw new Error(`${path} on the server is not this build's (the site changed meanwhile)`);
}

/**
 * Downloads `path` for a page: hands its bytes on as they arrive (download progress keeps
 * working) but holds the last piece back until the whole file matched this build's sha256. A file
 * of another build ends in an error, never as a complete file; a good one is kept in the cache.
 */
async function downloadChecked(path) {
  const response = await download(path);
  const reader = response.body.getReader();
  const pieces = [];
  let held = null;
  const body = new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) {
        pieces.push(value);
        if (held) controller.enqueue(held);
        held = value;
        return;
      }
      const whole = new Blob(pieces);
      if ((await sha256(await whole.arrayBuffer())) !== MANIFEST.get(path)) {
        controller.error(new TypeError(`${path} on the server is from another build of lectern: reload to update`));
        return;
      }
      const cache = await caches.open(CACHE);
      await cache.put(new URL(path, BASE), new Response(whole, { headers: headersOf(response) }));
      if (held) controller.enqueue(held);
      controller.close();
      broadcastStatus();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const headers = headersOf(response);
  const length = response.headers.get("content-length");
  if (length && !response.headers.get("content-encoding")) headers["content-length"] = length;
  return new Response(body, { status: 200, headers });
}

/** The bundle files a compute worker started from `url` loads (the rule of worker_loader.js). */
function bundleOf(url) {
  const name = new URL(url).searchParams.get("bundle") === "cpu" ? "worker_cpu" : "worker";
  return [`${name}.js`, `${name}_bg.wasm`];
}

/** The files the open pages run on: the shell, and the bundles of the compute workers running. */
async function filesInUse() {
  const files = new Set(SHELL);
  for (const client of await self.clients.matchAll({ type: "worker", includeUncontrolled: true })) {
    if (pathOf(client.url) === "worker_loader.js") bundleOf(client.url).forEach((f) => files.add(f));
  }
  return files;
}

/** Whether every file the open pages run on is in this build's cache. */
async function status() {
  const cache = await caches.open(CACHE);
  const cached = new Set((await cache.keys()).map((request) => pathOf(request.url)));
  const missing = [...(await filesInUse())].filter((path) => !cached.has(path));
  return { type: "status", version: VERSION, offline: missing.length === 0 };
}

/**
 * Keeps whatever the open pages run on and the cache lacks. On the first visit the page and its
 * compute worker loaded before this service worker took them over, from the network; they run
 * this very build (checked by sha256), so their bundle is fetched again into the cache. Data the
 * worker loaded then is kept only if the browser's HTTP cache still holds it (no download).
 */
async function catchUp() {
  const cache = await caches.open(CACHE);
  for (const path of await filesInUse()) {
    if (!(await cache.match(new URL(path, BASE)))) await keep(cache, path).catch(() => {});
  }
  for (const path of MANIFEST.keys()) {
    if (path.startsWith("static/data/") && !(await cache.match(new URL(path, BASE)))) {
      await keep(cache, path, ["only-if-cached"]).catch(() => {});
    }
  }
}

async function broadcastStatus() {
  const message = await status();
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(SHELL.map((path) => keep(cache, path)))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("lectern ") && name.endsWith(` ${BASE}`) && name !== CACHE) await caches.delete(name);
    }
    // On the first visit the page loaded before this worker existed: take it over (it runs this
    // very build). The page then asks for its status, which catches up on its compute bundle.
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const path = pathOf(request.url);
  if (path === null) return;
  event.respondWith((async () => {
    const cached = await caches.match(new URL(path, BASE), { cacheName: CACHE });
    if (cached) return cached;
    if (onDemand(path)) return downloadChecked(path);
    // A shell file missing from the cache (storage cleared under us): keep it again.
    const cache = await caches.open(CACHE);
    await keep(cache, path);
    return cache.match(new URL(path, BASE));
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "status?") {
    event.waitUntil(catchUp().then(status).then((message) => event.source.postMessage(message)));
  } else if (event.data?.type === "update") {
    // The page's "Updated — reload" button: this waiting build takes over now.
    event.waitUntil(self.skipWaiting());
  }
});
