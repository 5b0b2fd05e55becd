//! The ConvNet cell: pick a dataset, set the knobs, train the CNN in the worker and watch it
//! learn; then read its results, save the model, or load one.

pub mod state;

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

pub use self::state::TrainedModel;
use self::state::{ConvNetAction, ConvNetState, FIELDS};
use crate::format::thousands;
use crate::protocol::training::{Request, TrainingCell};
use crate::protocol::{RunId, ToWorker};
use crate::settings::data::DatasetKind;
use crate::settings::model::KERNELS;
use crate::ui::cells::{CellKey, CellProps, CellSpec};
use crate::ui::components::button::button;
use crate::ui::components::knob::knob;
use crate::ui::heard::Heard;
use crate::ui::training::form::Form;
use crate::ui::training::picker::{DatasetPicker, use_dataset_autoload};
use crate::ui::training::run::{RunStatus, RunView};
use crate::ui::training::view::{counters, curves, epochs_text, results as results_view};
use crate::ui::training::{files, new_run_id};
use crate::ui::url;
use crate::ui::worker_link::{Worker, use_replies};

/// The cell, as the notebook lists it.
pub const CELL: CellSpec = CellSpec {
    anchor: "convnet",
    title: "A ConvNet on CIFAR-10",
    intro: "A scaled-down convolutional network — two blocks of two conv → BatchNorm → ReLU \
            layers, each followed by max-pooling, then dropout and a linear head — trained on a \
            subset of CIFAR-10 right here in your browser, in a background worker, with live \
            loss and accuracy curves.",
    view: |props| html! { <ConvNetCell ..props /> },
    keys: &[
        CellKey {
            key: " ",
            shown: "Space",
            what: "start, pause, resume",
            buttons: &["train-pause", "train-start"],
        },
        CellKey {
            key: "s",
            shown: "s",
            what: "one batch",
            buttons: &["train-step"],
        },
        CellKey {
            key: "x",
            shown: "x",
            what: "stop",
            buttons: &["train-stop"],
        },
        CellKey {
            key: "r",
            shown: "r",
            what: "reset",
            buttons: &["train-reset"],
        },
    ],
};

/// Asks the person (a run is under way); true when there is nothing to ask.
fn confirm_replacing(running: bool) -> bool {
    !running
        || web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(
                    "A run is under way. Stop it and start a new one? (Its curves will be replaced.)",
                )
                .ok()
            })
            .unwrap_or(false)
}

#[function_component]
pub fn ConvNetCell(props: &CellProps) -> Html {
    let worker = use_context::<Worker>().expect("the worker context");
    let state = use_reducer(|| ConvNetState::from_url(&url::from_location()));
    use_replies(&worker, state.dispatcher(), ConvNetAction::heard);
    let s = &*state;
    let dispatch = &state.dispatcher().to_callback();
    // The model it trained, for the other cells.
    {
        let worker = worker.clone();
        use_effect_with(s.trained_model(), move |model| {
            worker.publish(Heard::ConvNetModel(model.clone()))
        });
    }
    let ready = props.backend.is_some();
    let chosen = s.data.chosen;

    // Load the chosen dataset once the worker is ready.
    use_dataset_autoload(
        TrainingCell::ConvNet,
        ready && s.data.needs_loading(),
        chosen,
        dispatch.reform(|_| ConvNetAction::AutoLoad),
    );
    // The knobs live in the URL.
    {
        let changes = s.form.url_changes(&FIELDS, &Form::defaults(chosen));
        use_effect_with((changes, chosen), |(changes, chosen)| {
            let mut all = changes.clone();
            all.push((
                "dataset",
                (*chosen != DatasetKind::Toy && *chosen != DatasetKind::Upload)
                    .then(|| chosen.key().to_string()),
            ));
            url::update(&all);
        });
    }
    // Leaving the page mid-run asks first.
    url::use_leave_guard(s.running());

    let parsed = s.form.parse();
    let dataset = s.data.current();
    let running = s.running();
    let status = s.run.as_ref().map(|r| r.status.clone());
    let can_start = ready && parsed.is_ok() && dataset.is_some() && s.data.loading.is_none();

    let start = {
        let (worker, dispatch, form, running) =
            (worker.clone(), dispatch.clone(), s.form.clone(), running);
        move |paused: bool| {
            let Ok((settings, subset)) = form.parse() else {
                return;
            };
            if !confirm_replacing(running) {
                return;
            }
            let run = new_run_id();
            worker.send(ToWorker::ConvNet(Request::Start {
                run,
                data: chosen,
                subset,
                settings: settings.clone(),
                paused,
            }));
            dispatch.emit(ConvNetAction::Started(Box::new(RunView::new(
                run, chosen, subset, settings,
            ))));
            if paused {
                worker.send(ToWorker::ConvNet(Request::Step { run, batches: 1 }));
            }
        }
    };
    let on_start = {
        let start = start.clone();
        Callback::from(move |_: MouseEvent| start(false))
    };
    // The run the controls are for.
    let run = s.run.as_ref().map(|r| r.run);
    let on_step = {
        let (worker, start, status) = (worker.clone(), start.clone(), status.clone());
        Callback::from(move |_: MouseEvent| match (status.clone(), run) {
            (Some(RunStatus::Running | RunStatus::Paused), Some(run)) => {
                worker.send(ToWorker::ConvNet(Request::Step { run, batches: 1 }))
            }
            _ => start(true),
        })
    };
    let control = |make: fn(RunId) -> Request| {
        let worker = worker.clone();
        move || {
            if let Some(run) = run {
                worker.send(ToWorker::ConvNet(make(run)));
            }
        }
    };
    let on_pause = {
        let (pause, resume) = (
            control(|run| Request::Pause { run }),
            control(|run| Request::Resume { run }),
        );
        let status = status.clone();
        Callback::from(move |_: MouseEvent| match status {
            Some(RunStatus::Paused) => resume(),
            _ => pause(),
        })
    };
    let on_stop = {
        let stop = control(|run| Request::Stop { run });
        Callback::from(move |_: MouseEvent| stop())
    };
    let on_reset = {
        let (worker, dispatch) = (worker.clone(), dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            worker.send(ToWorker::ConvNet(Request::Reset));
            dispatch.emit(ConvNetAction::Reset);
        })
    };
    let on_save = {
        let worker = worker.clone();
        Callback::from(move |_: MouseEvent| worker.send(ToWorker::ConvNet(Request::SaveModel)))
    };
    let on_load_model = {
        let (worker, dispatch) = (worker.clone(), dispatch.clone());
        Callback::from(move |e: Event| {
            let Some(file) = files::picked(&e.target_unchecked_into::<HtmlInputElement>()) else {
                return;
            };
            let (worker, dispatch) = (worker.clone(), dispatch.clone());
            spawn_local(async move {
                match files::read(&file).await {
                    Ok(bytes) => {
                        let run = new_run_id();
                        dispatch.emit(ConvNetAction::LoadModel(run, file.name()));
                        let request = Request::LoadModel {
                            run,
                            name: file.name(),
                            data: chosen,
                        };
                        worker.send_with_bytes(ToWorker::ConvNet(request), bytes);
                    }
                    Err(e) => dispatch.emit(ConvNetAction::Note(e)),
                }
            });
        })
    };
    let on_edit = dispatch.reform(|(field, text)| ConvNetAction::Edit(field, text));
    let on_data = dispatch.reform(|result: Result<DatasetKind, String>| match result {
        Ok(kind) => ConvNetAction::LoadData(kind),
        Err(e) => ConvNetAction::Note(e),
    });
    let on_kernel = dispatch.reform(|e: Event| {
        let value = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        ConvNetAction::Kernel(value.parse().unwrap_or(3))
    });
    let on_bn = dispatch.reform(|e: Event| {
        ConvNetAction::BatchNorm(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let on_augment = dispatch.reform(|e: Event| {
        ConvNetAction::Augment(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let on_texture = dispatch.reform(|e: Event| {
        ConvNetAction::TextureRandomised(e.target_unchecked_into::<HtmlInputElement>().checked())
    });

    let classes: Vec<String> = dataset
        .as_ref()
        .map(|d| d.class_names.clone())
        .unwrap_or_default();
    let has_model = s.has_model();
    let pause_label = if matches!(status, Some(RunStatus::Paused)) {
        "Resume"
    } else {
        "Pause"
    };
    let parameters = parsed
        .as_ref()
        .map(|(settings, _)| settings.model.parameters())
        .ok();
    let notes = s.data.error.iter().chain(&s.notes);
    html! {
        <div class="convnet">
            <DatasetPicker cell={TrainingCell::ConvNet} data={s.data.clone()} on_load={on_data} disabled={!ready || running} />
            <fieldset class="knobs" disabled={running}>
                <legend>{ "The network and its training (scaled down from the write-up's design)" }</legend>
                <div class="knob-grid">
                    { for FIELDS.iter().map(|&field| knob(field, &s.form, &on_edit)) }
                    <label class="knob">
                        <span class="knob-label">{ "kernel" }</span>
                        <select onchange={on_kernel} data-testid="kernel-select">
                            { for KERNELS.iter().map(|&k| html! {
                                <option value={k.to_string()} selected={s.form.kernel == k}>{ format!("{k}\u{d7}{k}") }</option>
                            }) }
                        </select>
                    </label>
                    <label class="knob check">
                        <input type="checkbox" checked={s.form.batch_norm} onchange={on_bn} data-testid="batch-norm-toggle" />
                        <span>{ "BatchNorm after each convolution" }</span>
                    </label>
                    <label class="knob check">
                        <input type="checkbox" checked={s.form.augment} onchange={on_augment} data-testid="augment-toggle" />
                        <span>{ "augmentation (random crop, flip)" }</span>
                    </label>
                    <label class="knob check">
                        <input type="checkbox" checked={s.form.texture_randomised} onchange={on_texture} data-testid="texture-randomised-toggle" />
                        <span>{ "texture randomisation (the paper cell's experiment C)" }</span>
                    </label>
                </div>
                if let Some(p) = parameters {
                    <p class="hint">{ format!("{} trainable parameters.", thousands(p as u64)) }</p>
                }
            </fieldset>
            <div class="controls run-controls">
                { button("train-start", if running { "Restart" } else { "Start" }, Some("primary"), !can_start, on_start) }
                { button("train-pause", pause_label, None, !running, on_pause) }
                { button("train-step", "Step one batch", None, !can_start || matches!(status, Some(RunStatus::Running)), on_step) }
                { button("train-stop", "Stop", None, !running, on_stop) }
                { button("train-reset", "Reset", None, s.run.is_none() && s.loaded.is_none(), on_reset) }
                <span class="spacer"></span>
                { button("model-save", "Save model", None, !has_model || running && !matches!(status, Some(RunStatus::Paused)), on_save) }
                <label class="file-pick button-like">
                    <span>{ "Load model\u{2026}" }</span>
                    <input type="file" accept=".bin" onchange={on_load_model} disabled={!ready || running || dataset.is_none()} data-testid="model-load" />
                </label>
            </div>
            { for notes.map(|note| html! { <p class="note" role="status" data-testid="run-note">{ note.clone() }</p> }) }
            if let Some(view) = &s.run {
                { counters(view) }
                { curves(view, false) }
                if let Some(results) = &view.results {
                    { results_view(&classes, results, view.started.as_ref().map(|s| s.train_counts.as_slice()), &epochs_text(results.epochs)) }
                }
            }
            if let Some(model) = &s.loaded {
                { results_view(&classes, &model.results, None, &format!("{}, loaded from {}", epochs_text(model.results.epochs), model.name)) }
            }
        </div>
    }
}
