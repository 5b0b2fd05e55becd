//! The class-imbalance cell's losses, as Cui et al.'s official code computes them, numerically
//! stable in f32. Notation: logits z ∈ ℝ^{B×C}, one-hot labels y ∈ {0,1}^{B×C}, class weights
//! w ∈ ℝ^C (see [`super::class_balance`]), w_y the weight of an example's label.
//!
//! - cross-entropy (softmax): L = (1/B) Σᵢ −log softmax(zᵢ)_{yᵢ}, with
//!   log softmax(z)_c = z_c − m − log Σ_k e^{z_k − m}, m = max_k z_k (log-sum-exp).
//! - CB-softmax: L = (1/B) Σᵢ w_{yᵢ} · (−log softmax(zᵢ)_{yᵢ}).
//! - sigmoid cross-entropy: L = (1/B) Σᵢ Σ_c BCE(z_ic, y_ic), with
//!   BCE(z, y) = softplus(z) − z·y, softplus(z) = log(1 + e^z) = −log σ(−z) (stable form).
//! - focal (sigmoid, γ ≥ 0): L = (1/B) Σᵢ Σ_c M_ic · BCE(z_ic, y_ic), with the modulator
//!   M = (1 − p_t)^γ computed in log space as M = exp(−γ·(y·z + softplus(−z))); γ = 0 gives M = 1,
//!   the sigmoid cross-entropy.
//! - CB-sigmoid / CB-focal: the same sums with each example's terms multiplied by w_{yᵢ}.
//!
//! Every reduction is "sum over classes, divided by the batch size", as in the official code.

use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;

use crate::settings::loss::{LossKind, LossSettings};

/// A loss with its parameters, as the training core computes it (made from the page's
/// [`LossSettings`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Loss {
    CrossEntropy,
    Focal { gamma: f64 },
    CbSoftmax,
    CbSigmoid,
    CbFocal { gamma: f64 },
}

impl From<LossSettings> for Loss {
    fn from(settings: LossSettings) -> Self {
        let gamma = settings.gamma;
        match settings.kind {
            LossKind::CrossEntropy => Loss::CrossEntropy,
            LossKind::Focal => Loss::Focal { gamma },
            LossKind::CbSoftmax => Loss::CbSoftmax,
            LossKind::CbSigmoid => Loss::CbSigmoid,
            LossKind::CbFocal => Loss::CbFocal { gamma },
        }
    }
}

impl Loss {
    /// Whether the loss uses class-balanced weights.
    pub fn is_class_balanced(&self) -> bool {
        matches!(
            self,
            Self::CbSoftmax | Self::CbSigmoid | Self::CbFocal { .. }
        )
    }
}

/// softplus(z) = log(1 + e^z) = −log σ(−z), through Burn's stable log-sigmoid, whose gradient
/// σ(z) is exact everywhere. (The textbook max(z, 0) + log1p(e^{−|z|}) has the right value but a
/// wrong subgradient at z = 0 — a point zero-initialised heads hit exactly.)
pub fn softplus<const D: usize>(z: Tensor<D>) -> Tensor<D> {
    log_sigmoid(z.neg()).neg()
}

/// log softmax along dimension 1, through log-sum-exp.
///
/// # Shapes
/// `[batch, classes]` → `[batch, classes]`
pub fn log_softmax_stable(z: Tensor<2>) -> Tensor<2> {
    let shifted = z.clone() - z.max_dim(1);
    shifted.clone() - shifted.exp().sum_dim(1).log()
}

/// Element-wise sigmoid cross-entropy BCE(z, y) = softplus(z) − z·y.
fn bce(z: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
    softplus(z.clone()) - z * y
}

/// The focal modulator (1 − p_t)^γ = exp(−γ·(y·z + softplus(−z))), in log space.
fn modulator(z: Tensor<2>, y: Tensor<2>, gamma: f64) -> Tensor<2> {
    ((y * z.clone() + softplus(z.neg())) * (-gamma)).exp()
}

/// The loss, a scalar (shape `[1]`).
///
/// # Shapes
/// - `logits`: `[batch, classes]`; `one_hot`: `[batch, classes]`;
/// - `class_weights`: `[classes]`, used by the CB losses only (pass `None` for the others).
///
/// # Panics
/// If a CB loss gets no weights.
pub fn loss(
    kind: Loss,
    logits: Tensor<2>,
    one_hot: Tensor<2>,
    class_weights: Option<Tensor<1>>,
) -> Tensor<1> {
    let [batch, _] = logits.dims();
    let example_weights = || {
        let w = class_weights
            .clone()
            .expect("class-balanced losses need class weights");
        // w_{yᵢ} for each example, as a [batch, 1] column.
        (one_hot.clone() * w.unsqueeze::<2>()).sum_dim(1)
    };
    let per_example: Tensor<2> = match kind {
        Loss::CrossEntropy => (log_softmax_stable(logits) * one_hot.clone())
            .sum_dim(1)
            .neg(),
        Loss::CbSoftmax => {
            (log_softmax_stable(logits) * one_hot.clone())
                .sum_dim(1)
                .neg()
                * example_weights()
        }
        Loss::Focal { gamma } => (modulator(logits.clone(), one_hot.clone(), gamma)
            * bce(logits, one_hot.clone()))
        .sum_dim(1),
        Loss::CbSigmoid => bce(logits, one_hot.clone()).sum_dim(1) * example_weights(),
        Loss::CbFocal { gamma } => {
            (modulator(logits.clone(), one_hot.clone(), gamma) * bce(logits, one_hot.clone()))
                .sum_dim(1)
                * example_weights()
        }
    };
    per_example.sum() / batch as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;

    fn t2(values: &[f32], rows: usize, cols: usize, device: &Device) -> Tensor<2> {
        Tensor::<2>::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
    }

    fn value(t: Tensor<1>) -> f64 {
        t.into_data().try_into_vec::<f32>().unwrap()[0] as f64
    }

    /// Two examples, three classes: labels 0 and 2.
    fn case(device: &Device) -> (Tensor<2>, Tensor<2>, Tensor<1>) {
        let z = t2(&[2.0, 0.0, -1.0, 0.5, 1.5, -0.5], 2, 3, device);
        let y = t2(&[1.0, 0.0, 0.0, 0.0, 0.0, 1.0], 2, 3, device);
        let w = Tensor::<1>::from_data(TensorData::new(vec![0.5f32, 1.0, 1.5], [3]), device);
        (z, y, w)
    }

    /// References in f64, written out from the formulas above.
    fn sp(z: f64) -> f64 {
        (1.0 + z.exp()).ln()
    }
    fn ce_ref(z: &[f64], label: usize) -> f64 {
        let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
        lse - z[label]
    }
    fn focal_ref(z: &[f64], label: usize, gamma: f64) -> f64 {
        (0..z.len())
            .map(|c| {
                let y = (c == label) as u8 as f64;
                let p = 1.0 / (1.0 + (-z[c]).exp());
                let pt = if y == 1.0 { p } else { 1.0 - p };
                (1.0 - pt).powf(gamma) * (sp(z[c]) - z[c] * y)
            })
            .sum()
    }
    const Z: [[f64; 3]; 2] = [[2.0, 0.0, -1.0], [0.5, 1.5, -0.5]];
    const W: [f64; 3] = [0.5, 1.0, 1.5];

    #[test]
    fn values_match_hand_computed_references() {
        let d = ndarray_device();
        let (z, y, w) = case(&d);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        let ce = (ce_ref(&Z[0], 0) + ce_ref(&Z[1], 2)) / 2.0;
        close(
            value(loss(Loss::CrossEntropy, z.clone(), y.clone(), None)),
            ce,
        );
        let cb_softmax = (W[0] * ce_ref(&Z[0], 0) + W[2] * ce_ref(&Z[1], 2)) / 2.0;
        close(
            value(loss(Loss::CbSoftmax, z.clone(), y.clone(), Some(w.clone()))),
            cb_softmax,
        );
        for gamma in [0.0, 1.0, 2.0] {
            let focal = (focal_ref(&Z[0], 0, gamma) + focal_ref(&Z[1], 2, gamma)) / 2.0;
            close(
                value(loss(Loss::Focal { gamma }, z.clone(), y.clone(), None)),
                focal,
            );
            let cb_focal =
                (W[0] * focal_ref(&Z[0], 0, gamma) + W[2] * focal_ref(&Z[1], 2, gamma)) / 2.0;
            close(
                value(loss(
                    Loss::CbFocal { gamma },
                    z.clone(),
                    y.clone(),
                    Some(w.clone()),
                )),
                cb_focal,
            );
        }
        let cb_sigmoid = (W[0] * focal_ref(&Z[0], 0, 0.0) + W[2] * focal_ref(&Z[1], 2, 0.0)) / 2.0;
        close(value(loss(Loss::CbSigmoid, z, y, Some(w))), cb_sigmoid);
    }

    #[test]
    fn a_case_worked_on_paper() {
        // One example, two classes, z = (0, 0), label 0: CE = ln 2; sigmoid CE = 2 ln 2;
        // focal γ = 1: p = ½ for both classes, so each term is ½ · ln 2 → ln 2; with class
        // weights (3, 1), CB-focal = 3 ln 2.
        let d = ndarray_device();
        let z = t2(&[0.0, 0.0], 1, 2, &d);
        let y = t2(&[1.0, 0.0], 1, 2, &d);
        let w = Tensor::<1>::from_data(TensorData::new(vec![3.0f32, 1.0], [2]), &d);
        let ln2 = std::f64::consts::LN_2;
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        close(
            value(loss(Loss::CrossEntropy, z.clone(), y.clone(), None)),
            ln2,
        );
        close(
            value(loss(Loss::Focal { gamma: 0.0 }, z.clone(), y.clone(), None)),
            2.0 * ln2,
        );
        close(
            value(loss(Loss::Focal { gamma: 1.0 }, z.clone(), y.clone(), None)),
            ln2,
        );
        close(
            value(loss(Loss::CbFocal { gamma: 1.0 }, z, y, Some(w))),
            3.0 * ln2,
        );
    }

    #[test]
    fn extreme_logits_stay_finite() {
        let d = ndarray_device();
        let z = t2(&[1e4, -1e4, 0.0, -1e4, 1e4, 3.0], 2, 3, &d);
        let y = t2(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], 2, 3, &d);
        let w = Tensor::<1>::from_data(TensorData::new(vec![1.0f32, 1.0, 1.0], [3]), &d);
        for kind in [
            Loss::CrossEntropy,
            Loss::CbSoftmax,
            Loss::CbSigmoid,
            Loss::Focal { gamma: 2.0 },
            Loss::CbFocal { gamma: 2.0 },
        ] {
            let v = value(loss(kind, z.clone(), y.clone(), Some(w.clone())));
            assert!(v.is_finite(), "{kind:?}: {v}");
            // The second example is wrong by 2·10⁴ in logit: the loss is about 10⁴ (over B = 2).
            assert!(v > 4e3 && v < 3e4, "{kind:?}: {v}");
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let d = ndarray_device();
        let ad = d.clone().autodiff();
        let (z0, y, w) = case(&ad);
        let (_, y_plain, w_plain) = case(&d);
        let base: Vec<f32> = z0.into_data().try_into_vec().unwrap();
        for kind in [
            Loss::CrossEntropy,
            Loss::CbSoftmax,
            Loss::CbSigmoid,
            Loss::Focal { gamma: 2.0 },
            Loss::CbFocal { gamma: 1.0 },
        ] {
            let z = t2(&base, 2, 3, &ad).require_grad();
            let l = loss(kind, z.clone(), y.clone(), Some(w.clone()));
            let grads = l.backward();
            let g: Vec<f32> = z.grad(&grads).unwrap().into_data().try_into_vec().unwrap();
            let f = |values: &[f32]| {
                value(loss(
                    kind,
                    t2(values, 2, 3, &d),
                    y_plain.clone(),
                    Some(w_plain.clone()),
                ))
            };
            let eps = 1e-2f32;
            for k in 0..base.len() {
                let mut hi = base.clone();
                let mut lo = base.clone();
                hi[k] += eps;
                lo[k] -= eps;
                let fd = (f(&hi) - f(&lo)) / (2.0 * eps as f64);
                assert!(
                    (fd - g[k] as f64).abs() < 2e-3,
                    "{kind:?} ∂/∂z[{k}]: autodiff {} vs {fd}",
                    g[k]
                );
            }
        }
    }
}
