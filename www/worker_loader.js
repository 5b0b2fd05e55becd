// Starts the compute worker: loads wasm-bindgen's glue for one of the two worker bundles, then
// its wasm. `?bundle=cpu` is the CPU-only bundle (no WebGPU backend, a fraction of the size);
// anything else the full one. The page chooses (src/ui/worker_link.rs).
// (Trunk's own loader shim uses an initialisation call that wasm-bindgen now warns about.)
const bundle = new URL(self.location.href).searchParams.get("bundle") === "cpu" ? "worker_cpu" : "worker";
importScripts(`./${bundle}.js`);
wasm_bindgen({ module_or_path: `./${bundle}_bg.wasm` });
