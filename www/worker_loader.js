// Starts the compute worker: loads wasm-bindgen's glue for the worker bundle, then its wasm.
// (Trunk's own loader shim uses an initialisation call that wasm-bindgen now warns about.)
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" });
