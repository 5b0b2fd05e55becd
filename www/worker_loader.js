// Starts the compute worker: loads wasm-bindgen's glue for one of the two worker bundles, then
// its wasm. `?bundle=cpu` is the CPU-only bundle (no WebGPU backend, a fraction of the size);
// anything else the full one. The page chooses (src/ui/worker_link.rs).
// (Trunk's own loader shim uses an initialisation call that wasm-bindgen now warns about.)
//
// On school Wi-Fi a download can fail or stall, so the loader reports to the page, as a plain
// object beside the worker's own (postcard) messages, {loader_failed: "why"}: a file did not
// download (failed, or stalled: no byte for 20 s), or the wasm did not compile.
const bundle = new URL(self.location.href).searchParams.get("bundle") === "cpu" ? "worker_cpu" : "worker";
const glue = `${bundle}.js`;
const wasm = `${bundle}_bg.wasm`;

// A download that brings no byte for this long has stalled (school Wi-Fi drops).
const STALL_MS = 20000;

function message(error) {
  return error && error.message ? error.message : String(error);
}

// The wasm as a Response whose body is watched as it arrives (the module still compiles while it
// downloads, with instantiateStreaming), given up (aborted) when no byte comes for STALL_MS;
// `why(error)` then says so.
async function watched(url) {
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
    response = await fetch(url, { signal: abort.signal });
  } catch (error) {
    clearTimeout(timer);
    throw new Error(why(error));
  }
  if (!response.ok) {
    clearTimeout(timer);
    throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  }
  if (!response.body) {
    clearTimeout(timer);
    return { response, finished: () => true, why };
  }
  const reader = response.body.getReader();
  let done = false;
  const body = new ReadableStream({
    async pull(stream) {
      const chunk = await reader.read();
      if (chunk.done) {
        clearTimeout(timer);
        done = true;
        stream.close();
        return;
      }
      watch();
      stream.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "application/wasm" } }),
    finished: () => done,
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
    download = await watched(`./${wasm}`);
  } catch (error) {
    self.postMessage({ loader_failed: `${wasm} did not download (${message(error)})` });
    return;
  }
  try {
    await wasm_bindgen({ module_or_path: download.response });
  } catch (error) {
    const what = download.finished() ? `did not compile (${message(error)})` : `did not download (${download.why(error)})`;
    self.postMessage({ loader_failed: `${wasm} ${what}` });
  }
}

start();
