// Starts the compute worker: loads wasm-bindgen's glue for one of the two worker bundles, then
// its wasm. `?bundle=cpu` is the CPU-only bundle (no WebGPU backend, a fraction of the size);
// anything else the full one. The page chooses (src/ui/worker_link.rs).
// (Trunk's own loader shim uses an initialisation call that wasm-bindgen now warns about.)
//
// On school Wi-Fi a download can fail or stall, so the loader reports to the page, as a plain
// object beside the worker's own (postcard) messages, {loader_failed: "why"}: a file did not
// download (failed, or stalled: no byte for 20 s), the wasm is not this build's (its sha256), or
// it did not compile.
const bundle = new URL(self.location.href).searchParams.get("bundle") === "cpu" ? "worker_cpu" : "worker";
const glue = `${bundle}.js`;
const wasm = `${bundle}_bg.wasm`;

// A download that brings no byte for this long has stalled (school Wi-Fi drops).
const STALL_MS = 20000;

// integrity:begin — www/integrity.sh writes each worker wasm's sha256 here (Trunk's post_build).
const SHA256 = {};
// integrity:end

/**
 * Why `bytes` (the pieces of `name`) are not this build's file, or null when they are. Checked
 * where the browser offers SHA-256 (https and localhost: secure contexts); on plain http (a
 * school LAN) it offers none, and the file is taken as it came.
 */
async function refusal(name, pieces) {
  if (!(name in SHA256)) return `has no sha256 in worker_loader.js: the build's www/integrity.sh did not run`;
  if (!self.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await new Blob(pieces).arrayBuffer()));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return hex === SHA256[name]
    ? null
    : "is not the file this site was built with (its sha256 differs): the site holds files of two different builds; reload, and if this stays, ask whoever hosts it to build it again";
}

// A request or script the worker's Content-Security-Policy refused (`lectern serve` sends one
// with worker_loader.js) goes to the console, where Chromium writes none for a worker.
self.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content-Security-Policy: ${e.effectiveDirective} refused ${e.blockedURI || "inline"} in the compute worker`);
});

function message(error) {
  return error && error.message ? error.message : String(error);
}

// The wasm as a Response whose body is watched as it arrives (the module still compiles while it
// downloads, with instantiateStreaming), given up (aborted) when no byte comes for STALL_MS;
// `why(error)` then says so. Its last piece is held back until the whole file matched this
// build's sha256: a file of another build never compiles; `refused()` then says why.
async function watched(name) {
  const abort = new AbortController();
  let timer = 0;
  let stalled = false;
  const watch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      abort.abort();
    }, STALL_MS);
  };
  const why = (error) => (stalled ? `stalled: no data for ${STALL_MS / 1000} s; the network may have dropped` : message(error));
  watch();
  let response;
  try {
    response = await fetch(`./${name}`, { signal: abort.signal });
  } catch (error) {
    clearTimeout(timer);
    throw new Error(why(error));
  }
  if (!response.ok) {
    clearTimeout(timer);
    throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  }
  const reader = response.body.getReader();
  const pieces = [];
  let held = null;
  let done = false;
  let refused = null;
  const body = new ReadableStream({
    async pull(stream) {
      const chunk = await reader.read();
      if (chunk.done) {
        clearTimeout(timer);
        refused = await refusal(name, pieces);
        pieces.length = 0;
        if (refused) {
          stream.error(new Error(`${name} ${refused}`));
          return;
        }
        done = true;
        if (held) stream.enqueue(held);
        stream.close();
        return;
      }
      watch();
      if (self.crypto?.subtle) pieces.push(chunk.value);
      if (held) stream.enqueue(held);
      held = chunk.value;
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "application/wasm" } }),
    finished: () => done,
    refused: () => refused,
    why,
  };
}

async function start() {
  // The runs kept for a reload (kept.js): without it training works, and nothing is kept.
  try {
    importScripts("./kept.js");
  } catch (error) {
    console.warn(`lectern: kept.js did not load (${message(error)}): this run cannot be kept for a reload`);
  }
  try {
    importScripts(`./${glue}`);
  } catch (error) {
    self.postMessage({ loader_failed: `${glue} did not download (${message(error)})` });
    return;
  }
  let download;
  try {
    download = await watched(wasm);
  } catch (error) {
    self.postMessage({ loader_failed: `${wasm} did not download (${message(error)})` });
    return;
  }
  try {
    await wasm_bindgen({ module_or_path: download.response });
  } catch (error) {
    const what = download.refused()
      ?? (download.finished() ? `did not compile (${message(error)})` : `did not download (${download.why(error)})`);
    self.postMessage({ loader_failed: `${wasm} ${what}` });
  }
}

start();
