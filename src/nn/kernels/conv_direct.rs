//! The "same" convolution computed straight from the padded images, four lanes at a time, with
//! no patch matrix: the convolution kernel's arithmetic in the browser (see `conv_kernel`).
//!
//! - Forward: each output tile — 4 output channels × 8 pixels of one row — lives in eight
//!   registers while the loop runs over (input channel, kernel row, kernel column); the 8 input
//!   pixels are read straight from the padded row, the 4 weights are each loaded into all lanes.
//! - Input gradient: the same loop over the padded output gradient, with the kernel turned by
//!   180° and its two channel axes swapped.
//! - Weight gradient: output gradient × shifted input summed over every pixel, 2 output channels
//!   × up to 3 kernel columns at a time in six registers, one image at a time (so both stay in
//!   cache), lanes added together at the end.
//!
//! Why not a patch matrix and a general matrix product (as natively): in WebAssembly SIMD the
//! 128-bit registers are few, matrixmultiply's 8 × 8 kernel keeps 16 accumulators and spills,
//! and the patch matrix (k² copies of the input) costs as much memory traffic as the products.

// `unsafe` here: SIMD loads and stores at offsets its bounds checks prove (each block says why).
#![allow(unsafe_code)]

use std::borrow::Cow;

use super::Dims;
use super::epilogue::ScaleShiftRelu;
use super::lanes::F32x4;
use super::padded::{Padded, TILE, narrow, round_up};

/// Output channels in a forward tile.
const BLOCK: usize = 4;

/// `[n, o, h, w]`: the convolution of the padded images with `weight [o, c, k, k]`, each output
/// then put through `then` if given.
pub(crate) fn forward(
    x: &Padded,
    weight: &[f32],
    d: Dims,
    then: Option<ScaleShiftRelu<'_>>,
) -> Vec<f32> {
    match then {
        None => forward_with(x, weight, d, |_, lanes| lanes),
        Some(then) => forward_with(x, weight, d, then.in_registers(d.o, round_up(d.o, BLOCK))),
    }
}

/// [`forward`], each output's four lanes of channel `oc` put through `then(oc, lanes)` before
/// they are stored (a separate instance per `then`, so the plain convolution's loop is the same
/// as without it).
fn forward_with(
    x: &Padded,
    weight: &[f32],
    d: Dims,
    then: impl Fn(usize, F32x4) -> F32x4,
) -> Vec<f32> {
    assert!(x.fits(d), "conv forward: padded input does not fit {d:?}");
    let kk = d.k * d.k;
    assert_eq!(
        weight.len(),
        d.o * d.c * kk,
        "conv forward: weight does not fit {d:?}"
    );
    let (blocks, width) = (d.o.div_ceil(BLOCK), round_up(d.w, TILE));
    // [block][ci][ky][kx][lane]: the 4 weights one step of a tile needs, side by side (zeros for
    // the channels past `o` in the last block).
    let mut packed = vec![0.0f32; blocks * d.c * kk * BLOCK];
    for oc in 0..d.o {
        for ci in 0..d.c {
            for t in 0..kk {
                packed[(((oc / BLOCK) * d.c + ci) * kk + t) * BLOCK + oc % BLOCK] =
                    weight[(oc * d.c + ci) * kk + t];
            }
        }
    }
    let mut out = vec![0.0f32; d.n * blocks * BLOCK * d.h * width];
    for b in 0..d.n {
        for block in 0..blocks {
            let weights = &packed[block * d.c * kk * BLOCK..][..d.c * kk * BLOCK];
            for y in 0..d.h {
                for x0 in (0..width).step_by(TILE) {
                    // SAFETY: `x.fits(d)` (asserted above): rows y + ky < h + 2p and columns
                    // x0 + kx + 8 ≤ width + 2p = stride are inside image b's planes, and
                    // `weights` holds c·k² steps of BLOCK values.
                    let tile = unsafe { forward_tile(x, b, y, x0, weights, d) };
                    for (l, lanes) in tile.iter().enumerate() {
                        let oc = block * BLOCK + l;
                        let at = ((b * blocks * BLOCK + oc) * d.h + y) * width + x0;
                        let row = &mut out[at..at + TILE];
                        // SAFETY: `row` holds TILE = 8 values.
                        unsafe {
                            then(oc, lanes[0]).store(row.as_mut_ptr());
                            then(oc, lanes[1]).store(row.as_mut_ptr().add(4));
                        }
                    }
                }
            }
        }
    }
    narrow(out, [d.n, blocks * BLOCK, d.h, width], d.o, d.w)
}

/// One forward tile: 4 output channels × 8 pixels of row `y` from column `x0`, of image `b`.
///
/// # Safety
/// `x` must hold image `b` padded for `d`, `x0 + 8 + k − 1 ≤ x.stride`, `y + k ≤ x.rows`, and
/// `weights` c·k²·4 values.
#[inline(always)]
unsafe fn forward_tile(
    x: &Padded,
    b: usize,
    y: usize,
    x0: usize,
    weights: &[f32],
    d: Dims,
) -> [[F32x4; 2]; BLOCK] {
    let mut acc = [[F32x4::zero(); 2]; BLOCK];
    let mut w = weights.as_ptr();
    for ci in 0..d.c {
        // SAFETY (all pointer steps below): the caller's promise.
        let plane = unsafe { x.values.as_ptr().add((b * d.c + ci) * x.rows * x.stride) };
        for ky in 0..d.k {
            let row = unsafe { plane.add((y + ky) * x.stride + x0) };
            for kx in 0..d.k {
                let (left, right) =
                    unsafe { (F32x4::load(row.add(kx)), F32x4::load(row.add(kx + 4))) };
                for (l, lanes) in acc.iter_mut().enumerate() {
                    let weight = unsafe { F32x4::load_splat(w.add(l)) };
                    lanes[0] = lanes[0].mul_add(weight, left);
                    lanes[1] = lanes[1].mul_add(weight, right);
                }
                w = unsafe { w.add(BLOCK) };
            }
        }
    }
    acc
}

/// `[n, c, h, w]`: the gradient of the input, given the output's, `grad [n, o, h, w]`.
pub(crate) fn input_gradient(grad: &[f32], weight: &[f32], d: Dims) -> Vec<f32> {
    let kk = d.k * d.k;
    // The kernel turned by 180°, as [c, o, k, k].
    let mut turned = vec![0.0f32; weight.len()];
    for oc in 0..d.o {
        for ci in 0..d.c {
            for t in 0..kk {
                turned[(ci * d.o + oc) * kk + (kk - 1 - t)] = weight[(oc * d.c + ci) * kk + t];
            }
        }
    }
    let transposed = Dims {
        c: d.o,
        o: d.c,
        ..d
    };
    let grad = Padded::new(grad, [d.n, d.o, d.h, d.w], d.k / 2);
    forward(&grad, &turned, transposed, None)
}

/// `[o, c, k, k]`: the gradient of the weights, given the padded input and the output's
/// gradient `grad [n, o, h, w]`.
pub(crate) fn weight_gradient(x: &Padded, grad: &[f32], d: Dims) -> Vec<f32> {
    assert!(
        x.fits(d),
        "conv weight gradient: padded input does not fit {d:?}"
    );
    assert_eq!(
        grad.len(),
        d.n * d.o * d.h * d.w,
        "conv weight gradient: gradient does not fit {d:?}"
    );
    // The gradient with rows widened to whole registers and the channels to whole pairs (zeros).
    let (pairs, width) = (d.o.div_ceil(2), round_up(d.w, 4));
    let grad = if (pairs * 2, width) == (d.o, d.w) {
        Cow::Borrowed(grad)
    } else {
        let mut wide = vec![0.0f32; d.n * pairs * 2 * d.h * width];
        for b in 0..d.n {
            for oc in 0..d.o {
                for y in 0..d.h {
                    wide[((b * pairs * 2 + oc) * d.h + y) * width..][..d.w]
                        .copy_from_slice(&grad[((b * d.o + oc) * d.h + y) * d.w..][..d.w]);
                }
            }
        }
        Cow::Owned(wide)
    };
    let sweep = Sweep {
        x,
        grad: &grad,
        d,
        pairs,
        width,
    };
    // [2·pairs, c, k, k] sums, four lanes each.
    let mut sums = vec![F32x4::zero(); pairs * 2 * d.c * d.k * d.k];
    for b in 0..d.n {
        for pair in 0..pairs {
            for ci in 0..d.c {
                for ky in 0..d.k {
                    let mut kx = 0;
                    while kx < d.k {
                        let at = Position {
                            b,
                            pair,
                            ci,
                            ky,
                            kx,
                        };
                        kx += match d.k - kx {
                            1 => sweep.run::<1>(at, &mut sums),
                            2 => sweep.run::<2>(at, &mut sums),
                            _ => sweep.run::<3>(at, &mut sums),
                        };
                    }
                }
            }
        }
    }
    sums.iter()
        .take(d.o * d.c * d.k * d.k)
        .map(|s| s.sum())
        .collect()
}

/// Where one weight-gradient sweep starts: image, output-channel pair, input channel, kernel
/// row, first kernel column.
#[derive(Clone, Copy)]
struct Position {
    b: usize,
    pair: usize,
    ci: usize,
    ky: usize,
    kx: usize,
}

/// What every weight-gradient sweep reads.
struct Sweep<'a> {
    x: &'a Padded,
    /// `[n, 2·pairs, h, width]`.
    grad: &'a [f32],
    d: Dims,
    pairs: usize,
    width: usize,
}

impl Sweep<'_> {
    /// Adds image `at.b`'s share of the weights (2 output channels × `KX` kernel columns from
    /// `at.kx`) to `sums`; returns `KX`.
    #[inline(always)]
    fn run<const KX: usize>(&self, at: Position, sums: &mut [F32x4]) -> usize {
        let d = self.d;
        assert!(
            at.kx + KX <= d.k && at.b < d.n && at.pair < self.pairs && at.ci < d.c && at.ky < d.k
        );
        let index = |r: usize| (((at.pair * 2 + r) * d.c + at.ci) * d.k + at.ky) * d.k + at.kx;
        let mut acc = [[F32x4::zero(); KX]; 2];
        for (r, lanes) in acc.iter_mut().enumerate() {
            lanes.copy_from_slice(&sums[index(r)..index(r) + KX]);
        }
        let planes = self.d.h * self.width;
        let g0 = &self.grad[(at.b * self.pairs * 2 + at.pair * 2) * planes..][..2 * planes];
        let x = self.x;
        let plane = &x.values[(at.b * d.c + at.ci) * x.rows * x.stride..][..x.rows * x.stride];
        for y in 0..d.h {
            let (g_row, x_row) = (
                &g0[y * self.width..],
                &plane[(y + at.ky) * x.stride + at.kx..],
            );
            // Reads below: g_row[xv .. xv + 4] and [planes + xv .. + 4] with xv + 4 ≤ width;
            // x_row[xv + j .. + 4] with xv + j + 4 ≤ width + KX − 1 ≤ width + k − 1 − kx,
            // inside the padded row (stride = round_up(w, 8) + k − 1 ≥ width + k − 1).
            debug_assert!(g_row.len() >= planes + self.width);
            debug_assert!(x_row.len() >= self.width + KX - 1);
            for xv in (0..self.width).step_by(4) {
                // SAFETY: the bounds just above.
                unsafe {
                    let a0 = F32x4::load(g_row.as_ptr().add(xv));
                    let a1 = F32x4::load(g_row.as_ptr().add(planes + xv));
                    let [first, second] = &mut acc;
                    for (j, (s0, s1)) in first.iter_mut().zip(second.iter_mut()).enumerate() {
                        let v = F32x4::load(x_row.as_ptr().add(xv + j));
                        *s0 = s0.mul_add(a0, v);
                        *s1 = s1.mul_add(a1, v);
                    }
                }
            }
        }
        for (r, lanes) in acc.iter().enumerate() {
            sums[index(r)..index(r) + KX].copy_from_slice(lanes);
        }
        KX
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::kernels::conv_patches;
    use crate::nn::kernels::tests::pattern;

    fn assert_close(ours: &[f32], theirs: &[f32], what: &str) {
        assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
        let gap = ours
            .iter()
            .zip(theirs)
            .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
            .fold(0.0f32, f32::max);
        assert!(gap < 1e-5, "{what}: differs by {gap} (relative)");
    }

    /// The direct loops equal the patch matrix and its products (which `conv_kernel`'s tests
    /// hold against Burn's `Conv2d`) in the output and both gradients — across tile and register
    /// edges: widths not a multiple of 8 or 4, output channels not a multiple of 4 or 2,
    /// kernels of 1, 3 and 5 (three, one and two column groups in the weight gradient), images
    /// narrower than the kernel's reach.
    #[test]
    fn equals_the_patch_matrix_products_in_value_and_gradients() {
        for (k, [n, c, h, w], o) in [
            (3, [2, 5, 9, 17], 6),
            (3, [2, 16, 8, 8], 16),
            (1, [1, 1, 1, 1], 1),
            (5, [3, 2, 4, 20], 5),
            (5, [1, 3, 2, 3], 9),
            (3, [1, 4, 3, 12], 7),
        ] {
            let d = Dims { n, c, h, w, o, k };
            let (x, weight, grad) = (
                pattern(n * c * h * w, 1),
                pattern(o * c * k * k, 2),
                pattern(n * o * h * w, 3),
            );
            let label = format!("k = {k}, [{n}, {c}, {h}, {w}] → {o}");
            let (out, cols) = conv_patches::forward(&x, &weight, d);
            let padded = Padded::new(&x, [n, c, h, w], k / 2);
            assert_close(
                &forward(&padded, &weight, d, None),
                &out,
                &format!("{label}, output"),
            );
            let (grad_x, grad_w) = conv_patches::backward(&grad, &weight, &cols, d, true);
            assert_close(
                &input_gradient(&grad, &weight, d),
                &grad_x.unwrap(),
                &format!("{label}, input gradient"),
            );
            assert_close(
                &weight_gradient(&padded, &grad, d),
                &grad_w,
                &format!("{label}, weight gradient"),
            );
        }
    }

    #[test]
    #[should_panic(expected = "padded input does not fit")]
    fn images_padded_for_another_kernel_are_refused() {
        let d = Dims {
            n: 1,
            c: 1,
            h: 4,
            w: 4,
            o: 1,
            k: 3,
        };
        let padded = Padded::new(&[0.0; 16], [1, 1, 4, 4], 2);
        let _ = forward(&padded, &[0.0; 9], d, None);
    }
}
