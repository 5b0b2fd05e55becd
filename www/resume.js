// Offers the ConvNet cell's kept run after a reload, a discarded tab or a crash (issue 27): the
// compute worker keeps the last finished epoch in IndexedDB (kept.js, src/worker/keep.rs); this
// shows "Run from 15:02 kept at epoch 3 of 8 — Resume / Discard". Resume puts the run's dataset
// and knobs back into the cell's form, flags the record and presses Start: the worker then goes
// on from the kept epoch, sending the curves so far first. Discard deletes the record. Plain JS
// beside the UI bundle, which has no room for it; it drives the cell through its own controls.
(() => {
  const CELL = "convnet";
  const kept = self.lecternKept;
  if (!kept) return;

  const inCell = (id) => document.querySelector(`[data-testid="section-${CELL}"] [data-testid="${id}"]`);
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Waits until `ready()` is true (checked every 100 ms); false after `ms`. */
  async function until(ready, ms) {
    for (const end = Date.now() + ms; Date.now() < end; await pause(100)) if (ready()) return true;
    return ready();
  }

  const offer = document.createElement("div");
  offer.className = "kept-offer";
  offer.setAttribute("role", "region");
  offer.setAttribute("aria-label", "Kept run");
  offer.dataset.testid = "kept-offer";
  const words = document.createElement("span");
  words.dataset.testid = "kept-text";
  words.setAttribute("role", "status");
  const button = (label, testid, action) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.testid = testid;
    b.addEventListener("click", action);
    return b;
  };

  function close() {
    offer.remove();
    observer.disconnect();
  }
  // The notebook's renderer empties <body> when it starts: the offer goes back in after it.
  const observer = new MutationObserver(() => offer.isConnected || document.body.append(offer));

  /** Sets a form control's value as a person would (the cell listens to these events); whether
   * it had to. */
  function set(control, value, event) {
    if (!control) return false;
    if (control.type === "checkbox") {
      if (control.checked === value) return false;
      control.checked = value;
    } else {
      if (control.value === String(value)) return false;
      control.value = String(value);
    }
    control.dispatchEvent(new Event(event, { bubbles: true }));
    return true;
  }

  /** Puts the kept run's knobs into the cell's form; whether any had to change. */
  function fill(record) {
    let changed = false;
    for (const [key, text] of Object.entries(record.form ?? {})) {
      changed = set(inCell(`${key.replaceAll("_", "-")}-input`), text, "input") || changed;
    }
    changed = set(inCell("kernel-select"), record.kernel, "change") || changed;
    changed = set(inCell("batch-norm-toggle"), record.batchNorm, "change") || changed;
    changed = set(inCell("augment-toggle"), record.augment, "change") || changed;
    return set(inCell("texture-randomised-toggle"), record.texture, "change") || changed;
  }

  async function resume(record, controls) {
    controls.forEach((c) => { c.disabled = true; });
    const again = () => controls.forEach((c) => { c.disabled = false; });
    const loaded = () => inCell("data-status")?.textContent.trim().startsWith(`${record.dataName}:`);
    if (record.dataset !== "upload") set(inCell("dataset-select"), record.dataset, "change");
    else if (!loaded()) {
      words.textContent = `The kept run trained on ${record.dataName}, which this page no longer holds: pick that file again with the ConvNet cell's dataset picker, then press Resume.`;
      again();
      return;
    }
    words.textContent = `Loading ${record.dataName} to resume the run\u2026`;
    if (!(await until(loaded, 180000))) {
      words.textContent = `${record.dataName} did not load (see the ConvNet cell's note); press Resume to try again.`;
      again();
      return;
    }
    // The knobs after the dataset (a dataset of another kind brings its own defaults), again
    // until the form shows them all (a render in flight can put a value back).
    for (let tries = 0; tries < 20 && fill(record); tries++) await pause(250);
    const start = () => inCell("train-start");
    if (!(await until(() => start() && !start().disabled, 30000))) {
      words.textContent = "The cell cannot start the run yet (is a knob refused?); press Resume to try again.";
      again();
      return;
    }
    try {
      await kept.requestResume(CELL);
    } catch (error) {
      words.textContent = `The kept run cannot be read back (${error?.message ?? error}); Discard it and start again.`;
      again();
      return;
    }
    start().click();
    close();
  }

  async function offerRun(record) {
    const controls = [];
    const discardButton = button("Discard", "kept-discard", async () => {
      controls.forEach((c) => { c.disabled = true; });
      try {
        await kept.remove(CELL);
        close();
      } catch (error) {
        words.textContent = `The kept run could not be deleted (${error?.message ?? error}).`;
      }
    });
    observer.observe(document.body, { childList: true });
    if (record.format !== 1 || !(record.bytes instanceof Uint8Array)) {
      words.textContent = `A run kept by another version of lectern (record format ${record.format}) cannot be resumed here.`;
      controls.push(discardButton);
      offer.replaceChildren(words, discardButton);
      document.body.append(offer);
      return;
    }
    const at = new Date(record.startedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const finished = record.epoch >= record.epochs;
    words.textContent = finished
      ? `Run from ${at} finished (${record.epochs} epochs) and kept: Resume shows it again (Save model then saves it).`
      : `Run from ${at} kept at epoch ${record.epoch} of ${record.epochs}.`;
    if (record.dataset === "upload") words.textContent += ` It trained on ${record.dataName}: pick that file again first.`;
    const resumeButton = button("Resume", "kept-resume", () => resume(record, controls));
    controls.push(resumeButton, discardButton);
    offer.replaceChildren(words, resumeButton, discardButton);
    document.body.append(offer);
  }

  // Storage blocked (a private window) or unreadable: nothing to offer; the worker says at the
  // first finished epoch that the run cannot be kept.
  kept.get(CELL).then((record) => record && offerRun(record), () => {});
})();
