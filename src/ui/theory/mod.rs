//! The theory cell: the step-by-step derivation, the plot, the autodiff cross-check, "check my
//! work", and the positivity claim tested.

pub mod check_work;
pub mod dead_relu;
pub mod state;
pub mod steps;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::components::button::button;

use self::check_work::check_work;
use self::dead_relu::{DeadReluView, dead_relu};
use self::state::{PRESETS, STEP_TITLES, TheoryAction, TheoryState, WEIGHT_NAMES};
use self::steps::steps;
use crate::format::{display, plain};
use crate::protocol::ToWorker;
use crate::protocol::theory::{AutodiffResult, Request};
use crate::theory::check::positivity_counterexample;
use crate::theory::{Network, Slope};
use crate::ui::cells::{CellProps, CellSpec};
use crate::ui::components::number_field::NumberField;
use crate::ui::keys::{dispatching, use_keys};
use crate::ui::plot::theory_plot::TheoryPlot;
use crate::ui::url;
use crate::ui::worker_link::{Worker, use_replies};

/// The cell, as the notebook lists it.
pub const CELL: CellSpec = CellSpec {
    anchor: "theory",
    title: "Theory: a two-layer ReLU network",
    intro: "A network h(x) from the real line to the real line, with two hidden ReLU layers of \
            two units. We step through its forward pass, see where ReLU's derivative switches \
            units off, and use the chain rule with those active masks to find the tangent line \
            Wx + b of h at any point — then ask why dead ReLUs are rarer in practice than on paper.",
    view: |props| html! { <TheoryCell ..props /> },
    keys: &[],
};

/// The four weight fields: a list of numbers each, applied when valid (Enter or leaving the
/// field). What the person types is kept in the cell's state until the weights change.
fn weights(s: &TheoryState, dispatch: &Callback<TheoryAction>) -> Html {
    html! {
        <fieldset class="weights">
            <legend>{ "Weights (W\u{b2} row by row; press Enter to apply)" }</legend>
            { for WEIGHT_NAMES.iter().enumerate().map(|(i, label)| html! {
                <label class="number-field">
                    <span>{ *label }</span>
                    <input type="text" value={s.weight_texts[i].clone()}
                           oninput={dispatch.reform(move |e: InputEvent| TheoryAction::WeightText(i, e.target_unchecked_into::<HtmlInputElement>().value()))}
                           onchange={dispatch.reform(move |_: Event| TheoryAction::ApplyWeight(i))}
                           data-testid={format!("weight-{i}")} />
                </label>
            }) }
            <button type="button" onclick={dispatch.reform(|_: MouseEvent| TheoryAction::ResetWeights)}
                    disabled={s.network == Network::default()}>{ "The assignment's weights" }</button>
            if let Some(e) = &s.weight_error { <p class="field-error" role="alert">{ e.clone() }</p> }
        </fieldset>
    }
}

#[function_component]
pub fn TheoryCell(props: &CellProps) -> Html {
    let worker = use_context::<Worker>().expect("the worker context");
    let state = use_reducer(|| TheoryState::from_url(&url::from_location()));
    use_replies(&worker, state.dispatcher(), TheoryAction::heard);
    let s = &*state;
    let dispatch = &state.dispatcher().to_callback();
    // ← / → step while this is the active cell.
    use_keys(
        props.active,
        dispatching(TheoryAction::for_key, dispatch.clone()),
    );

    // Ask the worker for the autodiff cross-check whenever the point or the weights change.
    {
        let worker = worker.clone();
        let ready = props.backend.is_some();
        use_effect_with((s.network, s.x0, ready), move |&(network, x0, ready)| {
            if ready {
                worker.send(ToWorker::Theory(Request::Autodiff { network, x0 }));
            }
        });
    }
    let run_dead_relu = {
        let (worker, dispatch) = (worker.clone(), dispatch.clone());
        Callback::from(move |settings| {
            dispatch.emit(TheoryAction::DeadReluStarted);
            worker.send(ToWorker::Theory(Request::DeadRelu(settings)));
        })
    };

    let presets = PRESETS.iter().map(|&p| {
        let onclick = dispatch.reform(move |_: MouseEvent| TheoryAction::SetX0(p));
        html! {
            <button type="button" class={(s.x0 == p).then_some("selected")} {onclick}
                    data-testid={format!("preset-{}", plain(p))}>
                { format!("x\u{2080} = {}", display(p)) }
            </button>
        }
    });
    let slider = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Some(v) = crate::format::parse_number(&value) {
                dispatch.emit(TheoryAction::SetX0(v));
            }
        })
    };
    let set_x0 = {
        let dispatch = dispatch.clone();
        Callback::from(move |v: f64| {
            dispatch.emit(TheoryAction::SetX0(v));
            Ok(())
        })
    };
    let set_range = |is_from: bool| {
        let (dispatch, (from, to)) = (dispatch.clone(), s.range);
        Callback::from(move |v: f64| {
            let (from, to) = if is_from { (v, to) } else { (from, v) };
            if from < to {
                dispatch.emit(TheoryAction::SetRange(from, to));
                Ok(())
            } else {
                Err(format!(
                    "the range needs from < to (now {} to {}); the plot keeps its range",
                    plain(from),
                    plain(to)
                ))
            }
        })
    };

    let autodiff = autodiff_line(s, s.autodiff.as_ref(), props.backend.as_deref());
    let claim = positivity_claim(&s.network, dispatch);

    html! {
        <div class="theory">
            <div class="controls">
                <div class="presets">{ for presets }</div>
                <NumberField label="x\u{2080}" value={s.x0} testid="x0-input"
                             on_value={set_x0} />
                <input type="range" class="slider" min={s.range.0.to_string()} max={s.range.1.to_string()}
                       step="0.01" value={s.x0.to_string()} oninput={slider} aria-label="x0 slider" />
            </div>
            <div class="step-controls">
                { button("step-prev", "\u{2190} Previous", None, s.step == 0, dispatch.reform(|_: MouseEvent| TheoryAction::PreviousStep)) }
                <span data-testid="step-index" aria-live="polite">{ format!("Step {} of {}", s.step + 1, STEP_TITLES.len()) }</span>
                { button("step-next", "Next \u{2192}", None, s.step + 1 == STEP_TITLES.len(), dispatch.reform(|_: MouseEvent| TheoryAction::NextStep)) }
                <span class="hint">{ "or \u{2190} / \u{2192} on the keyboard" }</span>
            </div>
            <div class="derivation">
                { steps(&s.network, s.x0, s.step) }
                <div class="figure-column">
                    <TheoryPlot network={s.network} x0={s.x0} range={s.range} />
                    <div class="range">
                        <NumberField label="x from" value={s.range.0} testid="range-from" on_value={set_range(true)} />
                        <NumberField label="to" value={s.range.1} testid="range-to" on_value={set_range(false)} />
                    </div>
                    { autodiff }
                    <p class="pieces">{ pieces_text(&s.network) }</p>
                </div>
            </div>
            { weights(s, dispatch) }
            { claim }
            { check_work(&s.check_texts, &s.check_result, dispatch) }
            { dead_relu(DeadReluView {
                result: &s.dead_relu,
                running: s.dead_relu_running,
                ready: props.backend.is_some(),
                settings: s.dead_relu_settings,
                on_settings: &dispatch.reform(TheoryAction::DeadReluSettings),
                on_run: &run_dead_relu,
            }) }
        </div>
    }
}

/// "h(x) = 0 for x ≤ −2, 1.5x + 3 on [−2, 0], 6x + 3 for x ≥ 0", from the computed pieces.
fn pieces_text(network: &Network) -> String {
    let pieces = network.pieces();
    let parts: Vec<String> = pieces
        .iter()
        .map(|p| {
            let f = steps::line(p.slope, p.intercept);

            match (p.from.is_finite(), p.to.is_finite()) {
                (false, false) => format!("{f} everywhere"),
                (false, true) => format!("{f} for x \u{2264} {}", display(p.to)),
                (true, false) => format!("{f} for x \u{2265} {}", display(p.from)),
                (true, true) => format!("{f} on [{}, {}]", display(p.from), display(p.to)),
            }
        })
        .collect();
    format!("Piece by piece: h(x) = {}.", parts.join("; "))
}

fn autodiff_line(
    s: &TheoryState,
    result: Option<&Result<AutodiffResult, String>>,
    backend: Option<&str>,
) -> Html {
    let text = match (backend, result) {
        (None, _) => "Autodiff cross-check: waiting for the compute worker\u{2026}".to_string(),
        (Some(_), Some(Err(e))) => format!("Autodiff cross-check failed: {e}"),
        (Some(backend), Some(Ok(r))) if r.x0 == s.x0 && r.network == s.network => {
            let verdict = match s.network.derivative(s.x0) {
                Slope::Defined(w) if (r.slope - w).abs() <= 1e-4 * w.abs().max(1.0) => {
                    "matches the chain rule".to_string()
                }
                Slope::Defined(w) => format!("does NOT match the chain rule ({})", plain(w)),
                Slope::Kink { left, right } => format!(
                    "at a kink, autodiff returns one one-sided slope (left {}, right {}) without a warning",
                    plain(left),
                    plain(right)
                ),
            };
            format!(
                "Burn autodiff on {backend}: h = {:.3}, dh/dx = {:.3} \u{2014} {verdict}",
                r.h, r.slope
            )
        }
        (Some(_), _) => "Autodiff cross-check: computing\u{2026}".to_string(),
    };
    html! { <p class="autodiff" data-testid="autodiff-slope">{ text }</p> }
}

fn positivity_claim(network: &Network, dispatch: &Callback<TheoryAction>) -> Html {
    let claim = "\u{201c}All weights are positive, so every y > 0.\u{201d}";
    match positivity_counterexample(network) {
        None => {
            html! { <p class="claim">{ format!("A student's claim: {claim} For these weights no unit is ever switched off.") }</p> }
        }
        Some((unit, lo, hi, x, y)) => {
            let interval = match (lo.is_finite(), hi.is_finite()) {
                (false, true) => format!("x \u{2264} {}", display(hi)),
                (true, false) => format!("x \u{2265} {}", display(lo)),
                (true, true) => format!("{} < x < {}", display(lo), display(hi)),
                (false, false) => "every x".to_string(),
            };
            let onclick = dispatch.reform(move |_: MouseEvent| TheoryAction::SetX0(x));
            html! {
                <p class="claim" data-testid="positivity-claim">
                    { format!("A student's claim: {claim} It fails for {interval}: at x\u{2080} = {}, {unit} = {} \
                               (the biases and negative inputs push its pre-activation to \u{2264} 0). ", display(x), display(y)) }
                    <button type="button" {onclick}>{ format!("Show x\u{2080} = {}", display(x)) }</button>
                </p>
            }
        }
    }
}
