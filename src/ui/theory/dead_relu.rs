//! Q3, live: train a small ReLU MLP in the worker and count its dead units, as initialisation,
//! learning rate and BatchNorm change.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::format::parse_number;
use crate::protocol::theory::DeadReluReport;
use crate::settings::dead_relu::{self as knobs, DeadReluSettings};
use crate::ui::components::button::button;

/// What the demo shows and does: the last `result`, whether a run is under way, whether the
/// worker has a backend (`ready`: training runs only then), the knobs as set (`s`, kept in the
/// theory cell's state), and what a change (`on_settings`) and Train (`on_run`) send.
pub struct DeadReluView<'a> {
    pub result: &'a Option<Result<DeadReluReport, String>>,
    pub running: bool,
    pub ready: bool,
    pub settings: DeadReluSettings,
    pub on_settings: &'a Callback<DeadReluSettings>,
    pub on_run: &'a Callback<DeadReluSettings>,
}

/// Starting points worth showing a class.
fn presets() -> [(&'static str, DeadReluSettings); 4] {
    let base = DeadReluSettings::default();
    [
        ("He init, zero biases", base),
        (
            "Biases at \u{2212}3",
            DeadReluSettings {
                bias_init: -3.0,
                ..base
            },
        ),
        (
            "Biases at \u{2212}3 + BatchNorm",
            DeadReluSettings {
                bias_init: -3.0,
                batch_norm: true,
                ..base
            },
        ),
        (
            "Learning rate 3",
            DeadReluSettings {
                learning_rate: 3.0,
                ..base
            },
        ),
    ]
}

fn number_input(
    label: &str,
    value: f64,
    range: crate::settings::Range,
    step: f64,
    on: Callback<f64>,
    testid: &str,
) -> Html {
    let oninput = Callback::from(move |e: InputEvent| {
        if let Some(v) = parse_number(&e.target_unchecked_into::<HtmlInputElement>().value()) {
            on.emit(v);
        }
    });
    html! {
        <label class="knob">
            <span>{ label.to_string() }</span>
            <input type="number" value={value.to_string()} min={range.min.to_string()} max={range.max.to_string()}
                   step={step.to_string()} {oninput} data-testid={testid.to_string()} />
        </label>
    }
}

/// The demo: its prose, presets, knobs, Train and the last result.
pub fn dead_relu(props: DeadReluView) -> Html {
    let s = props.settings;
    let update = |f: fn(&mut DeadReluSettings, f64)| {
        let on_settings = props.on_settings.clone();
        Callback::from(move |v: f64| {
            let mut next = s;
            f(&mut next, v);
            on_settings.emit(next);
        })
    };
    let invalid = s.validate().err().map(|e| e.to_string());
    let run = props.on_run.reform(move |_: MouseEvent| s);
    let toggle_bn = props.on_settings.reform(move |e: Event| DeadReluSettings {
        batch_norm: e.target_unchecked_into::<HtmlInputElement>().checked(),
        ..s
    });
    let result = match props.result {
        None => html! {},
        Some(Err(e)) => {
            html! { <p class="verdict bad" data-testid="dead-relu-result">{ e.clone() }</p> }
        }
        Some(Ok(r)) => {
            let h = r.settings.hidden;
            let (first, last) = (
                r.losses.first().map(|l| f64::from(l.1)),
                r.losses.last().map(|l| f64::from(l.1)),
            );
            html! {
                <div data-testid="dead-relu-result">
                    <table class="dead-table">
                        <thead><tr><th></th><th>{ "at initialisation" }</th><th>{ format!("after {} steps", r.settings.steps) }</th></tr></thead>
                        <tbody>
                        { for (0..2).map(|l| html! {
                            <tr>
                                <th>{ format!("dead units, hidden layer {}", l + 1) }</th>
                                <td>{ format!("{} / {h} ({:.0} %)", r.dead_at_init[l], 100.0 * r.dead_at_init[l] as f64 / h as f64) }</td>
                                <td>{ format!("{} / {h} ({:.0} %)", r.dead_after[l], 100.0 * r.dead_after[l] as f64 / h as f64) }</td>
                            </tr>
                        }) }
                        </tbody>
                    </table>
                    <p>{ format!(
                        "Training loss {:.3} \u{2192} {:.3}; training accuracy {:.1} % on {} points. \
                         (Run with init scale {}, bias init {}, learning rate {}, {}.)",
                        first.unwrap_or(f64::NAN), last.unwrap_or(f64::NAN), 100.0 * r.accuracy, r.settings.points,
                        r.settings.init_scale, r.settings.bias_init, r.settings.learning_rate,
                        if r.settings.batch_norm { "BatchNorm on" } else { "no BatchNorm" }
                    ) }</p>
                </div>
            }
        }
    };
    html! {
        <section class="dead-relu" data-testid="dead-relu">
            { Html::from_html_unchecked(AttrValue::Static(include_str!("dead_relu.html"))) }
            <p>{ format!("Below, a 2 \u{2192} {h} \u{2192} {h} \u{2192} 2 ReLU network learns to tell a disc from the ring \
                  around it ({} points), trained in the worker \u{2014} try biases at \u{2212}3, then switch BatchNorm on.",
                  s.points, h = s.hidden) }</p>
            <p class="examples">
            { for presets().into_iter().map(|(label, preset)| html! {
                <button type="button" onclick={props.on_settings.reform(move |_: MouseEvent| preset)}>{ label }</button>
            }) }
            </p>
            <div class="knobs">
                { number_input("init scale (\u{d7} He std)", s.init_scale, knobs::INIT_SCALE, 0.1, update(|s, v| s.init_scale = v), "dead-init-scale") }
                { number_input("bias init", s.bias_init, knobs::BIAS_INIT, 0.5, update(|s, v| s.bias_init = v), "dead-bias-init") }
                { number_input("learning rate", s.learning_rate, knobs::LEARNING_RATE, 0.05, update(|s, v| s.learning_rate = v), "dead-learning-rate") }
                <label class="knob">
                    <input type="checkbox" checked={s.batch_norm} onchange={toggle_bn} data-testid="dead-batch-norm" />
                    <span>{ "BatchNorm" }</span>
                </label>
                { button("dead-relu-run", if props.running { "Training\u{2026}" } else if props.ready { "Train" } else { "Waiting for the worker\u{2026}" },
                    None, props.running || !props.ready || invalid.is_some(), run) }
            </div>
            if let Some(e) = invalid { <p class="field-error" role="alert">{ e }</p> }
            { result }
        </section>
    }
}
