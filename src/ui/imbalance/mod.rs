//! The class-imbalance lab: a long-tailed subset, the losses of the study (cross-entropy, focal,
//! class-balanced), β and γ with the class weights they give, runs one after another (a compare,
//! a β sweep), and a per-class results table like a write-up's, with its exports.

pub mod results;
pub mod state;
pub mod stored;
pub mod table;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use self::state::{FIELDS, ImbalanceAction, ImbalanceState, Planned, URL_FIELDS};
use self::table::Row;
use crate::format::plain;
use crate::nn::class_balance::{class_balanced_weights, effective_number};
use crate::protocol::ToWorker;
use crate::protocol::training::{Request, TrainingCell};
use crate::settings::data::DatasetKind;
use crate::settings::loss::{LossKind, LossSettings};
use crate::ui::cells::{CellKey, CellProps, CellSpec};
use crate::ui::components::button::button;
use crate::ui::components::knob::knob;
use crate::ui::plot::bars::{BarChart, Bars, ClassWeights, WeightsChart};
use crate::ui::training::new_run_id;
use crate::ui::training::picker::{DatasetPicker, use_dataset_autoload};
use crate::ui::training::run::RunView;
use crate::ui::training::view::{counters, curves};
use crate::ui::worker_link::{Worker, use_replies};
use crate::ui::{local_store, url};

/// The cell, as the notebook lists it.
pub const CELL: CellSpec = CellSpec {
    anchor: "imbalance",
    title: "Class imbalance",
    intro: "Real data is long-tailed: a few classes have most of the images. On a long-tailed \
            CIFAR-10 subset we compare cross-entropy, focal loss and the class-balanced losses \
            of Cui et al. (CVPR 2019), whose weights (1 − β)/(1 − βⁿ) grow for rare classes, and \
            read per-class accuracies the way a write-up reports them.",
    view: |props| html! { <ImbalanceCell ..props /> },
    keys: &[
        CellKey {
            key: " ",
            shown: "Space",
            what: "run",
            buttons: &["run-start"],
        },
        CellKey {
            key: "c",
            shown: "c",
            what: "compare",
            buttons: &["compare-start"],
        },
        CellKey {
            key: "b",
            shown: "b",
            what: "sweep \u{3b2}",
            buttons: &["sweep-start"],
        },
        CellKey {
            key: "x",
            shown: "x",
            what: "cancel",
            buttons: &["queue-cancel"],
        },
    ],
};

/// Where the results table is kept between visits.
const STORAGE_KEY: &str = "lectern.imbalance.results.v2";
/// When the browser refuses to keep it.
const NOT_KEPT: &str = "This browser does not keep the results table (storage is blocked, as in some private windows, or full): export it (CSV or Markdown) before you close the tab.";
/// Where earlier versions kept it, as JSON: forgotten on the first visit.
const OLD_STORAGE_KEY: &str = "lectern.imbalance.results.v1";

#[function_component]
pub fn ImbalanceCell(props: &CellProps) -> Html {
    let worker = use_context::<Worker>().expect("the worker context");
    let state = use_reducer(|| ImbalanceState::from_url(&url::from_location()));
    use_replies(&worker, state.dispatcher(), ImbalanceAction::heard);
    let s = &*state;
    let dispatch = &state.dispatcher().to_callback();
    let ready = props.backend.is_some();
    let chosen = s.data.chosen;
    let dataset = s.data.current();

    // The table survives a reload, and tabs of the site share it: what another tab saves
    // (rows it added or removed) replaces this tab's, which it already held.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            local_store::remove(OLD_STORAGE_KEY);
            if let Some(rows) = local_store::load::<Vec<Row>>(STORAGE_KEY) {
                dispatch.emit(ImbalanceAction::Restore(rows));
            }
            let listener = local_store::on_other_tab_change(STORAGE_KEY, move |rows| {
                dispatch.emit(ImbalanceAction::Restore(rows.unwrap_or_default()))
            });
            move || drop(listener)
        });
    }
    {
        let first = use_mut_ref(|| true);
        let warned = use_mut_ref(|| false);
        let dispatch = dispatch.clone();
        use_effect_with(s.rows.clone(), move |rows| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                if rows.is_empty() {
                    local_store::remove(STORAGE_KEY);
                } else if !local_store::save(STORAGE_KEY, rows.as_ref())
                    && !std::mem::replace(&mut *warned.borrow_mut(), true)
                {
                    dispatch.emit(ImbalanceAction::Note(NOT_KEPT.into()));
                }
            }
        });
    }
    // Load the chosen dataset once the worker is ready.
    use_dataset_autoload(
        TrainingCell::Imbalance,
        ready && s.data.needs_loading(),
        chosen,
        dispatch.reform(|_| ImbalanceAction::AutoLoad),
    );
    // The worker draws the long-tailed subset whenever the knobs or the data change.
    let planned = s.planned();
    {
        let worker = worker.clone();
        let subset = planned.as_ref().ok().map(|p| p.subset);
        let loaded = dataset.is_some();
        use_effect_with(
            (
                subset.map(|s| (s.per_class, s.imbalance.to_bits())),
                loaded,
                chosen,
            ),
            move |_| {
                if let (Some(subset), true) = (subset, loaded) {
                    worker.send(ToWorker::Imbalance(Request::DrawSubset {
                        data: chosen,
                        subset,
                    }));
                }
            },
        );
    }
    // The queue: start its next run when the worker is free.
    {
        let (worker, dispatch) = (worker.clone(), dispatch.clone());
        let idle = !s.current.as_ref().is_some_and(RunView::is_active);
        let next = s.queue.first().cloned().filter(|_| idle && ready);
        use_effect_with(next, move |next| {
            if let Some(p) = next {
                let run = new_run_id();
                let mut settings = p.settings.clone();
                settings.loss = p.loss;
                worker.send(ToWorker::Imbalance(Request::Start {
                    run,
                    data: p.data,
                    subset: p.subset,
                    settings: settings.clone(),
                    paused: false,
                }));
                dispatch.emit(ImbalanceAction::Started(Box::new(RunView::new(
                    run, p.data, p.subset, settings,
                ))));
            }
        });
    }
    // The knobs live in the URL.
    {
        let changes = s.form.url_changes(&URL_FIELDS, &state::defaults(chosen));
        let loss = s.form.loss;
        use_effect_with((changes, loss), |(changes, loss)| {
            let mut all = changes.clone();
            all.push((
                "loss",
                (*loss != LossKind::CbFocal).then(|| loss.key().to_string()),
            ));
            url::update(&all);
        });
    }
    url::use_leave_guard(s.busy());

    let busy = s.busy();
    let can_run = ready && planned.is_ok() && dataset.is_some() && s.data.loading.is_none();
    let enqueue = |runs: fn(&Planned, &ImbalanceState) -> Result<Vec<Planned>, String>| {
        let (dispatch, state) = (dispatch.clone(), state.clone());
        Callback::from(move |_: MouseEvent| {
            let Ok(planned) = state.planned() else {
                return;
            };
            match runs(&planned, &state) {
                Ok(list) => dispatch.emit(ImbalanceAction::Enqueue(list)),
                Err(e) => dispatch.emit(ImbalanceAction::Note(e)),
            }
        })
    };
    let on_run = enqueue(|p, _| Ok(vec![p.clone()]));
    let on_compare = enqueue(|p, _| {
        let ce = LossSettings {
            kind: LossKind::CrossEntropy,
            ..p.loss
        };
        let cb = LossSettings {
            kind: LossKind::CbFocal,
            ..p.loss
        };
        Ok([ce, cb].map(|loss| Planned { loss, ..p.clone() }).to_vec())
    });
    let on_sweep = enqueue(|p, state| {
        let kind = if p.loss.kind.uses_beta() {
            p.loss.kind
        } else {
            LossKind::CbFocal
        };
        Ok(state
            .sweep_betas()?
            .into_iter()
            .map(|beta| Planned {
                loss: LossSettings {
                    kind,
                    beta,
                    ..p.loss
                },
                ..p.clone()
            })
            .collect())
    });
    let on_cancel = {
        let (worker, dispatch) = (worker.clone(), dispatch.clone());
        let run = s.current.as_ref().map(|r| r.run);
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(ImbalanceAction::Cancel);
            if let Some(run) = run {
                worker.send(ToWorker::Imbalance(Request::Stop { run }));
            }
        })
    };
    let on_edit = dispatch.reform(|(field, text)| ImbalanceAction::Edit(field, text));
    let on_loss = dispatch.reform(|e: Event| {
        let key = e.target_unchecked_into::<HtmlSelectElement>().value();
        ImbalanceAction::Loss(LossKind::parse(&key).unwrap_or(LossKind::CrossEntropy))
    });
    let on_sweep_text = dispatch.reform(|e: InputEvent| {
        ImbalanceAction::Sweep(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let on_data = dispatch.reform(|result: Result<DatasetKind, String>| match result {
        Ok(kind) => ImbalanceAction::LoadData(kind),
        Err(e) => ImbalanceAction::Note(e),
    });

    let classes: Vec<String> = dataset
        .as_ref()
        .map(|d| d.class_names.clone())
        .unwrap_or_default();
    let kind = s.form.loss;
    let sweep_error = s.sweep_betas().err();
    let histogram = s.drawn.as_ref().map(|(subset, counts)| {
        let total: usize = counts.iter().sum();
        html! {
            <BarChart testid="class-histogram" data={Bars {
                classes: classes.clone(),
                series: vec![("training images".into(), counts.iter().map(|&n| n as f64).collect())],
                y_desc: "training images".into(),
                percent: false,
            }} caption={html! { { format!(
                "The subset the worker drew: {} training images, from {} ({}) down to {} ({}); imbalance factor {}.",
                total, counts.first().copied().unwrap_or(0), classes.first().cloned().unwrap_or_default(),
                counts.last().copied().unwrap_or(0), classes.last().cloned().unwrap_or_default(), plain(subset.imbalance)
            ) } }} />
        }
    });
    let weights = match (&s.drawn, &planned) {
        (Some((_, counts)), Ok(p)) => class_balanced_weights(counts, p.loss.beta).ok().map(|w| {
            let effective: Vec<f64> = counts
                .iter()
                .map(|&n| effective_number(n, p.loss.beta))
                .collect();
            let (rare, common) = counts
                .iter()
                .enumerate()
                .fold((0, 0), |(rare, common), (i, &n)| {
                    (
                        if n < counts[rare] { i } else { rare },
                        if n > counts[common] { i } else { common },
                    )
                });
            let ratio = w[rare] / w[common];
            let line = format!(
                "With \u{3b2} = {}, the rarest class ({}, {} images, E\u{2099} = {}) weighs {}\u{d7} the most common ({}, {} images, E\u{2099} = {}). {}",
                plain(p.loss.beta),
                classes.get(rare).cloned().unwrap_or_default(), counts[rare], plain((effective[rare] * 100.0).round() / 100.0),
                plain((ratio * 10.0).round() / 10.0),
                classes.get(common).cloned().unwrap_or_default(), counts[common], plain((effective[common] * 100.0).round() / 100.0),
                if kind.uses_beta() { "" } else { "(The chosen loss does not use these weights; the CB losses do.)" }
            );
            html! {
                <>
                    <WeightsChart data={ClassWeights { classes: classes.clone(), counts: counts.clone(), effective, weights: w }}
                        caption={html! { "Per class (log scale): images n, the effective number E\u{2099} = (1 \u{2212} \u{3b2}\u{207f}) / (1 \u{2212} \u{3b2}), and the class weight \u{221d} 1 / E\u{2099}, normalised to sum to 10." }} />
                    <p class="reading" data-testid="cb-weights-reading">{ line }</p>
                </>
            }
        }),
        _ => None,
    };
    html! {
        <div class="imbalance">
            <DatasetPicker cell={TrainingCell::Imbalance} data={s.data.clone()} on_load={on_data} disabled={!ready || busy} />
            <fieldset class="knobs" disabled={busy}>
                <legend>{ "The long tail and the loss" }</legend>
                <div class="knob-grid">
                    { for FIELDS.iter().map(|&field| knob(field, &s.form, &on_edit)) }
                    <label class="knob">
                        <span class="knob-label">{ "loss" }</span>
                        <select onchange={on_loss} data-testid="loss-select">
                            { for LossKind::ALL.iter().map(|&k| html! {
                                <option value={k.key()} selected={kind == k}>{ k.label() }</option>
                            }) }
                        </select>
                    </label>
                </div>
                <p class="hint">{ format!(
                    "images per class = n_max, the first class's count; class i keeps \u{230a}n_max \u{b7} IF^(\u{2212}i/9)\u{230b}. {} uses {}.",
                    kind.label(),
                    match (kind.uses_beta(), kind.uses_gamma()) {
                        (true, true) => "\u{3b2} and \u{3b3}", (true, false) => "\u{3b2}", (false, true) => "\u{3b3}", (false, false) => "neither \u{3b2} nor \u{3b3}",
                    }
                ) }</p>
            </fieldset>
            <div class="figures-row">
                { histogram.unwrap_or_default() }
                { weights.unwrap_or_default() }
            </div>
            <div class="controls run-controls">
                { button("run-start", "Run", Some("primary"), !can_run || busy, on_run) }
                { button("compare-start", "Compare cross-entropy vs CB focal", None, !can_run || busy, on_compare) }
                <label class="knob sweep">
                    <span class="knob-label">{ "\u{3b2} sweep" }</span>
                    <input type="text" value={s.sweep.clone()} oninput={on_sweep_text} disabled={busy} data-testid="sweep-input" />
                    if let Some(e) = &sweep_error { <span class="field-error" role="alert">{ e.clone() }</span> }
                </label>
                { button("sweep-start", "Sweep \u{3b2}", None, !can_run || busy || sweep_error.is_some(), on_sweep) }
                { button("queue-cancel", "Cancel", None, !busy, on_cancel) }
                if let Some(progress) = s.queue_progress() {
                    <span class="queue" data-testid="queue-progress">{ progress }</span>
                }
            </div>
            { for s.data.error.iter().chain(&s.notes).map(|note| html! { <p class="note" role="status" data-testid="run-note">{ note.clone() }</p> }) }
            if let Some(view) = &s.current {
                { counters(view) }
                { curves(view, true) }
            }
            { results::results(&s.rows, busy, dispatch) }
        </div>
    }
}
