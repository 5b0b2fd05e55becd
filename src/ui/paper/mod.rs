//! The paper cell: Geirhos et al. (ICLR 2019), "ImageNet-trained CNNs are biased towards
//! texture; increasing shape bias improves accuracy and robustness" — what they measured and
//! found, a diagram of our cue-conflict proxy, the assignment's two questions, and the proxy
//! experiments run on the ConvNet cell's model (or a checkpoint).

pub mod state;

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use self::state::{PaperAction, PaperState};
use crate::format::{percent, plain, thousands};
use crate::paper::reading::{comparison_reading, reading};
use crate::paper::results::{BiasResults, CueConflict, Tally};
use crate::protocol::paper::{ModelSource, Request};
use crate::protocol::{RunId, ToWorker};
use crate::settings::paper::SIGMA;
use crate::ui::cells::{CellKey, CellProps, CellSpec};
use crate::ui::components::button::button;
use crate::ui::plot::images::PixelImage;
use crate::ui::training::{files, new_run_id};
use crate::ui::worker_link::{Worker, use_replies};

/// The cell, as the notebook lists it.
pub const CELL: CellSpec = CellSpec {
    anchor: "paper",
    title: "The paper: texture vs shape",
    intro: "Geirhos et al. (ICLR 2019) showed that ImageNet-trained CNNs classify by texture \
            more than by shape — unlike people. We retell the argument and test our own small \
            ConvNet for the same bias.",
    view: |props| html! { <PaperCell ..props /> },
    keys: &[
        CellKey {
            key: " ",
            shown: "Space",
            what: "run",
            buttons: &["paper-run"],
        },
        CellKey {
            key: "c",
            shown: "c",
            what: "train both and compare",
            buttons: &["paper-compare"],
        },
        CellKey {
            key: "x",
            shown: "x",
            what: "cancel",
            buttons: &["paper-cancel"],
        },
    ],
};

/// The paper's question, method and findings (its Fig. 4 and Table 2, as published), a diagram
/// of our cue-conflict proxy, and the assignment's two questions: static prose, kept as HTML
/// (`summary.html`) rather than `html!` nodes, which the UI bundle would carry as code.
fn summary() -> Html {
    raw(include_str!("summary.html"))
}

/// Static HTML shown as it is (prose kept out of `html!`, whose nodes the UI bundle carries as
/// code).
fn raw(html: &'static str) -> Html {
    Html::from_html_unchecked(AttrValue::Static(html))
}

/// A fraction as `63.9 %`, or a dash where there is none.
fn share(fraction: Option<f64>) -> String {
    percent(fraction.unwrap_or(f64::NAN), 1)
}

/// A table cell holding a number.
#[inline(never)]
fn num(text: String) -> Html {
    html! { <td class="num">{ text }</td> }
}

/// A table row's heading cell.
#[inline(never)]
fn row_head(label: String) -> Html {
    html! { <th scope="row">{ label }</th> }
}

fn tally_cell(t: &Tally) -> Html {
    html! { <td class="num" title={format!("{} of {}", t.correct, t.total)}>{ percent(t.accuracy(), 1) }</td> }
}

fn cue_summary(label: &str, cue: &CueConflict) -> Html {
    html! {
        <tr>
            { row_head(label.to_string()) }
            { num(share(cue.shape_share())) }
            { num(cue.interval().map_or("\u{2014}".into(), |(lo, hi)| format!("{}\u{2013}{}", percent(lo, 1), percent(hi, 1)))) }
            { num(share(cue.hit_rate())) }
            { num(format!("{} / {} / {}", cue.shape, cue.texture, cue.other)) }
        </tr>
    }
}

fn bias_view(r: &BiasResults, history: &[(f64, f64)]) -> Html {
    let cue = &r.cue;
    let name = |c: usize| {
        r.class_names
            .get(c)
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    let chance = 1.0 / r.class_names.len().max(2) as f64;
    let kept = r.shuffle.kept_above_chance(r.class_names.len().max(2));
    html! {
        <div class="bias-test">
            <p class="headline">
                { "Shape share " }<strong data-testid="shape-share">{ share(cue.shape_share()) }</strong>
                { " of cue-following decisions (hit rate " }<span data-testid="hit-rate">{ share(cue.hit_rate()) }</span>
                { ", " }<span data-testid="pairs-count">{ thousands(cue.pairs as u64) }</span>{ " pairs) \u{2014} " }
                { format!("{}, \u{3c3} = {}, {} test images.", r.model, plain(cue.sigma), thousands(r.test_images as u64)) }
            </p>
            <div class="table-scroll"><table class="paper-table">
                <thead><tr><th></th><th>{ "shape share" }</th><th>{ "95 % interval" }</th><th>{ "hit rate" }</th><th>{ "shape / texture / neither" }</th></tr></thead>
                <tbody>
                    { cue_summary("in colour", &r.cue) }
                    { cue_summary("in greyscale", &r.cue_grey) }
                </tbody>
            </table></div>
            <figure class="sample-grid" data-testid="stimulus-grid">
                <div class="images">
                { for r.stimuli.iter().map(|s| {
                    let (verdict, class) = if s.predicted == s.shape_class {
                        ("shape", "sample shape")
                    } else if s.predicted == s.texture_class {
                        ("texture", "sample texture")
                    } else {
                        ("neither", "sample neither")
                    };
                    html! {
                        <div {class}>
                            <PixelImage planes={s.image.clone()} label={format!("shape of a {}, texture of a {}", name(s.shape_class), name(s.texture_class))} />
                            <span class="truth">{ format!("{} + {}", name(s.shape_class), name(s.texture_class)) }</span>
                            <span class="guess">{ format!("\u{2192} {} ({verdict})", name(s.predicted)) }</span>
                        </div>
                    }
                }) }
                </div>
                <figcaption>{ "Stimuli: the first class named gives the low band (shape, colour), the second the shuffled high band (texture); then the model's answer." }</figcaption>
            </figure>
            <div class="table-scroll"><table class="paper-table" data-testid="shuffle-table">
                <caption>{ "Experiment B: the test images cut into n \u{d7} n tiles and shuffled" }</caption>
                <thead><tr><th>{ "images" }</th><th>{ "accuracy" }</th><th>{ "share of the above-chance accuracy kept" }</th></tr></thead>
                <tbody>
                    <tr>{ row_head("clean".into()) }{ tally_cell(&r.shuffle.clean) }{ num("100 %".into()) }</tr>
                    { for r.shuffle.grids.iter().zip(&kept).map(|((n, t), (_, k))| html! {
                        <tr>{ row_head(format!("{n} \u{d7} {n} tiles")) }{ tally_cell(t) }
                            { num(k.map_or("\u{2014}".into(), |k| percent(k.max(0.0), 0))) }</tr>
                    }) }
                    <tr class="hint">{ row_head("chance".into()) }{ num(percent(chance, 1)) }<td></td></tr>
                </tbody>
            </table></div>
            <div class="table-scroll"><table class="paper-table" data-testid="robustness-table">
                <caption>{ "Accuracy under additive Gaussian noise and under a low-pass blur" }</caption>
                <tbody>
                    { for r.robustness.noise.iter().map(|(std, t)| html! { <tr>{ row_head(format!("noise, std {}", plain(*std))) }{ tally_cell(t) }</tr> }) }
                    { for r.robustness.blur.iter().map(|(sigma, t)| html! { <tr>{ row_head(format!("blur, \u{3c3} = {} px", plain(*sigma))) }{ tally_cell(t) }</tr> }) }
                </tbody>
            </table></div>
            <div class="reading" data-testid="paper-reading">
                { for reading(r, history).into_iter().map(|s| html! { <p>{ s }</p> }) }
            </div>
        </div>
    }
}

fn comparison_view(c: &crate::paper::results::TextureComparison) -> Html {
    let row = |label: &str, f: &dyn Fn(&BiasResults) -> String| {
        html! { <tr>{ row_head(label.to_string()) }{ num(f(&c.plain)) }{ num(f(&c.randomised)) }</tr> }
    };
    let shape_share = |r: &BiasResults| share(r.cue.shape_share());
    html! {
        <div class="comparison">
            <div class="table-scroll"><table class="paper-table" data-testid="paper-compare-table">
                <caption>{ format!("Experiment C: the same network, {} epochs, the same seed", c.epochs) }</caption>
                <thead><tr><th></th><th>{ "plain training" }</th><th>{ "texture-randomised" }</th></tr></thead>
                <tbody>
                    { row("clean accuracy", &|r| percent(r.shuffle.clean.accuracy(), 1)) }
                    { row("shape share (A)", &shape_share) }
                    { for c.plain.shuffle.grids.iter().enumerate().map(|(i, (n, _))| {
                        let n = *n;
                        row(&format!("{n} \u{d7} {n} tiles shuffled (B)"), &move |r: &BiasResults| share(r.shuffle.grids.get(i).map(|g| g.1.accuracy())))
                    }) }
                    { for c.plain.robustness.noise.iter().enumerate().map(|(i, (std, _))| {
                        row(&format!("noise, std {}", plain(*std)), &move |r: &BiasResults| share(r.robustness.noise.get(i).map(|g| g.1.accuracy())))
                    }) }
                    { for c.plain.robustness.blur.iter().enumerate().map(|(i, (sigma, _))| {
                        row(&format!("blur, \u{3c3} = {} px", plain(*sigma)), &move |r: &BiasResults| share(r.robustness.blur.get(i).map(|g| g.1.accuracy())))
                    }) }
                </tbody>
            </table></div>
            <p class="reading" data-testid="paper-compare-reading">{ comparison_reading(c) }</p>
        </div>
    }
}

/// Sends an experiment (with a checkpoint's bytes beside it, if given); the cell shows `stage`
/// until the worker reports.
fn send(
    worker: &Worker,
    dispatch: &Callback<PaperAction>,
    (run, stage): (RunId, &str),
    request: Request,
    bytes: Option<js_sys::ArrayBuffer>,
) {
    dispatch.emit(PaperAction::Sent(run, stage.into()));
    match bytes {
        Some(bytes) => worker.send_with_bytes(ToWorker::Paper(request), bytes),
        None => worker.send(ToWorker::Paper(request)),
    }
}

#[function_component]
pub fn PaperCell(props: &CellProps) -> Html {
    let worker = use_context::<Worker>().expect("the worker context");
    let state = use_reducer(PaperState::default);
    use_replies(&worker, state.dispatcher(), PaperAction::heard);
    let s = &*state;
    let dispatch = &state.dispatcher().to_callback();
    let convnet = &s.convnet;
    let ready = props.backend.is_some();
    let settings = s.settings();
    let busy = s.job.is_some();
    let can_test = ready && convnet.data.is_some() && settings.is_ok() && !busy;

    let on_run = {
        let (worker, dispatch, settings, data) = (
            worker.clone(),
            dispatch.clone(),
            settings.clone(),
            convnet.data,
        );
        Callback::from(move |_: MouseEvent| {
            let (Ok(settings), Some(data)) = (settings.clone(), data) else {
                return;
            };
            let run = new_run_id();
            let model = ModelSource::ConvNetCell;
            let request = Request::TestBias {
                run,
                model,
                data,
                settings,
            };
            send(&worker, &dispatch, (run, "starting"), request, None);
        })
    };
    let on_file = {
        let (worker, dispatch, settings, data) = (
            worker.clone(),
            dispatch.clone(),
            settings.clone(),
            convnet.data,
        );
        Callback::from(move |e: Event| {
            let Some(file) = files::picked(&e.target_unchecked_into::<HtmlInputElement>()) else {
                return;
            };
            let (Ok(settings), Some(data)) = (settings.clone(), data) else {
                return;
            };
            let (worker, dispatch) = (worker.clone(), dispatch.clone());
            spawn_local(async move {
                match files::read(&file).await {
                    Ok(bytes) => {
                        let run = new_run_id();
                        let request = Request::TestBias {
                            run,
                            model: ModelSource::Checkpoint { name: file.name() },
                            data,
                            settings,
                        };
                        let stage = (run, "reading the checkpoint");
                        send(&worker, &dispatch, stage, request, Some(bytes));
                    }
                    Err(e) => dispatch.emit(PaperAction::Note(e)),
                }
            });
        })
    };
    let on_compare = {
        let (worker, dispatch, settings, data, training) = (
            worker.clone(),
            dispatch.clone(),
            settings.clone(),
            convnet.data,
            convnet.recipe.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (Ok(settings), Some(data), Ok((train, subset))) =
                (settings.clone(), data, training.clone())
            else {
                return;
            };
            let run = new_run_id();
            let request = Request::Compare {
                run,
                data,
                subset,
                train,
                settings,
            };
            send(&worker, &dispatch, (run, "starting"), request, None);
        })
    };
    let on_cancel = {
        let worker = worker.clone();
        let run = state.job.as_ref().map(|j| j.run);
        Callback::from(move |_: MouseEvent| {
            if let Some(run) = run {
                worker.send(ToWorker::Paper(Request::Cancel { run }))
            }
        })
    };
    let on_sigma = dispatch.reform(|e: InputEvent| {
        PaperAction::Sigma(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let on_grey = dispatch.reform(|e: Event| {
        PaperAction::Grey(e.target_unchecked_into::<HtmlInputElement>().checked())
    });

    let waiting = if !ready {
        Some("Waiting for the compute worker\u{2026}".to_string())
    } else if convnet.data.is_none() {
        Some(
            "Load a dataset in the ConvNet cell first: the experiments use its test images."
                .to_string(),
        )
    } else if !convnet.exists {
        Some("Train a model in the ConvNet cell (or load a checkpoint there or here) to run the experiment.".to_string())
    } else {
        None
    };
    html! {
        <div class="paper">
            { summary() }
            <section class="experiment">
                { raw(include_str!("experiment.html")) }
                <div class="controls">
                    <label class={if settings.is_err() { "knob invalid" } else { "knob" }}>
                        <span class="knob-label">{ "\u{3c3} (pixels)" }</span>
                        <input type="text" inputmode="decimal" value={s.sigma.clone()} oninput={on_sigma} disabled={busy} data-testid="sigma-input" />
                        <span class="knob-range">{ SIGMA.describe() }</span>
                        if let Err(e) = &settings { <span class="field-error" role="alert">{ e.clone() }</span> }
                    </label>
                    <label class="knob check">
                        <input type="checkbox" checked={s.grey} onchange={on_grey} disabled={busy} data-testid="grey-toggle" />
                        <span>{ "show greyscale stimuli" }</span>
                    </label>
                    { button("paper-run", "Run on the ConvNet cell's model", Some("primary"), !can_test || !convnet.exists, on_run) }
                    <label class="file-pick button-like">
                        <span>{ "or on a checkpoint\u{2026}" }</span>
                        <input type="file" accept=".bin" onchange={on_file} disabled={!can_test} data-testid="paper-model-file" />
                    </label>
                    { button("paper-cancel", "Cancel", None, !busy, on_cancel) }
                </div>
                if let Some(w) = waiting { <p class="hint" data-testid="paper-waiting">{ w }</p> }
                if let Some(job) = &s.job {
                    <p class="progress" data-testid="paper-progress">
                        { format!("{}: ", job.stage) }
                        <progress max={job.total.max(1).to_string()} value={job.done.to_string()}></progress>
                        { format!(" {} of {}", thousands(job.done as u64), thousands(job.total as u64)) }
                    </p>
                }
                { for s.notes.iter().map(|n| html! { <p class="note" data-testid="paper-note">{ n.clone() }</p> }) }
                if let Some(r) = &s.bias {
                    { bias_view(r, &s.history_of(&r.model)) }
                }
                { raw(include_str!("intervention.html")) }
                <div class="controls">
                    { button("paper-compare", "Train both and compare", None, !ready || convnet.data.is_none() || busy || convnet.recipe.is_err() || settings.is_err(), on_compare) }
                    if let Err(e) = &convnet.recipe { <span class="field-error">{ format!("The ConvNet cell's knobs: {e}") }</span> }
                </div>
                if let Some(c) = &s.comparison {
                    { comparison_view(c) }
                }
            </section>
        </div>
    }
}
