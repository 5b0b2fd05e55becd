//! What each chart says to someone who cannot see it: a summary sentence that follows the data,
//! shown under the chart, and the numbers behind it as a table behind a "The numbers" toggle.
//! (A `<canvas>` is one image to a screen reader; its `role="img"` name says what it is, these
//! say what it shows.)

use yew::prelude::*;

use super::bars::{Bars, ClassWeights};
use super::curves::{AccuracyCurve, LossCurve};
use crate::format::{display, percent, thousands};
use crate::theory::{Network, Slope};
use crate::ui::theory::steps::line;

/// A chart in words: its summary and its table (column heads, then rows whose first cell names
/// the row).
#[derive(Debug, PartialEq)]
pub struct Spoken {
    pub summary: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The summary (`<testid>-summary`; `live`: announced politely when it changes) and the table
/// (`<testid>-data`).
pub fn view(spoken: &Spoken, testid: &str, live: bool) -> Html {
    html! {
        <>
            <p class="chart-summary" data-testid={format!("{testid}-summary")}
               aria-live={live.then_some("polite")}>{ spoken.summary.clone() }</p>
            if !spoken.rows.is_empty() {
                <details class="chart-data" data-testid={format!("{testid}-data")}>
                    <summary>{ "The numbers" }</summary>
                    <table>
                        <thead><tr>{ for spoken.head.iter().map(|h| html! { <th scope="col">{ h.clone() }</th> }) }</tr></thead>
                        <tbody>
                        { for spoken.rows.iter().map(|row| html! {
                            <tr>{ for row.iter().enumerate().map(|(i, cell)| if i == 0 {
                                html! { <th scope="row">{ cell.clone() }</th> }
                            } else {
                                html! { <td>{ cell.clone() }</td> }
                            }) }</tr>
                        }) }
                        </tbody>
                    </table>
                </details>
            }
        </>
    }
}

/// A loss as read: three decimals (as an `f64`: the bundle formats no `f32`).
fn loss_text(v: f32) -> String {
    let v = f64::from(v);
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        display(v)
    }
}

/// The loss curve: where the moving average stands, and each epoch's mean and last average.
pub fn loss(c: &LossCurve) -> Spoken {
    let summary = match (c.smooth.first(), c.smooth.last()) {
        (Some(&first), Some(&last)) => format!(
            "Loss {} (moving average) after batch {} of {}; it started at {}.",
            loss_text(last),
            thousands(c.smooth.len() as u64),
            thousands(c.total.max(c.smooth.len()) as u64),
            loss_text(first)
        ),
        _ => "No batch trained yet.".into(),
    };
    let rows = if c.per_epoch == 0 {
        Vec::new()
    } else {
        c.raw
            .chunks(c.per_epoch)
            .zip(c.smooth.chunks(c.per_epoch))
            .enumerate()
            .map(|(e, (raw, smooth))| {
                let mean = raw.iter().sum::<f32>() / raw.len() as f32;
                let done = if raw.len() == c.per_epoch {
                    ""
                } else {
                    " (so far)"
                };
                vec![
                    format!("{}{done}", e + 1),
                    loss_text(mean),
                    loss_text(*smooth.last().expect("chunks are not empty")),
                ]
            })
            .collect()
    };
    Spoken {
        summary,
        head: vec![
            "epoch".into(),
            "mean loss of its batches".into(),
            "moving average at its end".into(),
        ],
        rows,
    }
}

/// The accuracy curve: the last epoch, the best, and every epoch's figures.
pub fn accuracy(c: &AccuracyCurve) -> Spoken {
    let pct = |v: Option<&f64>| v.map_or("\u{2014}".into(), |&v| percent(v, 1));
    let summary = match c.test.last() {
        None => "No epoch finished yet.".into(),
        Some(&last) => {
            let best = c
                .test
                .iter()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |b, (i, &v)| if v > b.1 { (i, v) } else { b },
                );
            let mean = c.mean_per_class.as_ref().map_or(String::new(), |m| {
                format!(", mean per class {}", pct(m.last()))
            });
            format!(
                "After epoch {} of {}: test accuracy {}{mean}, training {}; best test accuracy {} (epoch {}).",
                c.test.len(),
                c.epochs.max(c.test.len()),
                percent(last, 1),
                pct(c.train.last()),
                percent(best.1, 1),
                best.0 + 1
            )
        }
    };
    let mut head = vec!["epoch".into(), "training".into(), "test".into()];
    if c.mean_per_class.is_some() {
        head.push("test, mean per class".into());
    }
    let rows = (0..c.test.len())
        .map(|e| {
            let mut row = vec![(e + 1).to_string(), pct(c.train.get(e)), pct(c.test.get(e))];
            if let Some(m) = &c.mean_per_class {
                row.push(pct(m.get(e)));
            }
            row
        })
        .collect();
    Spoken {
        summary,
        head,
        rows,
    }
}

/// Bars over classes: the highest and lowest of each series, and every value.
pub fn bars(b: &Bars) -> Spoken {
    let value = |v: f64| {
        if b.percent { percent(v, 1) } else { display(v) }
    };
    let class = |i: usize| b.classes.get(i).cloned().unwrap_or_else(|| i.to_string());
    let summary = b
        .series
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(label, v)| {
            let (hi, lo) = v.iter().enumerate().fold((0, 0), |(hi, lo), (i, &x)| {
                (
                    if x > v[hi] { i } else { hi },
                    if x < v[lo] { i } else { lo },
                )
            });
            format!(
                "{label}: highest {} ({}), lowest {} ({})",
                value(v[hi]),
                class(hi),
                value(v[lo]),
                class(lo)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let head = std::iter::once("class".to_string())
        .chain(b.series.iter().map(|(label, _)| label.clone()))
        .collect();
    let rows = (0..b.classes.len())
        .map(|i| {
            std::iter::once(class(i))
                .chain(
                    b.series
                        .iter()
                        .map(|(_, v)| v.get(i).map_or("\u{2014}".into(), |&x| value(x))),
                )
                .collect()
        })
        .collect();
    Spoken {
        summary: if summary.is_empty() {
            "No values yet.".into()
        } else {
            format!("{summary}.")
        },
        head,
        rows,
    }
}

/// The class-balanced weights: their spread, and each class's images, effective number and
/// weight.
pub fn weights(w: &ClassWeights) -> Spoken {
    let n = w.weights.len().min(w.classes.len()).min(w.counts.len());
    let summary = if n == 0 {
        "No classes yet.".into()
    } else {
        let (hi, lo) = (0..n).fold((0, 0), |(hi, lo), i| {
            (
                if w.weights[i] > w.weights[hi] { i } else { hi },
                if w.weights[i] < w.weights[lo] { i } else { lo },
            )
        });
        let at = |i: usize| {
            format!(
                "{} for {} ({} images)",
                display(round3(w.weights[i])),
                w.classes[i],
                thousands(w.counts[i] as u64)
            )
        };
        format!("Weights from {} down to {}.", at(hi), at(lo))
    };
    let rows = (0..n)
        .map(|i| {
            vec![
                w.classes[i].clone(),
                thousands(w.counts[i] as u64),
                w.effective
                    .get(i)
                    .map_or("\u{2014}".into(), |&e| display(round3(e))),
                display(round3(w.weights[i])),
            ]
        })
        .collect();
    Spoken {
        summary,
        head: vec![
            "class".into(),
            "images n".into(),
            "effective number".into(),
            "weight".into(),
        ],
        rows,
    }
}

/// `v` to three decimals, for reading.
fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The theory plot: the kinks in view and the tangent at x₀, and h at the points that define
/// the drawn curve.
pub fn theory(network: &Network, x0: f64, (from, to): (f64, f64)) -> Spoken {
    let kinks: Vec<f64> = network
        .kinks()
        .into_iter()
        .filter(|&k| k > from && k < to)
        .collect();
    let kinks_text = match kinks.len() {
        0 => "no kink".to_string(),
        _ => format!(
            "kinks at x = {}",
            kinks
                .iter()
                .map(|&k| display(k))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let h0 = network.forward(x0).h;
    let at_x0 = match network.derivative(x0) {
        Slope::Defined(w) => format!("the tangent is {}", line(w, h0 - w * x0)),
        Slope::Kink { left, right } => format!(
            "a kink: {} on the left, {} on the right",
            line(left, h0 - left * x0),
            line(right, h0 - right * x0)
        ),
    };
    let summary = format!(
        "h(x) from x = {} to {}: {kinks_text}; at x\u{2080} = {}, h = {} and {at_x0}.",
        display(from),
        display(to),
        display(x0),
        display(h0)
    );
    // The curve's points are in order; x₀ goes in its place (no sort: the bundle links none).
    let mut xs: Vec<f64> = super::theory_plot::curve_points(network, (from, to))
        .into_iter()
        .map(|(x, _)| x)
        .collect();
    if !xs.contains(&x0) {
        xs.insert(xs.partition_point(|&x| x < x0), x0);
    }
    let rows = xs
        .into_iter()
        .map(|x| {
            let note = if x == x0 {
                " (x\u{2080})"
            } else if kinks.contains(&x) {
                " (kink)"
            } else {
                ""
            };
            vec![
                format!("{}{note}", display(x)),
                display(network.forward(x).h),
            ]
        })
        .collect();
    Spoken {
        summary,
        head: vec!["x".into(), "h(x)".into()],
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theory_plot_says_its_kinks_and_the_assignments_tangents() {
        let n = Network::default();
        let s = theory(&n, 2.0, (-4.0, 3.0));
        assert_eq!(
            s.summary,
            "h(x) from x = \u{2212}4 to 3: kinks at x = \u{2212}2, 0; at x\u{2080} = 2, h = 15 and the tangent is 6x + 3."
        );
        assert_eq!(s.rows[0], ["\u{2212}4", "0"]);
        assert!(
            s.rows
                .contains(&vec!["2 (x\u{2080})".to_string(), "15".to_string()])
        );
        assert!(
            theory(&n, -1.0, (-4.0, 3.0))
                .summary
                .ends_with("the tangent is 1.5x + 3.")
        );
        assert!(theory(&n, 0.0, (-4.0, 3.0)).summary.contains("a kink:"));
    }

    #[test]
    fn the_curves_say_where_the_run_stands() {
        let empty = LossCurve {
            raw: vec![],
            smooth: vec![],
            per_epoch: 2,
            total: 4,
        };
        assert_eq!(loss(&empty).summary, "No batch trained yet.");
        let c = LossCurve {
            raw: vec![2.0, 1.0, 0.5],
            smooth: vec![2.0, 1.5, 1.1666],
            per_epoch: 2,
            total: 4,
        };
        let s = loss(&c);
        assert_eq!(
            s.summary,
            "Loss 1.167 (moving average) after batch 3 of 4; it started at 2.000."
        );
        assert_eq!(
            s.rows,
            [["1", "1.500", "1.500"], ["2 (so far)", "0.500", "1.167"]]
        );

        let a = AccuracyCurve {
            epochs: 6,
            train: vec![0.3, 0.5],
            test: vec![0.42, 0.4],
            mean_per_class: None,
        };
        let s = accuracy(&a);
        assert_eq!(
            s.summary,
            "After epoch 2 of 6: test accuracy 40.0\u{a0}%, training 50.0\u{a0}%; best test accuracy 42.0\u{a0}% (epoch 1)."
        );
        assert_eq!(s.rows[1], ["2", "50.0\u{a0}%", "40.0\u{a0}%"]);
    }

    #[test]
    fn bars_and_weights_name_their_extremes() {
        let b = Bars {
            classes: vec!["cat".into(), "dog".into(), "frog".into()],
            series: vec![("training images".into(), vec![100.0, 20.0, 2.0])],
            y_desc: "training images".into(),
            percent: false,
        };
        let s = bars(&b);
        assert_eq!(
            s.summary,
            "training images: highest 100 (cat), lowest 2 (frog)."
        );
        assert_eq!(s.rows[2], ["frog", "2"]);
        let w = ClassWeights {
            classes: b.classes.clone(),
            counts: vec![100, 20, 2],
            effective: vec![99.5, 19.98, 2.0],
            weights: vec![0.12, 0.6, 2.28],
        };
        assert_eq!(
            weights(&w).summary,
            "Weights from 2.28 for frog (2 images) down to 0.12 for cat (100 images)."
        );
    }
}
