//! Keeps the ConvNet cell's run for a reload, a discarded tab or a crash: after each finished
//! epoch the worker writes the run as it stands ([`KeptRun`]: checkpoint, curves, settings) to
//! the browser's IndexedDB, one record per cell, through `www/kept.js` (`self.lecternKept`,
//! loaded by `worker_loader.js`; plain JS, so neither bundle carries IndexedDB bindings). One
//! `put` is one IndexedDB transaction: all or nothing, so a crash mid-write leaves the previous
//! epoch's record readable.
//!
//! After a reload the page (`www/resume.js`) offers the kept run; its Resume fills the form,
//! flags the record and presses Start. A Start finding the flag ([`take_resume`]) goes on from
//! the kept epoch instead of from scratch (`training::resume_session`).
//!
//! Where storage is blocked (a private window) or full, the first failed write says once that
//! the run cannot be kept; training goes on.

use std::cell::{Cell, RefCell};

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::envelope::post;
use crate::data::dataset::Dataset;
use crate::protocol::training::{Event, TrainingCell};
use crate::protocol::{FromWorker, RunId};
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::train::TrainSettings;
use crate::train::kept::KeptRun;

thread_local! {
    /// The ConvNet cell's run as far as the page has been told (the curves so far).
    static RUN: RefCell<Option<(RunId, KeptRun)>> = const { RefCell::new(None) };
    /// Whether the person was told that runs cannot be kept here.
    static TOLD: Cell<bool> = const { Cell::new(false) };
}

/// Only the ConvNet cell's run is kept (the imbalance lab's queue is not yet).
pub fn kept_cell(cell: TrainingCell) -> bool {
    cell == TrainingCell::ConvNet
}

fn cell_key(cell: TrainingCell) -> &'static str {
    match cell {
        TrainingCell::ConvNet => "convnet",
        TrainingCell::Imbalance => "imbalance",
    }
}

/// A run began (or was resumed: `from` is the kept run it goes on from).
pub fn started(
    cell: TrainingCell,
    run: RunId,
    dataset: &Dataset,
    subset: SubsetSettings,
    settings: &TrainSettings,
    from: Option<&KeptRun>,
) {
    if !kept_cell(cell) {
        return;
    }
    let kept = KeptRun {
        cell,
        started_at_ms: from.map_or_else(js_sys::Date::now, |k| k.started_at_ms),
        data: dataset.kind,
        data_name: dataset.name.clone(),
        subset,
        settings: settings.clone(),
        steps: Vec::new(),
        epochs: Vec::new(),
        training_seconds: 0.0,
        checkpoint: Vec::new(),
    };
    RUN.with(|r| *r.borrow_mut() = Some((run, kept)));
}

/// Follows what the page is told of the run: its batches, its epochs, a move to the CPU (which
/// trains the batches after the last finished epoch again).
pub fn observe(cell: TrainingCell, event: &Event) {
    if !kept_cell(cell) {
        return;
    }
    RUN.with(|r| {
        let mut r = r.borrow_mut();
        let Some((run, kept)) = r.as_mut() else {
            return;
        };
        if event.run() != Some(*run) {
            return;
        }
        match event {
            Event::Steps { steps, .. } => kept.steps.extend_from_slice(steps),
            Event::Epoch(report) => kept.epochs.push(report.clone()),
            Event::MovedToCpu { epoch, .. } => {
                kept.epochs.truncate(*epoch);
                kept.steps.retain(|s| s.epoch < *epoch);
            }
            _ => {}
        }
    });
}

/// An epoch finished: stores the run with `checkpoint` (the model after it), replacing the
/// cell's previous record. Returns at once; the write completes on its own.
pub fn keep(cell: TrainingCell, run: RunId, training_seconds: f64, checkpoint: Vec<u8>) {
    if !kept_cell(cell) {
        return;
    }
    let Some(kept) = RUN.with(|r| {
        r.borrow()
            .as_ref()
            .filter(|(r, _)| *r == run)
            .map(|(_, k)| k.clone())
    }) else {
        return;
    };
    let kept = KeptRun {
        training_seconds,
        checkpoint,
        ..kept
    };
    let record = js_record(&kept);
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(Err(why)) = call("put", cell, Some(&record)).await {
            tell_once(
                cell,
                format!(
                    "This run cannot be kept for a reload ({why}): storage is blocked (a private window?) or full. Training goes on; save the model to keep it."
                ),
            );
        }
    });
}

/// Deletes the cell's kept run (Reset).
pub fn discard(cell: TrainingCell) {
    if kept_cell(cell) {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = call("remove", cell, None).await;
        });
    }
}

/// The kept run the page asked to resume (Resume in `www/resume.js`), if it did; the request is
/// used up. `Err`: the record cannot be read, and why.
pub async fn take_resume(cell: TrainingCell) -> Option<Result<KeptRun, String>> {
    if !kept_cell(cell) {
        return None;
    }
    let record = match call("takeResume", cell, None).await? {
        Ok(record) => record,
        Err(why) => return Some(Err(format!("the kept run could not be read ({why})"))),
    };
    if record.is_null() || record.is_undefined() {
        return None;
    }
    let bytes = Reflect::get(&record, &"bytes".into())
        .ok()
        .and_then(|b| b.dyn_into::<Uint8Array>().ok())
        .map(|b| b.to_vec())
        .unwrap_or_default();
    Some(KeptRun::decode(&bytes))
}

/// Why `kept` cannot go on with what this Start asks for (the page filled its form from it, so
/// a difference means the form or the data changed since).
pub fn mismatch(
    kept: &KeptRun,
    dataset: &Dataset,
    subset: &SubsetSettings,
    settings: &TrainSettings,
) -> Option<String> {
    if kept.data != dataset.kind || kept.data_name != dataset.name {
        let again = if kept.data == DatasetKind::Upload {
            " Pick that file again with the dataset picker, then press Resume."
        } else {
            ""
        };
        return Some(format!(
            "it trained on {}, but the loaded dataset is {}.{again}",
            kept.data_name, dataset.name
        ));
    }
    (kept.subset != *subset || kept.settings != *settings).then(|| {
        "the form's settings differ from the kept run's (a knob was changed before Start)."
            .to_string()
    })
}

/// The record as stored: the bytes, and beside them what the page's offer shows and fills the
/// form with (read by `www/resume.js`).
fn js_record(kept: &KeptRun) -> Object {
    let record = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&record, &key.into(), &value);
    };
    let form = Object::new();
    for (key, text) in kept.form_texts() {
        let _ = Reflect::set(&form, &key.into(), &text.into());
    }
    let model = &kept.settings.model;
    set("format", f64::from(crate::train::kept::VERSION).into());
    set("startedAt", kept.started_at_ms.into());
    set("savedAt", js_sys::Date::now().into());
    set("epoch", (kept.epochs_done() as f64).into());
    set("epochs", (kept.settings.epochs as f64).into());
    set("dataset", kept.data.key().into());
    set("dataName", kept.data_name.as_str().into());
    set("form", form.into());
    set("kernel", (model.kernel as f64).into());
    set("batchNorm", model.batch_norm.into());
    set("augment", kept.settings.augment.into());
    set("texture", kept.settings.texture_randomised.into());
    set("resume", 0.into());
    set("bytes", Uint8Array::from(kept.encode().as_slice()).into());
    record
}

/// Calls `self.lecternKept[method](cell, value)` and waits for its promise. `None` where
/// `www/kept.js` is not loaded (the wasm tests' workers).
async fn call(
    method: &str,
    cell: TrainingCell,
    value: Option<&Object>,
) -> Option<Result<JsValue, String>> {
    let store = Reflect::get(&js_sys::global(), &"lecternKept".into()).ok()?;
    let function = Reflect::get(&store, &method.into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let value = value.map_or(JsValue::UNDEFINED, JsValue::from);
    let result = match function.call2(&store, &cell_key(cell).into(), &value) {
        Ok(promise) => match promise.dyn_into::<Promise>() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(other) => Ok(other),
        },
        Err(e) => Err(e),
    };
    Some(result.map_err(|e| describe(&e)))
}

/// A JS error as a short sentence part: its name and message.
fn describe(error: &JsValue) -> String {
    let field = |key: &str| {
        Reflect::get(error, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    match (field("name"), field("message")) {
        (Some(name), Some(message)) => format!("{name}: {message}"),
        (_, Some(message)) => message,
        _ => error
            .as_string()
            .unwrap_or_else(|| "the storage refused".into()),
    }
}

fn tell_once(cell: TrainingCell, reason: String) {
    if !TOLD.with(|t| t.replace(true)) {
        post(&FromWorker::training(
            cell,
            Event::Refused {
                run: None,
                reason: reason.into(),
            },
        ));
    }
}
