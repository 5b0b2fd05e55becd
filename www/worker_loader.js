// Starts the compute worker: loads wasm-bindgen's glue for one of the two worker bundles, then
// its wasm. `?bundle=cpu` is the CPU-only bundle (no WebGPU backend, a fraction of the size);
// anything else the full one. The page chooses (src/ui/worker_link.rs).
// (Trunk's own loader shim uses an initialisation call that wasm-bindgen now warns about.)
//
// On school Wi-Fi a download can fail or stall, so the loader reports to the page, as plain
// objects beside the worker's own (postcard) messages:
//   {loader: [loaded, total]}  bytes of the wasm so far (total 0 when unknown), a few times a second;
//   {loader: "compiling"}      the download is complete: the page stops watching for a stall;
//   {loader_failed: "why"}     a file did not download, or the wasm did not compile.
// A stall (no bytes for a while) is the page's to notice: it ends this worker and says so.
const bundle = new URL(self.location.href).searchParams.get("bundle") === "cpu" ? "worker_cpu" : "worker";
const glue = `${bundle}.js`;
const wasm = `${bundle}_bg.wasm`;

function message(error) {
  return error && error.message ? error.message : String(error);
}

// The wasm as a Response whose body counts the bytes as they arrive, so the module compiles while
// it downloads (instantiateStreaming) and the page can show progress.
async function counted(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  // With Content-Encoding the length is of the compressed bytes, the stream yields the inflated
  // ones: then the total is unknown.
  const total = response.headers.get("content-encoding") ? 0 : Number(response.headers.get("content-length")) || 0;
  if (!response.body) return { response, finished: () => true };
  const reader = response.body.getReader();
  let loaded = 0;
  let told = 0;
  let done = false;
  const body = new ReadableStream({
    async pull(controller) {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        self.postMessage({ loader: "compiling" });
        controller.close();
        return;
      }
      loaded += chunk.value.byteLength;
      const now = Date.now();
      if (now - told >= 250) {
        told = now;
        self.postMessage({ loader: [loaded, total] });
      }
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "application/wasm" } }),
    finished: () => done,
  };
}

async function start() {
  try {
    importScripts(`./${glue}`);
  } catch (error) {
    self.postMessage({ loader_failed: `${glue} did not download (${message(error)})` });
    return;
  }
  let download;
  try {
    download = await counted(`./${wasm}`);
  } catch (error) {
    self.postMessage({ loader_failed: `${wasm} did not download (${message(error)})` });
    return;
  }
  try {
    await wasm_bindgen({ module_or_path: download.response });
  } catch (error) {
    const what = download.finished() ? "did not compile" : "did not download";
    self.postMessage({ loader_failed: `${wasm} ${what} (${message(error)})` });
  }
}

start();
