//! The layout the browser's convolution loops read (`conv_direct`, `conv_winograd`): images with
//! zeros around them and rows widened to whole tiles, and the narrowing back.

use super::Dims;

/// Output pixels of one row in a forward tile (two registers).
pub(crate) const TILE: usize = 8;

pub(crate) fn round_up(value: usize, multiple: usize) -> usize {
    value.div_ceil(multiple) * multiple
}

/// Images `[n, c, h, w]` with `p` zeros around each one and every row widened with zeros to
/// `stride` (the width rounded up to a whole tile, plus `2p`): what the loops read.
pub(crate) struct Padded {
    pub(super) values: Vec<f32>,
    pub(super) n: usize,
    pub(super) c: usize,
    pub(super) rows: usize,
    pub(super) stride: usize,
}

impl std::fmt::Debug for Padded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            n, c, rows, stride, ..
        } = self;
        write!(f, "Padded [{n}, {c}, {rows}, {stride}]")
    }
}

impl Padded {
    pub(crate) fn new(x: &[f32], [n, c, h, w]: [usize; 4], p: usize) -> Self {
        assert_eq!(
            x.len(),
            n * c * h * w,
            "padding: values do not fit [{n}, {c}, {h}, {w}]"
        );
        let (rows, stride) = (h + 2 * p, round_up(w, TILE) + 2 * p);
        let mut values = vec![0.0f32; n * c * rows * stride];
        for plane in 0..n * c {
            for y in 0..h {
                let to = (plane * rows + y + p) * stride + p;
                values[to..to + w].copy_from_slice(&x[(plane * h + y) * w..][..w]);
            }
        }
        Self {
            values,
            n,
            c,
            rows,
            stride,
        }
    }

    /// Row `y` (of `rows`) of image `b`'s channel `ci`: `stride` values.
    pub(crate) fn row(&self, b: usize, ci: usize, y: usize) -> &[f32] {
        assert!(b < self.n && ci < self.c && y < self.rows);
        &self.values[((b * self.c + ci) * self.rows + y) * self.stride..][..self.stride]
    }

    /// Whether these are the images of `d` padded for its kernel.
    pub(crate) fn fits(&self, d: Dims) -> bool {
        let p = d.k / 2;
        self.n == d.n
            && self.c == d.c
            && self.rows == d.h + 2 * p
            && self.stride == round_up(d.w, TILE) + 2 * p
    }
}

/// `[n, cp, h, wp]` → `[n, c, h, w]`, dropping the padding channels and columns (no copy when
/// there are none).
pub(crate) fn narrow(values: Vec<f32>, [n, cp, h, wp]: [usize; 4], c: usize, w: usize) -> Vec<f32> {
    if (cp, wp) == (c, w) {
        return values;
    }
    let mut out = Vec::with_capacity(n * c * h * w);
    for b in 0..n {
        for ci in 0..c {
            for y in 0..h {
                out.extend_from_slice(&values[((b * cp + ci) * h + y) * wp..][..w]);
            }
        }
    }
    out
}
