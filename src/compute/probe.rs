//! The backend probe: a small, real Burn computation that proves a device works.
//!
//! On a fresh device the probe multiplies two 64×64 matrices and differentiates
//! `½‖A·x‖²` with Burn's autodiff, reads both results back (asynchronously, as the browser
//! requires) and compares them with exact f64 references computed here in plain Rust. A device
//! that cannot run it, or that answers wrongly, is not used.

use burn::tensor::{Device, Tensor, TensorData};

use super::reports::ProbeReport;

/// Side of the probe's square matrices.
pub const PROBE_SIZE: usize = 64;

/// Largest absolute error accepted in the product and in the gradient. Entries are sums of 64
/// products of numbers in [−0.5, 0.5], so f32 rounding stays orders of magnitude below this.
pub const PROBE_TOLERANCE: f64 = 1e-3;

/// Why a probe failed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProbeError {
    #[error("reading the result back from the device failed: {0}")]
    ReadBack(String),
    #[error(
        "the device computed a wrong {what}: off by {error:.3e} (tolerance {PROBE_TOLERANCE:.0e})"
    )]
    WrongAnswer { what: &'static str, error: f64 },
    #[error("autodiff produced no gradient for the probe's input")]
    NoGradient,
}

/// The probe's fixed inputs, deterministic and exactly representable in f32.
struct ProbeInputs {
    a: Vec<f32>,
    b: Vec<f32>,
    x: Vec<f32>,
}

impl ProbeInputs {
    fn new(n: usize) -> Self {
        let entry = |i: usize, j: usize, p: usize, q: usize, m: usize| {
            ((i * p + j * q) % m) as f32 / m as f32 - 0.5
        };
        Self {
            a: (0..n * n).map(|k| entry(k / n, k % n, 7, 3, 16)).collect(),
            b: (0..n * n).map(|k| entry(k / n, k % n, 5, 2, 8)).collect(),
            x: (0..n).map(|j| entry(j, 0, 3, 0, 4)).collect(),
        }
    }

    /// `A·B` in f64, row-major.
    fn product(&self, n: usize) -> Vec<f64> {
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for k in 0..n {
                let a = self.a[i * n + k] as f64;
                for j in 0..n {
                    c[i * n + j] += a * self.b[k * n + j] as f64;
                }
            }
        }
        c
    }

    /// The gradient of `½‖A·x‖²` with respect to `x`: `Aᵀ(A·x)`, in f64.
    fn gradient(&self, n: usize) -> Vec<f64> {
        let ax: Vec<f64> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|k| self.a[i * n + k] as f64 * self.x[k] as f64)
                    .sum()
            })
            .collect();
        (0..n)
            .map(|j| (0..n).map(|i| self.a[i * n + j] as f64 * ax[i]).sum())
            .collect()
    }
}

fn max_abs_error(got: &[f32], want: &[f64]) -> f64 {
    if got.len() != want.len() {
        return f64::INFINITY;
    }
    got.iter()
        .zip(want)
        .map(|(&g, &w)| {
            let e = (g as f64 - w).abs();
            if e.is_nan() { f64::INFINITY } else { e }
        })
        .fold(0.0, f64::max)
}

async fn read(tensor: Tensor<2>) -> Result<Vec<f32>, ProbeError> {
    super::read_f32(tensor)
        .await
        .map_err(|e| ProbeError::ReadBack(e.0))
}

/// Runs the probe on `device` and checks it against the exact references.
///
/// `now_ms` is a clock in milliseconds (the browser's `performance.now()` or a native timer), so
/// that this module stays free of web types.
pub async fn run_probe(
    device: &Device,
    now_ms: impl Fn() -> f64,
) -> Result<ProbeReport, ProbeError> {
    let n = PROBE_SIZE;
    let inputs = ProbeInputs::new(n);
    let started = now_ms();

    let a = Tensor::<2>::from_data(TensorData::new(inputs.a.clone(), [n, n]), device);
    let b = Tensor::<2>::from_data(TensorData::new(inputs.b.clone(), [n, n]), device);
    let product = read(a.matmul(b)).await?;

    let grad_device = device.clone().autodiff();
    let a = Tensor::<2>::from_data(TensorData::new(inputs.a.clone(), [n, n]), &grad_device);
    let x = Tensor::<2>::from_data(TensorData::new(inputs.x.clone(), [n, 1]), &grad_device)
        .require_grad();
    let ax = a.matmul(x.clone());
    let loss = (ax.clone() * ax).sum() * 0.5;
    let grads = loss.backward();
    let gradient = read(x.grad(&grads).ok_or(ProbeError::NoGradient)?).await?;

    let millis = now_ms() - started;
    let matmul_max_error = max_abs_error(&product, &inputs.product(n));
    let gradient_max_error = max_abs_error(&gradient, &inputs.gradient(n));
    for (what, error) in [
        ("matrix product", matmul_max_error),
        ("gradient", gradient_max_error),
    ] {
        if error > PROBE_TOLERANCE {
            return Err(ProbeError::WrongAnswer { what, error });
        }
    }
    Ok(ProbeReport {
        size: n,
        matmul_max_error,
        gradient_max_error,
        millis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_consistent() {
        let n = 4;
        let inputs = ProbeInputs::new(n);
        let g = inputs.gradient(n);
        let eps = 1e-3;
        // Finite differences of ½‖A·x‖² in f64.
        let f = |x: &[f64]| -> f64 {
            (0..n)
                .map(|i| {
                    (0..n)
                        .map(|k| inputs.a[i * n + k] as f64 * x[k])
                        .sum::<f64>()
                        .powi(2)
                })
                .sum::<f64>()
                * 0.5
        };
        let x: Vec<f64> = inputs.x.iter().map(|&v| v as f64).collect();
        for j in 0..n {
            let mut hi = x.clone();
            let mut lo = x.clone();
            hi[j] += eps;
            lo[j] -= eps;
            let fd = (f(&hi) - f(&lo)) / (2.0 * eps);
            assert!((fd - g[j]).abs() < 1e-6, "component {j}: {fd} vs {}", g[j]);
        }
    }

    #[test]
    fn errors_catch_nan_and_wrong_lengths() {
        assert_eq!(max_abs_error(&[f32::NAN], &[0.0]), f64::INFINITY);
        assert_eq!(max_abs_error(&[1.0], &[1.0, 2.0]), f64::INFINITY);
        assert_eq!(max_abs_error(&[1.5], &[1.0]), 0.5);
    }

    #[test]
    fn probe_passes_on_the_cpu_backend() {
        let report =
            pollster::block_on(run_probe(&super::super::ndarray_device(), || 0.0)).unwrap();
        assert_eq!(report.size, PROBE_SIZE);
        assert!(report.matmul_max_error < 1e-5, "{report:?}");
        assert!(report.gradient_max_error < 1e-5, "{report:?}");
    }
}
