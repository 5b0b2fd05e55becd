// Keeps the imbalance lab's queue (a Compare or a β Sweep) for a reload, a discarded tab or a
// crash (issue 27), and offers "Sweep β interrupted: 2 of 3 runs left — Resume / Discard". The
// finished runs are already kept (the results table, in localStorage); this keeps the plan: what
// the lab's form said when Compare or Sweep was pressed (dataset, knobs, loss, β list) and how
// many runs were not yet finished. Resume puts the form back and presses the same button with
// the runs left (the run that was under way starts again from its first epoch). Plain JS beside
// the UI bundle, which has no room for it; it drives the lab through its own controls.
self.lecternKeptQueue = (() => {
  const KEY = "lectern.imbalance.queue";
  const WHAT = { compare: "Compare", sweep: "Sweep \u03b2" };
  const DATASETS = ["toy", "cifar", "upload"];
  const isText = (v) => typeof v === "string";

  /** Why a kept plan cannot be used, or "" when it can. */
  function problem(p) {
    if (p === null || typeof p !== "object" || Array.isArray(p)) return "it is not a kept queue";
    if (p.format !== 1) return `it was kept by another version of lectern (format ${JSON.stringify(p.format)})`;
    if (!(p.what in WHAT)) return `it names no Compare or Sweep (${JSON.stringify(p.what)})`;
    if (!DATASETS.includes(p.dataset) || !isText(p.dataName)) return "its dataset is missing";
    const knobs = p.knobs;
    if (knobs === null || typeof knobs !== "object" || !Object.values(knobs).every(isText) || !isText(p.loss)) {
      return "its knobs are missing";
    }
    const runs = p.what === "compare" ? 2 : Array.isArray(p.betas) && p.betas.every(isText) ? p.betas.length : -1;
    if (p.total !== runs || runs < 1) return `its run count (${JSON.stringify(p.total)}) does not match its runs`;
    if (!Number.isInteger(p.left) || p.left < 1 || p.left > p.total) return `its count of runs left (${JSON.stringify(p.left)}) is out of range`;
    return "";
  }

  /** Reads the kept text: null (nothing kept), {plan} or {problem: why it cannot be used}. */
  function read(text) {
    if (text === null || text === undefined) return null;
    let plan;
    try {
      plan = JSON.parse(text);
    } catch (error) {
      return { problem: `it is not readable (${error.message})` };
    }
    const why = problem(plan);
    return why ? { problem: why } : { plan };
  }

  /** The runs still to do: what to press, and the loss and β list to set first. */
  function remaining(plan) {
    if (plan.what === "sweep") {
      return { button: "sweep-start", loss: plan.loss, betas: plan.betas.slice(plan.total - plan.left) };
    }
    // Compare is cross-entropy, then CB focal with the form's β and γ: CB focal alone is Run.
    return plan.left === 2 ? { button: "compare-start", loss: plan.loss } : { button: "run-start", loss: "cb-focal" };
  }

  /** The offer's sentence. */
  function describe(plan) {
    let text = `${WHAT[plan.what]} interrupted: ${plan.left} of ${plan.total} runs left`;
    text += plan.total - plan.left > 0 ? " (the finished ones are in the results table)." : ".";
    text += " The run that was under way starts again from its first epoch.";
    if (plan.dataset === "upload") text += ` It trained on ${plan.dataName}: pick that file again first.`;
    return text;
  }

  return { KEY, read, remaining, describe };
})();

// The page's part: keep the plan while the queue runs, and offer it after a reload.
(() => {
  if (typeof document === "undefined") return;
  const { KEY, read, remaining, describe } = self.lecternKeptQueue;
  const lab = () => document.querySelector('[data-testid="section-imbalance"]');
  const inLab = (id) => lab()?.querySelector(`[data-testid="${id}"]`);
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function until(ready, ms) {
    for (const end = Date.now() + ms; Date.now() < end; await pause(100)) if (ready()) return true;
    return ready();
  }
  /** Sets a control's value as a person would (the lab listens to these events); whether it had to. */
  function set(control, value, event) {
    if (!control || control.value === String(value)) return false;
    control.value = String(value);
    control.dispatchEvent(new Event(event, { bubbles: true }));
    return true;
  }
  const storage = () => {
    try {
      return self.localStorage;
    } catch {
      return null; // storage blocked
    }
  };

  const offer = document.createElement("div");
  offer.className = "kept-offer queue-offer";
  offer.setAttribute("role", "region");
  offer.setAttribute("aria-label", "Interrupted queue");
  offer.dataset.testid = "queue-offer";
  const words = document.createElement("span");
  words.dataset.testid = "queue-offer-text";
  words.setAttribute("role", "status");
  const button = (label, testid, action) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.testid = testid;
    b.addEventListener("click", action);
    return b;
  };
  // The notebook's renderer empties <body> when it starts: the offer goes back in after it.
  const observer = new MutationObserver(() => offer.isConnected || document.body.append(offer));
  function show(text, ...buttons) {
    words.textContent = text;
    offer.replaceChildren(words, ...buttons);
    observer.observe(document.body, { childList: true });
    if (!offer.isConnected) document.body.append(offer);
  }
  function close() {
    offer.remove();
    observer.disconnect();
  }
  const dismiss = () => button("Dismiss", "queue-dismiss", close);

  /** Keeps `plan`; a browser that refuses says so once. */
  let refusedOnce = false;
  function keep(plan) {
    try {
      storage().setItem(KEY, JSON.stringify(plan));
    } catch (error) {
      if (refusedOnce) return;
      refusedOnce = true;
      show(`This browser refuses to keep the queue (${error?.name ?? "storage"}: ${error?.message ?? error}): the runs go on, but a reload would lose those not yet finished.`, dismiss());
    }
  }
  const forget = () => {
    try {
      storage()?.removeItem(KEY);
    } catch {
      // storage blocked: nothing was kept
    }
  };

  // Follows the queue the lab is working through: "run 2 of 3 (1 waiting)" means 2 runs left
  // (the one under way and the one waiting). When the lab is no longer busy the queue is over.
  let watching = null;
  /** Follows `plan`; `done()` runs when its queue is over. */
  function watch(plan, done = () => {}) {
    clearInterval(watching);
    keep(plan);
    const since = Date.now();
    let seenBusy = false;
    watching = setInterval(() => {
      const cancel = inLab("queue-cancel");
      if (cancel && !cancel.disabled) {
        seenBusy = true;
        const waiting = /\((\d+) waiting\)/.exec(inLab("queue-progress")?.textContent ?? "");
        const left = waiting ? Number(waiting[1]) + 1 : plan.left;
        if (left !== plan.left) keep({ ...plan, left: (plan.left = left) });
      } else if (seenBusy || Date.now() - since > 10000) {
        clearInterval(watching);
        forget();
        done();
      }
    }, 250);
  }

  // Compare or Sweep pressed: the form as the lab reads it now is the plan.
  document.addEventListener("click", (event) => {
    const target = event.target.closest?.("[data-testid]");
    if (!target || target.disabled || !lab()?.contains(target)) return;
    const id = target.dataset.testid;
    if (id === "queue-cancel") {
      clearInterval(watching);
      forget();
      return;
    }
    if (id !== "compare-start" && id !== "sweep-start") return;
    close();
    const knobs = {};
    lab().querySelectorAll('fieldset.knobs [data-testid$="-input"]').forEach((k) => { knobs[k.dataset.testid] = k.value; });
    const betas = (inLab("sweep-input")?.value ?? "").split(",").map((b) => b.trim()).filter((b) => b);
    const what = id === "compare-start" ? "compare" : "sweep";
    const total = what === "compare" ? 2 : betas.length;
    watch({
      format: 1, what, total, left: total, knobs, at: Date.now(),
      dataset: inLab("dataset-select")?.value, dataName: (inLab("data-status")?.textContent ?? "").split(":")[0].trim(),
      loss: inLab("loss-select")?.value, ...(what === "sweep" ? { betas } : {}),
    });
  }, true);

  async function resume(plan, controls) {
    controls.forEach((c) => { c.disabled = true; });
    const fail = (text) => {
      words.textContent = text;
      controls.forEach((c) => { c.disabled = false; });
    };
    const loaded = () => inLab("data-status")?.textContent.trim().startsWith(`${plan.dataName}:`);
    if (plan.dataset !== "upload") set(inLab("dataset-select"), plan.dataset, "change");
    else if (!loaded()) return fail(`The runs left trained on ${plan.dataName}, which this page no longer holds: pick that file again with the lab's dataset picker, then press Resume.`);
    words.textContent = `Loading ${plan.dataName} to resume the runs\u2026`;
    if (!(await until(loaded, 180000))) return fail(`${plan.dataName} did not load (see the lab's note); press Resume to try again.`);
    const runs = remaining(plan);
    // The knobs after the dataset (a dataset of another kind brings its own defaults), again
    // until the form shows them all (a render in flight can put a value back).
    const fill = () => {
      let changed = set(inLab("loss-select"), runs.loss, "change");
      for (const [id, text] of Object.entries(plan.knobs)) changed = set(inLab(id), text, "input") || changed;
      return (runs.betas && set(inLab("sweep-input"), runs.betas.join(", "), "input")) || changed;
    };
    for (let tries = 0; tries < 20 && fill(); tries++) await pause(250);
    const start = () => inLab(runs.button);
    if (!(await until(() => start() && !start().disabled, 30000))) {
      return fail("The lab cannot start the runs yet (is a knob refused?); press Resume to try again.");
    }
    close();
    start().click();
    // Followed as the same plan (its count of runs), not as the shorter list just pressed; the
    // form shows the whole β list and the loss again afterwards.
    watch(plan, () => {
      set(inLab("loss-select"), plan.loss, "change");
      if (plan.betas) set(inLab("sweep-input"), plan.betas.join(", "), "input");
    });
  }

  const found = read(storage()?.getItem(KEY) ?? null);
  if (!found) return;
  if (found.problem) {
    forget();
    show(`An interrupted Compare or Sweep could not be read back (${found.problem}); it was discarded: start the runs again from the imbalance lab.`, dismiss());
    return;
  }
  const controls = [];
  const resumeButton = button("Resume", "queue-resume", () => resume(found.plan, controls));
  const discardButton = button("Discard", "queue-discard", () => {
    forget();
    close();
  });
  controls.push(resumeButton, discardButton);
  show(describe(found.plan), resumeButton, discardButton);
})();
