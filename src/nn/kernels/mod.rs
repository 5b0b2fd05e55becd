//! The convolution's arithmetic on plain slices, below the Burn glue (`conv_kernel`,
//! `batch_norm_kernel`, `pool_kernel`, `conv_unit_inference` call it; nothing here imports Burn):
//! `conv_direct` (the browser's: straight from the `padded` images, four-lane SIMD `lanes`, an
//! optional `epilogue` applied in registers), `conv_patches` (native: im2col, matrixmultiply,
//! col2im), `conv_winograd` (the browser's 3×3 convolutions at evaluation), and BatchNorm's
//! training pass (`batch_norm`).

pub(crate) mod batch_norm;
pub(crate) mod conv_direct;
pub(crate) mod conv_patches;
pub(crate) mod conv_winograd;
pub(crate) mod epilogue;
pub(crate) mod lanes;
pub(crate) mod padded;

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dims {
    pub(crate) n: usize,
    pub(crate) c: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) o: usize,
    pub(crate) k: usize,
}

impl Dims {
    pub(crate) fn of(x: &[usize], weight: &[usize]) -> Self {
        let (&[n, c, h, w], &[o, wc, k, k2]) = (x, weight) else {
            panic!(
                "conv_same: x must be [n, c, h, w] and weight [o, c, k, k], got {x:?} and {weight:?}"
            );
        };
        assert!(
            wc == c && k == k2 && k % 2 == 1,
            "conv_same: weight {weight:?} does not fit input {x:?} (odd square kernel, same channels)"
        );
        Self { n, c, h, w, o, k }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// Test values in [−1, 1), different for each seed.
    pub(crate) fn pattern(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 37 + seed * 11) % 101) as f32 / 50.0) - 1.0)
            .collect()
    }
}
