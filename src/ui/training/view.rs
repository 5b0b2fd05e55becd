//! What a run shows while it trains (counters, curves) and after (per-class accuracy, the
//! confusion matrix, test images with the model's answers, the first layer's filters). Shared by
//! the ConvNet cell and the imbalance lab; every number comes from the worker's events.

use yew::prelude::*;

use super::run::{RunStatus, RunView};
use crate::format::{duration, percent, plain, thousands};
use crate::protocol::training::{Filters, RunResults, Sample, StopReason};
use crate::train::metrics::Confusion;
use crate::ui::plot::curves::{AccuracyCurve, AccuracyPlot, LossCurve, LossPlot};
use crate::ui::plot::images::{FilterImage, PixelImage};
use crate::ui::plot::palette::{OK, WRONG, over_paper, white_text_on};

/// One line on where a run is.
pub fn status_text(view: &RunView) -> String {
    match &view.status {
        RunStatus::Starting => "Starting\u{2026}".into(),
        RunStatus::Running => "Training".into(),
        RunStatus::Paused => "Paused".into(),
        RunStatus::Finished => "Finished".into(),
        RunStatus::Stopped(StopReason::User) => "Stopped".into(),
        RunStatus::Stopped(StopReason::Diverged(_)) => "Stopped: the loss diverged".into(),
        RunStatus::Stopped(StopReason::Failed(_)) => "Stopped: an error".into(),
        RunStatus::Refused(_) => "Not started".into(),
    }
}

/// Epoch, batch, loss, accuracy, speed, ETA and backend. (Plain functions like this one, not
/// components, for views without hooks: each component costs the UI bundle its own copy of Yew's
/// lifecycle code.)
pub fn counters(v: &RunView) -> Html {
    let epochs = v.started.as_ref().map_or(v.settings.epochs, |s| s.epochs);
    let done_epochs = v.epochs.len();
    let per_epoch = v.started.as_ref().map_or(0, |s| s.iterations_per_epoch);
    let batch_in_epoch = v
        .last_step
        .map_or(0, |s| s.iteration + 1 - s.epoch * per_epoch);
    let loss = v.last_step.map_or("\u{2014}".to_string(), |s| {
        format!("{:.4}", f64::from(s.loss))
    });
    let test = v
        .epochs
        .last()
        .map_or("\u{2014}".to_string(), |e| percent(e.test.accuracy(), 1));
    let speed = match (v.images_per_second(), v.millis_per_batch()) {
        (Some(ips), Some(ms)) => format!("{ips:.0} img/s \u{b7} {ms:.0} ms/batch"),
        _ => "\u{2014}".into(),
    };
    let eta = match (&v.status, v.eta_seconds()) {
        (RunStatus::Running, Some(s)) => duration(s),
        (RunStatus::Finished, _) => "done".into(),
        _ => "\u{2014}".into(),
    };
    let backend = v.started.as_ref().map_or("\u{2014}".to_string(), |s| {
        let workers = match s.workers {
            1 => String::new(),
            n => format!(", {n} workers"),
        };
        format!(
            "{} ({} convolutions{workers})",
            s.backend.label(),
            s.conv_path.name()
        )
    });
    html! {
        <dl class="counters">
            <div><dt>{ "status" }</dt><dd data-testid="run-status">{ status_text(v) }</dd></div>
            <div><dt>{ "epoch" }</dt><dd data-testid="epoch-counter">{ format!("{done_epochs} / {epochs}") }</dd></div>
            <div><dt>{ "batch" }</dt><dd data-testid="batch-counter">{ format!("{batch_in_epoch} / {per_epoch} \u{b7} {} in all", v.iterations()) }</dd></div>
            <div><dt>{ "loss" }</dt><dd data-testid="train-loss">{ loss }</dd></div>
            <div><dt>{ "test accuracy" }</dt><dd data-testid="test-acc">{ test }</dd></div>
            <div><dt>{ "speed" }</dt><dd data-testid="throughput">{ speed }</dd></div>
            <div><dt>{ "time left" }</dt><dd data-testid="eta">{ eta }</dd></div>
            <div><dt>{ "backend" }</dt><dd data-testid="run-backend">{ backend }</dd></div>
        </dl>
    }
}

/// The live loss and accuracy curves; `mean_per_class` adds the mean per-class accuracy
/// (long-tailed data).
pub fn curves(v: &RunView, mean_per_class: bool) -> Html {
    let loss = LossCurve {
        raw: v.losses.to_vec(),
        smooth: v.smoothed_losses(25),
        per_epoch: v.started.as_ref().map_or(0, |s| s.iterations_per_epoch),
        total: v.total_iterations().unwrap_or(0),
    };
    let epochs = v.epochs.to_vec();
    let accuracy = AccuracyCurve {
        epochs: v.started.as_ref().map_or(v.settings.epochs, |s| s.epochs),
        train: epochs.iter().map(|e| e.train_accuracy).collect(),
        test: epochs.iter().map(|e| e.test.accuracy()).collect(),
        mean_per_class: mean_per_class.then(|| {
            epochs
                .iter()
                .map(|e| e.test.mean_per_class_accuracy())
                .collect()
        }),
    };
    html! {
        <div class="curves">
            <LossPlot data={loss} />
            <AccuracyPlot data={accuracy} />
        </div>
    }
}

/// Per-class accuracy with a bar each; `train_counts` (training images per class) is a column
/// when given.
fn per_class_table(classes: &[String], test: &Confusion, train_counts: Option<&[usize]>) -> Html {
    let per = test.per_class_accuracy();
    html! {
        <table class="per-class" data-testid="per-class-table">
            <thead><tr>
                <th>{ "class" }</th>
                if train_counts.is_some() { <th>{ "training images" }</th> }
                <th>{ "test accuracy" }</th><th class="bar-cell" aria-hidden="true"></th>
            </tr></thead>
            <tbody>
            { for per.iter().enumerate().map(|(c, &a)| html! {
                <tr>
                    <th scope="row">{ classes.get(c).cloned().unwrap_or_else(|| c.to_string()) }</th>
                    if let Some(counts) = train_counts {
                        <td class="num">{ thousands(counts.get(c).copied().unwrap_or(0) as u64) }</td>
                    }
                    <td class="num">{ percent(a, 1) }</td>
                    <td class="bar-cell" aria-hidden="true"><span class="bar" style={format!("width: {:.1}%", 100.0 * a)}></span></td>
                </tr>
            }) }
            </tbody>
            <tfoot><tr>
                <th scope="row">{ "all" }</th>
                if train_counts.is_some() { <td></td> }
                <td class="num">{ percent(test.accuracy(), 1) }</td>
                <td class="hint">{ format!("mean per class {}", percent(test.mean_per_class_accuracy(), 1)) }</td>
            </tr></tfoot>
        </table>
    }
}

/// The confusion matrix as a heat map with its counts in the cells.
fn confusion_matrix(classes: &[String], test: &Confusion) -> Html {
    let counts = &test.counts;
    let name = |c: usize| classes.get(c).cloned().unwrap_or_else(|| c.to_string());
    html! {
        <div class="confusion-wrap">
            <table class="confusion" data-testid="confusion-matrix">
                <caption>{ "Rows: true class; columns: predicted class. Each cell: test images, shaded by the share of its row." }</caption>
                <thead><tr><th></th>{ for (0..counts.len()).map(|c| html! { <th scope="col" class="rot"><span>{ name(c) }</span></th> }) }</tr></thead>
                <tbody>
                { for counts.iter().enumerate().map(|(t, row)| {
                    let total = row.iter().sum::<usize>().max(1) as f64;
                    html! {
                        <tr>
                            <th scope="row">{ name(t) }</th>
                            { for row.iter().enumerate().map(|(p, &n)| {
                                let share = n as f64 / total;
                                let shade = if t == p {
                                    over_paper(OK, share)
                                } else {
                                    over_paper(WRONG, share * 1.6)
                                };
                                let style = format!("background: rgb({}, {}, {})", shade.0, shade.1, shade.2);
                                let dark = white_text_on(shade);
                                html! {
                                    <td class={if dark { "num dark" } else { "num" }} {style}
                                        title={format!("true {}, predicted {}: {n} of {}", name(t), name(p), total as usize)}>{ n }</td>
                                }
                            }) }
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </div>
    }
}

/// Test images with true and predicted labels; mistakes marked.
fn sample_grid(classes: &[String], samples: &[Sample]) -> Html {
    let name = |c: usize| classes.get(c).cloned().unwrap_or_else(|| c.to_string());
    let wrong = samples.iter().filter(|s| s.label != s.predicted).count();
    html! {
        <figure class="sample-grid" data-testid="sample-grid">
            <div class="images">
            { for samples.iter().map(|s| {
                let right = s.label == s.predicted;
                html! {
                    <div class={if right { "sample" } else { "sample wrong" }}>
                        <PixelImage planes={s.image.clone()} label={format!("a test image of a {}", name(s.label))} />
                        <span class="truth">{ name(s.label) }</span>
                        <span class="guess">{ if right { "\u{2713}".to_string() } else { format!("\u{2717} {}", name(s.predicted)) } }</span>
                    </div>
                }
            }) }
            </div>
            <figcaption>{ format!("The first test images of each class with the model's answer: {wrong} of {} wrong (marked \u{2717}, with what the model said).", samples.len()) }</figcaption>
        </figure>
    }
}

/// The first convolution's kernels as tiny colour images.
fn filter_grid(f: &Filters) -> Html {
    let size = 3 * f.kernel * f.kernel;
    html! {
        <figure class="filters" data-testid="filters">
            <div class="images">
            { for f.weights.chunks(size).map(|w| html! { <FilterImage weights={w.to_vec()} kernel={f.kernel} /> }) }
            </div>
            <figcaption>{ format!(
                "The {} first-layer filters ({k}\u{d7}{k}\u{d7}3), each stretched to its own range: mid-grey is 0. After training, many look like colour blobs and oriented edges.",
                f.out, k = f.kernel
            ) }</figcaption>
        </figure>
    }
}

/// Everything a finished (or loaded) model shows; `train_counts` (images per class) is a column
/// of the per-class table when given; `origin` says where the model came from ("after 6 epochs",
/// "loaded from m.bin").
pub fn results(
    classes: &[String],
    r: &RunResults,
    train_counts: Option<&[usize]>,
    origin: &str,
) -> Html {
    html! {
        <section class="results" data-testid="results">
            <h3>{ "Results" }</h3>
            <p class="headline" data-testid="final-accuracy">
                { format!("Test accuracy {} on {} images ({}); chance is 10 %.",
                    percent(r.test.accuracy(), 1), thousands(r.test.total() as u64), origin) }
            </p>
            <div class="results-grid">
                { per_class_table(classes, &r.test, train_counts) }
                { confusion_matrix(classes, &r.test) }
            </div>
            { sample_grid(classes, &r.samples) }
            { filter_grid(&r.filters) }
        </section>
    }
}

/// "after 6 epochs": how many epochs a model saw.
pub fn epochs_text(epochs: usize) -> String {
    format!(
        "after {} epoch{}",
        plain(epochs as f64),
        if epochs == 1 { "" } else { "s" }
    )
}
