//! The derivation at x0, one step at a time: each step's formula, then the numbers substituted,
//! with switched-off units greyed out.

use yew::prelude::*;

use super::state::STEP_TITLES;
use crate::format::{display, plain};
use crate::theory::{Network, Slope};
use crate::ui::math::{
    block, column, diag, factor, matrix, matrix2, mi, mn, mo, row, var, x0 as x0_sym,
};

fn eq() -> Html {
    mo("=")
}

/// `a·b + c` rows for a layer, as MathML cells.
fn affine_rows(weights: &[Vec<f64>], inputs: &[f64], bias: &[f64]) -> Vec<Vec<Html>> {
    weights
        .iter()
        .zip(bias)
        .map(|(w, &b)| {
            let mut items = Vec::new();
            for (k, (&wk, &xk)) in w.iter().zip(inputs).enumerate() {
                if k > 0 {
                    items.push(mo("+"));
                }
                items.push(mn(wk));
                items.push(mo("\u{b7}"));
                items.push(factor(xk));
            }
            items.push(mo("+"));
            items.push(mn(b));
            vec![row(items)]
        })
        .collect()
}

fn relu_rows(z: [f64; 2]) -> Vec<Vec<Html>> {
    z.iter()
        .map(|&v| {
            vec![row(vec![
                mi("max"),
                mo("("),
                mn(0.0),
                mo(","),
                mn(v),
                mo(")"),
            ])]
        })
        .collect()
}

/// The derivation of `n` at `x`, up to the revealed `step`.
pub fn steps(n: &Network, x: f64, step: usize) -> Html {
    let f = n.forward(x);
    let slope = n.derivative(x);
    let off1 = f.mask1.map(|m| !m);
    let off2 = f.mask2.map(|m| !m);
    let body = |i: usize| -> Html {
        match i {
            0 => html! { <>
                { block(vec![var("z", 1), eq(), var("W", 1), x0_sym(), mo("+"), var("b", 1)]) }
                { block(vec![
                    matrix(affine_rows(&[vec![n.w1[0]], vec![n.w1[1]]], &[x], &n.b1), &[]),
                    eq(), column(f.z1, [false; 2]),
                ]) }
            </> },
            1 => html! { <>
                { block(vec![var("y", 1), eq(), mi("ReLU"), mo("("), var("z", 1), mo(")")]) }
                { block(vec![matrix(relu_rows(f.z1), &off1), eq(), column(f.y1, off1)]) }
                { inactive_note(off1, "first") }
            </> },
            2 => html! { <>
                { block(vec![var("z", 2), eq(), var("W", 2), var("y", 1), mo("+"), var("b", 2)]) }
                { block(vec![
                    matrix2(n.w2), column(f.y1, off1), mo("+"), column(n.b2, [false; 2]), eq(),
                    matrix(affine_rows(&[n.w2[0].to_vec(), n.w2[1].to_vec()], &f.y1, &n.b2), &[]),
                    eq(), column(f.z2, [false; 2]),
                ]) }
            </> },
            3 => html! { <>
                { block(vec![var("y", 2), eq(), mi("ReLU"), mo("("), var("z", 2), mo(")")]) }
                { block(vec![matrix(relu_rows(f.z2), &off2), eq(), column(f.y2, off2)]) }
                { inactive_note(off2, "second") }
            </> },
            4 => html! { <>
                { block(vec![mi("h"), mo("("), x0_sym(), mo(")"), eq(), mn(f.y2[0]), mo("+"), mn(f.y2[1]), mo("\u{2212}"), mn(1.0), eq(), mn(f.h)]) }
                <p class="result">{ "h(x\u{2080}) = " }<strong data-testid="h-value">{ plain(f.h) }</strong></p>
            </> },
            5 => html! { <>
                <p>{ "ReLU\u{2032}(z) = 1 where z > 0 and 0 where z < 0. At z = 0 ReLU has no derivative; \
                     lectern takes ReLU\u{2032}(0) = 0 (as PyTorch and Burn do), and flags x\u{2080} as a kink there." }</p>
                { block(vec![
                    var("D", 1), eq(), mi("diag"), mo("("), mi("ReLU\u{2032}"), mo("("), var("z", 1), mo(")"), mo(")"), eq(), diag(f.mask1),
                    mo(","), var("D", 2), eq(), diag(f.mask2),
                ]) }
            </> },
            6 => {
                let product = vec![
                    row(vec![mo("("), mn(1.0), mo(","), mn(1.0), mo(")")]),
                    diag(f.mask2),
                    matrix2(n.w2),
                    diag(f.mask1),
                    column(n.w1, [false; 2]),
                ];
                match slope {
                    Slope::Defined(w) => html! { <>
                        { block(vec![
                            html! { <msup><mi>{ "h" }</mi><mo>{ "\u{2032}" }</mo></msup> }, mo("("), x0_sym(), mo(")"), eq(),
                            row(vec![mo("("), mn(1.0), mo(","), mn(1.0), mo(")")]),
                            var("D", 2), var("W", 2), var("D", 1), var("W", 1),
                        ]) }
                        { block(product.into_iter().chain([eq(), mn(w)]).collect()) }
                    </> },
                    Slope::Kink { left, right } => html! { <>
                        { block(product) }
                        <p class="kink" data-testid="kink-note">{ format!(
                            "x\u{2080} = {} is a kink: a pre-activation is exactly 0, so h has no derivative here. \
                             Slope from the left: {}, from the right: {}.", plain(x), plain(left), plain(right)) }</p>
                    </> },
                }
            }
            7 => match slope {
                Slope::Defined(w) => html! { <>
                    { block(vec![mi("W"), eq(), mn(w), mo(","), mi("b"), eq(), mn(f.h), mo("\u{2212}"), mn(w), mo("\u{b7}"), factor(x), eq(), mn(f.h - w * x)]) }
                    <p class="result">{ "W = " }<strong data-testid="tangent-slope">{ plain(w) }</strong>
                        { ", b = " }<strong data-testid="tangent-intercept">{ plain(f.h - w * x) }</strong></p>
                </> },
                Slope::Kink { left, right } => html! {
                    <p class="kink">{ format!("No single tangent at a kink: the one-sided lines are {} and {}.",
                        line(left, f.h - left * x), line(right, f.h - right * x)) }</p>
                },
            },
            _ => match slope {
                Slope::Defined(w) => html! {
                    <p class="result big">{ "Tangent line of h at x\u{2080} = " }{ display(x) }{ ": " }
                        <strong data-testid="tangent-line">{ line(w, f.h - w * x) }</strong></p>
                },
                Slope::Kink { .. } => {
                    html! { <p class="kink">{ "h bends at this x\u{2080}: see both one-sided lines on the plot." }</p> }
                }
            },
        }
    };
    html! {
        <ol class="steps" data-testid="steps">
        { for (0..=step.min(STEP_TITLES.len() - 1)).map(|i| html! {
            <li class={if i == step { "step current" } else { "step" }} data-step={(i + 1).to_string()}>
                <h4>{ STEP_TITLES[i] }</h4>
                { body(i) }
            </li>
        }) }
        </ol>
    }
}

fn inactive_note(off: [bool; 2], layer: &str) -> Html {
    let names: Vec<String> = (0..2)
        .filter(|&i| off[i])
        .map(|i| format!("unit {}", i + 1))
        .collect();
    if names.is_empty() {
        html! { <p class="note-inline">{ format!("Both {layer}-layer units are active (z > 0).") }</p> }
    } else {
        html! { <p class="note-inline inactive-note">{ format!("Inactive in the {layer} layer (z \u{2264} 0, output 0, greyed): {}.", names.join(" and ")) }</p> }
    }
}

/// `6x + 3`, `1.5x − 2`, `0`.
pub fn line(slope: f64, intercept: f64) -> String {
    let s = match slope {
        0.0 => String::new(),
        1.0 => "x".to_string(),
        -1.0 => "\u{2212}x".to_string(),
        w => format!("{}x", display(w)),
    };
    match (s.is_empty(), intercept) {
        (true, b) => display(b),
        (false, 0.0) => s,
        (false, b) if b < 0.0 => format!("{s} \u{2212} {}", plain(-b)),
        (false, b) => format!("{s} + {}", plain(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn lines_read_naturally() {
        assert_eq!(line(6.0, 3.0), "6x + 3");
        assert_eq!(line(1.5, 3.0), "1.5x + 3");
        assert_eq!(line(-2.0, -1.0), "\u{2212}2x \u{2212} 1");
        assert_eq!(line(0.0, 0.0), "0");
        assert_eq!(line(1.0, 0.0), "x");
    }
}
