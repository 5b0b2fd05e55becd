//! BatchNorm's training pass on plain slices `[n, c, h, w]`, per channel: the batch mean and
//! (biased) variance and the output `γ·(x − mean)/√(var + ε) + β` in three passes; backward
//! `Σ ∂y` and `Σ ∂y·x̂` in one and `∂x` in another, four lanes at a time (`batch_norm_kernel`
//! is its Burn glue).

// `unsafe` here: a SIMD load of four values it holds.
#![allow(unsafe_code)]

use super::lanes::F32x4;

/// Per channel: the batch statistics, and what the backward pass needs.
#[derive(Debug)]
pub(crate) struct Stats {
    pub(crate) mean: Vec<f32>,
    /// Biased (divided by the count), as Burn computes and keeps it.
    pub(crate) variance: Vec<f32>,
    /// `1 / √(variance + ε)`.
    pub(crate) inv_std: Vec<f32>,
}

/// `(n, c, h·w)` of an input `[n, c, h, w]`.
fn sizes(shape: &[usize]) -> (usize, usize, usize) {
    let &[n, c, h, w] = shape else {
        panic!("batch_norm: input must be [n, c, h, w], got {shape:?}");
    };
    (n, c, h * w)
}

/// The 4 values from `values[i]` on, as a register.
#[inline(always)]
fn load(values: &[f32], i: usize) -> F32x4 {
    let four = &values[i..i + 4];
    // SAFETY: `four` holds 4 values.
    unsafe { F32x4::load(four.as_ptr()) }
}

/// `Σ a[i]·(b[i] − shift)` — or `Σ (b[i] − shift)²` when `a` is `None` — four lanes at a time.
#[inline(always)]
fn sum_of_products(a: Option<&[f32]>, b: &[f32], shift: f32) -> f32 {
    let whole = b.len() / 4 * 4;
    let (mut acc, s) = (F32x4::zero(), F32x4::splat(shift));
    for i in (0..whole).step_by(4) {
        let centred = load(b, i).sub(s);
        let factor = a.map_or(centred, |a| load(a, i));
        acc = acc.mul_add(factor, centred);
    }
    let tail = (whole..b.len()).map(|i| {
        let centred = b[i] - shift;
        a.map_or(centred, |a| a[i]) * centred
    });
    acc.sum() + tail.sum::<f32>()
}

/// `Σ values[i]`, four lanes at a time.
#[inline(always)]
fn sum(values: &[f32]) -> f32 {
    let whole = values.len() / 4 * 4;
    let mut acc = F32x4::zero();
    for i in (0..whole).step_by(4) {
        acc = acc.add(load(values, i));
    }
    acc.sum() + values[whole..].iter().sum::<f32>()
}

/// For each channel, `plane_sum` of each of its planes, added in f64.
fn per_channel(
    (n, c, hw): (usize, usize, usize),
    plane_sum: impl Fn(usize, std::ops::Range<usize>) -> f32,
) -> Vec<f64> {
    let mut sums = vec![0.0f64; c];
    for b in 0..n {
        for (ci, total) in sums.iter_mut().enumerate() {
            let at = (b * c + ci) * hw;
            *total += f64::from(plane_sum(ci, at..at + hw));
        }
    }
    sums
}

/// The output and the statistics.
pub(crate) fn forward(
    x: &[f32],
    shape: &[usize],
    gamma: &[f32],
    beta: &[f32],
    epsilon: f64,
) -> (Vec<f32>, Stats) {
    let dims @ (n, c, hw) = sizes(shape);
    assert!(
        gamma.len() == c && beta.len() == c,
        "batch_norm: γ and β must have {c} values"
    );
    let count = (n * hw) as f64;
    let mean: Vec<f32> = per_channel(dims, |_, plane| sum(&x[plane]))
        .into_iter()
        .map(|s| (s / count) as f32)
        .collect();
    let variance: Vec<f32> =
        per_channel(dims, |ci, plane| sum_of_products(None, &x[plane], mean[ci]))
            .into_iter()
            .map(|s| (s / count) as f32)
            .collect();
    let inv_std: Vec<f32> = variance
        .iter()
        .map(|&v| (1.0 / (f64::from(v) + epsilon).sqrt()) as f32)
        .collect();
    let mut out = vec![0.0f32; x.len()];
    for (plane, (x, y)) in x.chunks_exact(hw).zip(out.chunks_exact_mut(hw)).enumerate() {
        let ci = plane % c;
        let (m, scale, shift) = (mean[ci], inv_std[ci] * gamma[ci], beta[ci]);
        for (y, &x) in y.iter_mut().zip(x) {
            *y = (x - m) * scale + shift;
        }
    }
    let stats = Stats {
        mean,
        variance,
        inv_std,
    };
    (out, stats)
}

/// `(∂x` when `need_x`, `∂γ`, `∂β)` given the output's gradient.
pub(crate) fn backward(
    grad: &[f32],
    x: &[f32],
    shape: &[usize],
    gamma: &[f32],
    stats: &Stats,
    need_x: bool,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let dims @ (n, c, hw) = sizes(shape);
    let count = (n * hw) as f64;
    let grad_beta = per_channel(dims, |_, plane| sum(&grad[plane.clone()]));
    let centred = per_channel(dims, |ci, plane| {
        sum_of_products(Some(&grad[plane.clone()]), &x[plane], stats.mean[ci])
    });
    // ∂γ = Σ ∂y·x̂ with x̂ = (x − mean)·inv_std.
    let grad_gamma: Vec<f64> = centred
        .iter()
        .zip(&stats.inv_std)
        .map(|(&s, &inv)| s * f64::from(inv))
        .collect();
    let as_f32 = |v: &[f64]| v.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    if !need_x {
        return (None, as_f32(&grad_gamma), as_f32(&grad_beta));
    }
    // ∂x = γ·inv_std·(∂y − mean(∂y) − x̂·mean(∂y·x̂)) = k·∂y + a·(x − mean) + b per channel.
    let terms: Vec<(f32, f32, f32, f32)> = (0..c)
        .map(|ci| {
            let (inv, k) = (
                f64::from(stats.inv_std[ci]),
                f64::from(gamma[ci] * stats.inv_std[ci]),
            );
            let a = -k * inv * grad_gamma[ci] / count;
            let b = -k * grad_beta[ci] / count;
            (k as f32, a as f32, b as f32, stats.mean[ci])
        })
        .collect();
    let mut grad_x = vec![0.0f32; x.len()];
    for (plane, ((g, x), dx)) in grad
        .chunks_exact(hw)
        .zip(x.chunks_exact(hw))
        .zip(grad_x.chunks_exact_mut(hw))
        .enumerate()
    {
        let (k, a, b, m) = terms[plane % c];
        for ((dx, &g), &x) in dx.iter_mut().zip(g).zip(x) {
            *dx = k * g + a * (x - m) + b;
        }
    }
    (Some(grad_x), as_f32(&grad_gamma), as_f32(&grad_beta))
}
