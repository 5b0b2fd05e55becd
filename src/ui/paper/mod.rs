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
use crate::paper::results::{CueConflict, ProbeResults, Tally};
use crate::protocol::ToWorker;
use crate::protocol::paper::{ModelSource, Request};
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::paper::SIGMA;
use crate::settings::train::TrainSettings;
use crate::ui::plot::images::PixelImage;
use crate::ui::training::{files, new_run_id};
use crate::ui::worker_link::Worker;

#[derive(Properties, PartialEq)]
pub struct PaperCellProps {
    pub state: PaperState,
    pub dispatch: Callback<PaperAction>,
    pub backend: Option<String>,
    /// The ConvNet cell's loaded dataset (its test images are the experiment's), if any.
    pub data: Option<DatasetKind>,
    /// Whether the ConvNet cell has a model (trained or loaded).
    pub has_model: bool,
    /// The ConvNet cell's knobs, for experiment C (or why they are refused).
    pub training: Result<(TrainSettings, SubsetSettings), String>,
}

/// The paper's figures, as published.
const SHAPE_BIAS: [(&str, f64); 5] = [
    ("humans (97 observers)", 95.9),
    ("AlexNet", 42.9),
    ("GoogLeNet", 31.2),
    ("ResNet-50", 22.1),
    ("VGG-16", 17.2),
];
/// Table 2: ResNet-50 trained on IN, SIN, SIN+IN, and Shape-ResNet.
const TABLE_2: [(&str, &str, &str, &str, &str); 4] = [
    ("IN (ImageNet)", "76.13", "92.86", "70.7", "52.3"),
    ("SIN (Stylized-ImageNet)", "60.18", "82.62", "70.6", "51.9"),
    ("SIN + IN", "74.59", "92.14", "74.0", "53.8"),
    (
        "Shape-ResNet (SIN + IN, fine-tuned on IN)",
        "76.72",
        "93.28",
        "75.1",
        "55.2",
    ),
];

fn paper_text() -> Html {
    html! {
        <div class="paper-text">
            <h3>{ "What was asked, and how" }</h3>
            <p>{ "Geirhos, Rubisch, Michaelis, Bethge, Wichmann and Brendel asked which cue an ImageNet-trained CNN uses when \
                  shape and texture point to different classes. People, it is well documented, mostly go by shape. To pit the two \
                  against each other they made " }<em>{ "cue-conflict" }</em>{ " images with Gatys et al.'s iterative style transfer: \
                  the shape (content) of one photo rendered in the texture (style) of another. From 160 object photos and 48 \
                  textures of 16 entry-level ImageNet classes they kept the 1,280 pairings whose shape and texture came from \
                  different classes (the 80 same-class ones were dropped)." }</p>
            <p>{ "Only answers naming one of the two cues' classes count, and " }<strong>{ "shape bias = shape decisions / (shape + texture decisions)" }</strong>
               { ". They also showed greyscale, silhouette, edge-only and texture-only images; 97 observers made 48,560 decisions in \
                  the psychophysical lab, against the same images given to four CNNs." }</p>
            <h3>{ "What they found" }</h3>
            <table class="paper-table" data-testid="paper-shape-bias">
                <caption>{ "Shape bias on cue-conflict images (the paper's Fig. 4)" }</caption>
                <tbody>{ for SHAPE_BIAS.iter().map(|(who, v)| html! {
                    <tr><th scope="row">{ *who }</th><td class="num">{ format!("{v:.1} %") }</td>
                        <td class="bar-cell"><span class="bar" style={format!("width: {v:.1}%")}></span></td></tr>
                }) }</tbody>
            </table>
            <p>{ "The networks go by texture. To change that, the authors replaced every ImageNet image's texture by that of a \
                  random painting (AdaIN style transfer) — " }<em>{ "Stylized-ImageNet" }</em>{ " (SIN), where texture no longer \
                  predicts the class. A ResNet-50 trained on it reached a shape bias of 81 % (Fig. 5), close to people's." }</p>
            <table class="paper-table" data-testid="paper-table-2">
                <caption>{ "ResNet-50 by training data (the paper's Table 2): ImageNet top-1 / top-5 accuracy, and object detection with Faster R-CNN on Pascal VOC 2007 (mAP50) and MS COCO" }</caption>
                <thead><tr><th>{ "trained on" }</th><th>{ "top-1 %" }</th><th>{ "top-5 %" }</th><th>{ "VOC mAP50" }</th><th>{ "COCO" }</th></tr></thead>
                <tbody>{ for TABLE_2.iter().map(|(name, a, b, c, d)| html! {
                    <tr><th scope="row">{ *name }</th><td class="num">{ *a }</td><td class="num">{ *b }</td><td class="num">{ *c }</td><td class="num">{ *d }</td></tr>
                }) }</tbody>
            </table>
            <p>{ "SIN alone costs ImageNet accuracy (it is a harder, different task) but transfers as well to detection; trained \
                  on both and fine-tuned on ImageNet (Shape-ResNet) the network beats the ImageNet baseline everywhere. Against \
                  image distortions (Fig. 6) the SIN-trained network is more robust than the ImageNet one on nearly every kind — \
                  noise, contrast, high-pass, eidolon distortions — except low-pass filtering." }</p>
            <p class="caveat">{ "Caveats. The authors note that Shape-ResNet's own shape bias is only about 21 %: its gains are not \
                  explained by shape bias alone. Later work questions the link more directly — Mummadi et al. (ICLR 2021) found \
                  that the robustness of stylized training comes from the augmentation rather than from the shape bias it \
                  induces, and Gavrikov & Keuper (CVPR 2024) found that biases such as shape bias do not, on their own, explain \
                  how well a model generalises." }</p>
        </div>
    }
}

/// How a cue-conflict stimulus is built and scored here (drawn, not taken from the paper).
fn diagram() -> Html {
    html! {
        <figure class="diagram" data-testid="cue-conflict-diagram">
            <svg viewBox="0 0 640 190" role="img" aria-label="How a cue-conflict image is built and scored">
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" fill="#1d3557" />
                    </marker>
                </defs>
                <g font-family="system-ui, sans-serif" font-size="12" fill="#1b1f24">
                    <rect x="10" y="20" width="70" height="50" rx="4" fill="#e8eef6" stroke="#1d3557" />
                    <circle cx="45" cy="45" r="16" fill="#1d3557" />
                    <text x="45" y="88" text-anchor="middle">{ "image A (class a)" }</text>
                    <rect x="10" y="110" width="70" height="50" rx="4" fill="#fdf1e0" stroke="#d67800" />
                    { for (0..6).map(|i| html! { <line x1={(16 + i * 11).to_string()} y1="112" x2={(16 + i * 11).to_string()} y2="158" stroke="#d67800" stroke-width="3" /> }) }
                    <text x="45" y="178" text-anchor="middle">{ "image B (class b)" }</text>
                    <line x1="84" y1="45" x2="150" y2="45" stroke="#1d3557" marker-end="url(#arrow)" />
                    <text x="117" y="38" text-anchor="middle">{ "blur G\u{3c3}" }</text>
                    <rect x="154" y="20" width="110" height="50" rx="4" fill="#fff" stroke="#1d3557" />
                    <text x="209" y="42" text-anchor="middle">{ "low band of A:" }</text>
                    <text x="209" y="58" text-anchor="middle">{ "shape, colour" }</text>
                    <line x1="84" y1="135" x2="150" y2="135" stroke="#1d3557" marker-end="url(#arrow)" />
                    <text x="117" y="128" text-anchor="middle">{ "B \u{2212} G\u{3c3}B" }</text>
                    <rect x="154" y="110" width="110" height="50" rx="4" fill="#fff" stroke="#d67800" />
                    <text x="209" y="132" text-anchor="middle">{ "high band of B," }</text>
                    <text x="209" y="148" text-anchor="middle">{ "8-px tiles shuffled" }</text>
                    <line x1="268" y1="45" x2="322" y2="85" stroke="#1d3557" marker-end="url(#arrow)" />
                    <line x1="268" y1="135" x2="322" y2="100" stroke="#1d3557" marker-end="url(#arrow)" />
                    <circle cx="336" cy="92" r="13" fill="#fff" stroke="#1d3557" />
                    <text x="336" y="97" text-anchor="middle" font-size="16">{ "+" }</text>
                    <line x1="350" y1="92" x2="398" y2="92" stroke="#1d3557" marker-end="url(#arrow)" />
                    <text x="374" y="84" text-anchor="middle">{ "clip" }</text>
                    <rect x="402" y="67" width="70" height="50" rx="4" fill="#f3f0f7" stroke="#1d3557" />
                    <text x="437" y="96" text-anchor="middle">{ "stimulus" }</text>
                    <line x1="476" y1="92" x2="516" y2="92" stroke="#1d3557" marker-end="url(#arrow)" />
                    <text x="496" y="84" text-anchor="middle">{ "CNN" }</text>
                    <text x="522" y="62">{ "says a \u{2192} shape" }</text>
                    <text x="522" y="96">{ "says b \u{2192} texture" }</text>
                    <text x="522" y="130">{ "else \u{2192} neither" }</text>
                </g>
            </svg>
            <figcaption>{ "Our proxy for a cue-conflict image. The paper used style transfer on 224-pixel photos and people's \
                           judgements; here a Gaussian blur splits each 32-pixel image into a low band (coarse shape and colour) \
                           and a high band (edges and texture), and B's high band is cut into 8-pixel tiles and shuffled so that \
                           it keeps B's texture but not B's outline. Only pairs whose two images the model gets right on their own \
                           are used. Shape share = shape / (shape + texture) decisions." }</figcaption>
        </figure>
    }
}

fn questions() -> Html {
    html! {
        <div class="questions">
            <details open=true>
                <summary>{ "Q1 \u{b7} Why do a network's biases matter — and should it share ours?" }</summary>
                <p>{ "On ordinary test images shape and texture agree, so accuracy cannot tell which one a network uses. The \
                      difference shows as soon as they part: a sketch, a noisy photo, an object in an unusual material, a new \
                      camera. A bias is the rule a model falls back on off its training distribution, so it decides how and \
                      when the model fails — and whether people can predict those failures." }</p>
                <p>{ "Sharing human biases is not a goal in itself. It helps where the model must agree with people (its \
                      errors then look reasonable, and it is easier to trust and to check); human biases are also not all \
                      useful, and a task may reward cues people ignore. The paper's point is narrower: ImageNet CNNs reach \
                      high accuracy with a strategy unlike ours, and that strategy is brittle in ways ours is not." }</p>
                <p class="try">{ "Try it: train a model in the ConvNet cell, then run the experiment below — the shape share says \
                                  which cue this model follows when the two disagree." }</p>
            </details>
            <details open=true>
                <summary>{ "Q2 \u{b7} Why should a shape bias make a network more robust?" }</summary>
                <p>{ "Most corruptions — noise, JPEG artefacts, rain, contrast changes — rewrite the local statistics of an image \
                      (its texture) far more than its global outline. A network that classifies by texture sees a different \
                      texture after the corruption and changes its answer; one that classifies by shape sees the same object. \
                      That is the paper's argument, and its Fig. 6 supports it for most distortions." }</p>
                <p>{ "It is not the whole story: low-pass filtering removes texture yet the stylized network gained nothing \
                      there, Shape-ResNet is robust with a low shape bias, and later work credits the diversity of the stylized \
                      training data rather than the bias (see the caveats above)." }</p>
                <p class="try">{ "Try it: experiment C below trains the same network with and without texture randomisation \
                                  and measures both under noise and blur." }</p>
            </details>
        </div>
    }
}

fn tally_cell(t: &Tally) -> Html {
    html! { <td class="num" title={format!("{} of {}", t.correct, t.total)}>{ percent(t.accuracy(), 1) }</td> }
}

fn cue_summary(label: &str, cue: &CueConflict) -> Html {
    html! {
        <tr>
            <th scope="row">{ label.to_string() }</th>
            <td class="num">{ cue.shape_share().map_or("\u{2014}".into(), |s| percent(s, 1)) }</td>
            <td class="num">{ cue.interval().map_or("\u{2014}".into(), |(lo, hi)| format!("{}\u{2013}{}", percent(lo, 1), percent(hi, 1))) }</td>
            <td class="num">{ cue.hit_rate().map_or("\u{2014}".into(), |h| percent(h, 1)) }</td>
            <td class="num">{ format!("{} / {} / {}", cue.shape, cue.texture, cue.other) }</td>
        </tr>
    }
}

fn probe_view(r: &ProbeResults, history: &[(f64, f64)]) -> Html {
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
        <div class="probe">
            <p class="headline">
                { "Shape share " }<strong data-testid="shape-share">{ cue.shape_share().map_or("\u{2014}".into(), |s| percent(s, 1)) }</strong>
                { " of cue-following decisions (hit rate " }<span data-testid="hit-rate">{ cue.hit_rate().map_or("\u{2014}".into(), |h| percent(h, 1)) }</span>
                { ", " }<span data-testid="pairs-count">{ thousands(cue.pairs as u64) }</span>{ " pairs) \u{2014} " }
                { format!("{}, \u{3c3} = {}, {} test images.", r.model, plain(cue.sigma), thousands(r.test_images as u64)) }
            </p>
            <table class="paper-table">
                <thead><tr><th></th><th>{ "shape share" }</th><th>{ "95 % interval" }</th><th>{ "hit rate" }</th><th>{ "shape / texture / neither" }</th></tr></thead>
                <tbody>
                    { cue_summary("in colour", &r.cue) }
                    { cue_summary("in greyscale", &r.cue_grey) }
                </tbody>
            </table>
            <figure class="sample-grid" data-testid="stimulus-grid">
                <div class="images">
                { for r.stimuli.iter().map(|s| {
                    let verdict = if s.predicted == s.shape_class { "shape" } else if s.predicted == s.texture_class { "texture" } else { "neither" };
                    html! {
                        <div class={classes!("sample", verdict)}>
                            <PixelImage planes={s.image.clone()} label={format!("shape of a {}, texture of a {}", name(s.shape_class), name(s.texture_class))} />
                            <span class="truth">{ format!("{} + {}", name(s.shape_class), name(s.texture_class)) }</span>
                            <span class="guess">{ format!("\u{2192} {} ({verdict})", name(s.predicted)) }</span>
                        </div>
                    }
                }) }
                </div>
                <figcaption>{ "Stimuli: the first class named gives the low band (shape, colour), the second the shuffled high band (texture); then the model's answer." }</figcaption>
            </figure>
            <table class="paper-table" data-testid="shuffle-table">
                <caption>{ "Experiment B: the test images cut into n \u{d7} n tiles and shuffled" }</caption>
                <thead><tr><th>{ "images" }</th><th>{ "accuracy" }</th><th>{ "share of the above-chance accuracy kept" }</th></tr></thead>
                <tbody>
                    <tr><th scope="row">{ "clean" }</th>{ tally_cell(&r.shuffle.clean) }<td class="num">{ "100 %" }</td></tr>
                    { for r.shuffle.grids.iter().zip(&kept).map(|((n, t), (_, k))| html! {
                        <tr><th scope="row">{ format!("{n} \u{d7} {n} tiles") }</th>{ tally_cell(t) }
                            <td class="num">{ k.map_or("\u{2014}".into(), |k| percent(k.max(0.0), 0)) }</td></tr>
                    }) }
                    <tr class="hint"><th scope="row">{ "chance" }</th><td class="num">{ percent(chance, 1) }</td><td></td></tr>
                </tbody>
            </table>
            <table class="paper-table" data-testid="robustness-table">
                <caption>{ "Accuracy under additive Gaussian noise and under a low-pass blur" }</caption>
                <tbody>
                    { for r.robustness.noise.iter().map(|(std, t)| html! { <tr><th scope="row">{ format!("noise, std {}", plain(*std)) }</th>{ tally_cell(t) }</tr> }) }
                    { for r.robustness.blur.iter().map(|(sigma, t)| html! { <tr><th scope="row">{ format!("blur, \u{3c3} = {} px", plain(*sigma)) }</th>{ tally_cell(t) }</tr> }) }
                </tbody>
            </table>
            <div class="reading" data-testid="paper-reading">
                { for reading(r, history).into_iter().map(|s| html! { <p>{ s }</p> }) }
            </div>
        </div>
    }
}

fn comparison_view(c: &crate::paper::results::TextureComparison) -> Html {
    let row = |label: &str, f: &dyn Fn(&ProbeResults) -> String| {
        html! { <tr><th scope="row">{ label.to_string() }</th><td class="num">{ f(&c.plain) }</td><td class="num">{ f(&c.randomised) }</td></tr> }
    };
    let share = |r: &ProbeResults| {
        r.cue
            .shape_share()
            .map_or("\u{2014}".into(), |s| percent(s, 1))
    };
    html! {
        <div class="comparison">
            <table class="paper-table" data-testid="paper-compare-table">
                <caption>{ format!("Experiment C: the same network, {} epochs, the same seed", c.epochs) }</caption>
                <thead><tr><th></th><th>{ "plain training" }</th><th>{ "texture-randomised" }</th></tr></thead>
                <tbody>
                    { row("clean accuracy", &|r| percent(r.shuffle.clean.accuracy(), 1)) }
                    { row("shape share (A)", &share) }
                    { for c.plain.shuffle.grids.iter().enumerate().map(|(i, (n, _))| {
                        let n = *n;
                        row(&format!("{n} \u{d7} {n} tiles shuffled (B)"), &move |r: &ProbeResults| r.shuffle.grids.get(i).map_or("\u{2014}".into(), |g| percent(g.1.accuracy(), 1)))
                    }) }
                    { for c.plain.robustness.noise.iter().enumerate().map(|(i, (std, _))| {
                        row(&format!("noise, std {}", plain(*std)), &move |r: &ProbeResults| r.robustness.noise.get(i).map_or("\u{2014}".into(), |g| percent(g.1.accuracy(), 1)))
                    }) }
                    { for c.plain.robustness.blur.iter().enumerate().map(|(i, (sigma, _))| {
                        row(&format!("blur, \u{3c3} = {} px", plain(*sigma)), &move |r: &ProbeResults| r.robustness.blur.get(i).map_or("\u{2014}".into(), |g| percent(g.1.accuracy(), 1)))
                    }) }
                </tbody>
            </table>
            <p class="reading" data-testid="paper-compare-reading">{ comparison_reading(c) }</p>
        </div>
    }
}

#[function_component]
pub fn PaperCell(props: &PaperCellProps) -> Html {
    let worker = use_context::<Worker>().expect("the worker context");
    let s = &props.state;
    let dispatch = &props.dispatch;
    let ready = props.backend.is_some();
    let settings = s.settings();
    let busy = s.job.is_some();
    let can_probe = ready && props.data.is_some() && settings.is_ok() && !busy;

    let on_run = {
        let (worker, dispatch, settings, data) = (
            worker.clone(),
            dispatch.clone(),
            settings.clone(),
            props.data,
        );
        Callback::from(move |_: MouseEvent| {
            let (Ok(settings), Some(data)) = (settings.clone(), data) else {
                return;
            };
            let run = new_run_id();
            dispatch.emit(PaperAction::Sent(run, "starting".into()));
            worker.send(ToWorker::Paper(Request::Probe {
                run,
                model: ModelSource::ConvNetCell,
                data,
                settings,
            }));
        })
    };
    let on_file = {
        let (worker, dispatch, settings, data) = (
            worker.clone(),
            dispatch.clone(),
            settings.clone(),
            props.data,
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
                        dispatch.emit(PaperAction::Sent(run, "reading the checkpoint".into()));
                        let request = Request::Probe {
                            run,
                            model: ModelSource::Checkpoint { name: file.name() },
                            data,
                            settings,
                        };
                        worker.send_with_bytes(ToWorker::Paper(request), bytes);
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
            props.data,
            props.training.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (Ok(settings), Some(data), Ok((train, subset))) =
                (settings.clone(), data, training.clone())
            else {
                return;
            };
            let run = new_run_id();
            dispatch.emit(PaperAction::Sent(run, "starting".into()));
            worker.send(ToWorker::Paper(Request::Compare {
                run,
                data,
                subset,
                train,
                settings,
            }));
        })
    };
    let on_cancel = {
        let worker = worker.clone();
        Callback::from(move |_: MouseEvent| worker.send(ToWorker::Paper(Request::Cancel)))
    };
    let on_sigma = dispatch.reform(|e: InputEvent| {
        PaperAction::Sigma(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let on_grey = dispatch.reform(|e: Event| {
        PaperAction::Grey(e.target_unchecked_into::<HtmlInputElement>().checked())
    });

    let waiting = if !ready {
        Some("Waiting for the compute worker\u{2026}".to_string())
    } else if props.data.is_none() {
        Some(
            "Load a dataset in the ConvNet cell first: the experiments use its test images."
                .to_string(),
        )
    } else if !props.has_model {
        Some("Train a model in the ConvNet cell (or load a checkpoint there or here) to run the experiment.".to_string())
    } else {
        None
    };
    html! {
        <div class="paper">
            { paper_text() }
            { diagram() }
            { questions() }
            <section class="experiment">
                <h3>{ "The experiment, on our own ConvNet (a proxy)" }</h3>
                <p>{ "A: cue conflict as in the diagram, on every test image the model gets right (paired with another class's \
                      image, cycling through all 90 class pairs). B: the test images cut into tiles and shuffled. Then noise and \
                      blur. Everything is seeded and computed in the worker; the numbers are this model's, on 32-pixel images — \
                      not comparable with the paper's human figure." }</p>
                <div class="controls">
                    <label class={classes!("knob", settings.is_err().then_some("invalid"))}>
                        <span class="knob-label">{ "\u{3c3} (pixels)" }</span>
                        <input type="text" inputmode="decimal" value={s.sigma.clone()} oninput={on_sigma} disabled={busy} data-testid="sigma-input" />
                        <span class="knob-range">{ SIGMA.describe() }</span>
                        if let Err(e) = &settings { <span class="field-error" role="alert">{ e.clone() }</span> }
                    </label>
                    <label class="knob check">
                        <input type="checkbox" checked={s.grey} onchange={on_grey} disabled={busy} data-testid="grey-toggle" />
                        <span>{ "show greyscale stimuli" }</span>
                    </label>
                    <button type="button" class="primary" onclick={on_run} disabled={!can_probe || !props.has_model} data-testid="paper-run">
                        { "Run on the ConvNet cell's model" }
                    </button>
                    <label class="file-pick button-like">
                        <span>{ "or on a checkpoint\u{2026}" }</span>
                        <input type="file" accept=".bin" onchange={on_file} disabled={!can_probe} data-testid="paper-model-file" />
                    </label>
                    <button type="button" onclick={on_cancel} disabled={!busy} data-testid="paper-cancel">{ "Cancel" }</button>
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
                if let Some(r) = &s.probe {
                    { probe_view(r, &s.history_of(&r.model)) }
                }
                <h4>{ "C \u{b7} The paper's intervention, in miniature" }</h4>
                <p>{ "Texture randomisation swaps each training image's high band for the shuffled high band of a random other \
                      training image (the label stays) — a cheap analogue of Stylized-ImageNet. The button trains the ConvNet \
                      cell's settings twice, without and with it, and runs A, B, noise and blur on both. (The same option is a \
                      knob in the ConvNet cell.)" }</p>
                <div class="controls">
                    <button type="button" onclick={on_compare} disabled={!ready || props.data.is_none() || busy || props.training.is_err() || settings.is_err()} data-testid="paper-compare">
                        { "Train both and compare" }
                    </button>
                    if let Err(e) = &props.training { <span class="field-error">{ format!("The ConvNet cell's knobs: {e}") }</span> }
                </div>
                if let Some(c) = &s.comparison {
                    { comparison_view(c) }
                }
            </section>
        </div>
    }
}
