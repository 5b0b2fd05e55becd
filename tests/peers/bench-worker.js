// One peer measurement in a dedicated worker (as lectern trains in one), started by the page that
// run.mjs serves; a fresh worker per measurement, so each TF.js backend is set up from scratch.
// A classic worker: the peers' npm bundles are UMD scripts, loaded with importScripts.
// Message in: a spec (run.mjs, MEASUREMENTS). Messages out: {type: 'log', text}, then one
// {type: 'result', ...} or {type: 'error', stage, message} (a break of the harness).
'use strict';

const log = (text) => postMessage({ type: 'log', text });
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * img/s of `step` (an async function that processes `images` images and waits for the result):
 * `warmup` steps untimed (the last one's time sizes the chunks), then `chunks` chunks of as many
 * steps as fit in `budgetMs / chunks` (at least one), each timed; the median of the chunks' img/s.
 */
async function measure(name, step, images, { warmup, chunks, budgetMs, batch }) {
  let last = 0;
  for (let i = 0; i < warmup; i++) {
    const t = now();
    await step();
    last = now() - t;
  }
  const steps = Math.max(1, Math.floor(budgetMs / chunks / Math.max(last, 1)));
  const rates = [];
  for (let c = 0; c < chunks; c++) {
    const t = now();
    for (let i = 0; i < steps; i++) await step();
    rates.push((steps * images) / ((now() - t) / 1000));
  }
  const result = { median: median(rates), rates, chunks, stepsPerChunk: steps, stepImages: images, batch, warmup };
  log(`${name}: ${rates.map((r) => r.toFixed(1)).join(', ')} img/s (${chunks} chunks of ${steps} step(s) of ${images})`);
  return result;
}

// ---------------------------------------------------------------- TensorFlow.js

/** lectern's default ConvNet (src/nn/convnet): two blocks of conv-BN-ReLU ×2 + max-pool, dropout, dense 10. */
function tfjsModel(tf) {
  const model = tf.sequential();
  const conv = (filters, first) => tf.layers.conv2d({
    ...(first ? { inputShape: [32, 32, 3] } : {}),
    filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal',
  });
  for (const [i, width] of [16, 32].entries()) {
    model.add(conv(width, i === 0));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
    model.add(conv(width, false));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.dense({ units: 10 })); // logits: softmax cross-entropy in the loss
  model.compile({
    optimizer: tf.train.momentum(0.05, 0.9),
    loss: (labels, logits) => tf.losses.softmaxCrossEntropy(labels, logits),
  });
  return model;
}

/** Random images and one-hot labels (speed only). */
function tfjsBatch(tf, n) {
  const x = tf.randomNormal([n, 32, 32, 3]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([n], 0, 10, 'int32'), 10).toFloat());
  return { x, y };
}

async function tfjs(spec) {
  let stage = 'load';
  try {
    importScripts('/lib/tf.min.js');
    if (spec.backend === 'wasm') {
      importScripts('/lib/tf-backend-wasm.min.js');
      tf.wasm.setWasmPaths('/lib/wasm/');
      // The single-threaded build: say threads are unsupported before the backend starts.
      if (!spec.threads) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      // The threaded build sizes XNNPACK's pool from navigator.hardwareConcurrency, halved (it
      // takes every other logical core for a hyper-thread), and caps any setThreadsCount there:
      // one thread on a 2-core machine. 'all': this worker reports twice its cores, and asks
      // for as many threads as it has.
      if (spec.threads === 'all') {
        const cores = navigator.hardwareConcurrency;
        Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => 2 * cores });
        tf.wasm.setThreadsCount(cores);
      }
    }
    stage = 'backend';
    const ok = await tf.setBackend(spec.backend);
    await tf.ready();
    if (!ok || tf.getBackend() !== spec.backend) {
      return { type: 'result', cannotRun: `tf.setBackend('${spec.backend}') failed (backend now: ${tf.getBackend()})` };
    }
    const info = { tfjs: tf.version.tfjs, backend: tf.getBackend() };
    if (spec.backend === 'wasm') {
      info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      info.threads = tf.wasm.getThreadsCount();
      if (info.multithread) info.hardwareConcurrencySeen = navigator.hardwareConcurrency;
      if (spec.threads && !info.multithread) {
        return { type: 'result', info, cannotRun: 'the threaded build is not available here (no SharedArrayBuffer / cross-origin isolation, or no wasm threads)' };
      }
    }
    log(`${spec.id}: ${JSON.stringify(info)}`);

    stage = 'model';
    const model = tfjsModel(tf);
    const out = { type: 'result', info, params: model.countParams() };

    if (spec.train) {
      stage = 'train';
      const b = tfjsBatch(tf, spec.train.batch);
      try {
        out.train = await measure(`${spec.id} train`, () => model.trainOnBatch(b.x, b.y), spec.train.batch, spec.train);
      } catch (e) {
        const message = String(e?.message ?? e);
        // A missing kernel, as tfjs-core words it: "Kernel '<Name>' not registered for backend
        // '<backend>'" (its gradient's kernel), or "'<Name>' not yet implemented or not found in
        // the registry" (a forward op's).
        const missing = /Kernel '([A-Za-z0-9_]+)' not registered|'([A-Za-z0-9_]+)' not yet implemented or not found/.exec(message);
        const kernel = missing ? (missing[1] ?? missing[2]) : null;
        out.trainError = { kernel, message };
        log(`${spec.id} train failed: ${message}`);
      }
      tf.dispose([b.x, b.y]);
    }

    stage = 'inference';
    const b = tfjsBatch(tf, spec.infer.batch);
    out.infer = await measure(`${spec.id} inference`, async () => {
      const logits = model.predict(b.x);
      await logits.data();
      logits.dispose();
    }, spec.infer.batch, spec.infer);
    tf.dispose([b.x, b.y]);
    return out;
  } catch (e) {
    return { type: 'error', stage, message: String(e?.stack ?? e?.message ?? e) };
  }
}

// ---------------------------------------------------------------- ConvNetJS

async function convnet(spec) {
  let stage = 'load';
  try {
    // The npm build ends with `window.jsfeat = lib` outside Node: give the worker a `window`.
    self.window = self;
    importScripts('/lib/convnet.js');
    stage = 'model';
    // The same shape without BatchNorm (ConvNetJS has none); its convolutions always have a bias.
    const conv = (filters) => ({ type: 'conv', sx: 3, filters, stride: 1, pad: 1, activation: 'relu' });
    const net = new convnetjs.Net();
    net.makeLayers([
      { type: 'input', out_sx: 32, out_sy: 32, out_depth: 3 },
      conv(16), conv(16), { type: 'pool', sx: 2, stride: 2 },
      conv(32), conv(32), { type: 'pool', sx: 2, stride: 2 },
      { type: 'dropout', drop_prob: 0.3 },
      { type: 'softmax', num_classes: 10 }, // an fc layer to 10, then softmax (cross-entropy loss)
    ]);
    const trainer = new convnetjs.Trainer(net, {
      method: 'sgd', learning_rate: 0.05, momentum: 0.9, batch_size: spec.train.batch, l2_decay: 0,
    });
    const images = (n) => Array.from({ length: n }, () => {
      const v = new convnetjs.Vol(32, 32, 3, 0);
      for (let i = 0; i < v.w.length; i++) v.w[i] = Math.random() * 2 - 1;
      return v;
    });
    const out = { type: 'result', info: { convnetjs: '0.3.0', batchNorm: false, convBias: true } };

    stage = 'train';
    // ConvNetJS takes one image at a time (forward, backward) and updates the weights (SGD with
    // momentum) every batch_size images: a timed step is `images` of them, a quarter of a batch,
    // so that the chunks stay short (its per-image cost does not depend on the batch).
    const xs = images(spec.train.batch);
    const ys = xs.map(() => Math.floor(Math.random() * 10));
    let next = 0;
    out.train = await measure(`${spec.id} train`, async () => {
      for (let i = 0; i < spec.train.images; i++, next = (next + 1) % xs.length) trainer.train(xs[next], ys[next]);
    }, spec.train.images, spec.train);

    stage = 'inference';
    const vs = images(spec.infer.images);
    out.infer = await measure(`${spec.id} inference`, async () => {
      for (const v of vs) net.forward(v, false);
    }, spec.infer.images, spec.infer);
    return out;
  } catch (e) {
    return { type: 'error', stage, message: String(e?.stack ?? e?.message ?? e) };
  }
}

onmessage = async (event) => {
  const spec = event.data;
  const result = spec.library === 'convnetjs' ? await convnet(spec) : await tfjs(spec);
  postMessage({ ...result, id: spec.id });
};
