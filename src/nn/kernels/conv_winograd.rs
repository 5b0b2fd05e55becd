//! The 3×3 "same" convolution at inference by Winograd's minimal filtering F(2×2, 3×3)
//! (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): each 2×2
//! block of outputs from its 4×4 block of inputs with 16 multiplications per (input channel,
//! output channel) instead of 36 — 2.25× fewer. The browser's arithmetic at evaluation
//! (`conv_kernel::forward_inference`); training keeps [`conv_direct`](super::conv_direct), whose
//! padded images its weight gradient reuses.
//!
//! With `d` a 4×4 input block, `g` a 3×3 kernel and `Y` the 2×2 outputs:
//! `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`, where
//!
//! ```text
//!      ⎡1  0 −1  0⎤        ⎡1    0    0 ⎤
//! Bᵀ = ⎢0  1  1  0⎥    G = ⎢½    ½    ½ ⎥    Aᵀ = ⎡1  1  1  0⎤
//!      ⎢0 −1  1  0⎥        ⎢½   −½    ½ ⎥         ⎣0  1 −1 −1⎦
//!      ⎣0  1  0 −1⎦        ⎣0    0    1 ⎦
//! ```
//!
//! Summed over the input channels, the 16 products of each block are 16 independent matrix
//! products, `M_ξ [tiles, o] = V_ξ [tiles, c] · U_ξ [c, o]` (`V` the transformed inputs, `U`
//! the transformed kernels), computed here as the direct loops compute theirs: 4 output
//! channels × 8 blocks in eight four-lane registers. Blocks are laid side by side in the lanes
//! (four neighbouring blocks of a row per register), so both transforms are adds and subtracts
//! of whole registers; the input's even and odd columns are split with shuffles.
//!
//! The values differ from the direct sum's in the last bits (the transforms add and subtract
//! before multiplying; `tests` bound the gap by the size of the products), as every fast
//! convolution's do; a non-finite input reaches the other outputs of its block too (∞ − ∞).

// `unsafe` here: SIMD loads at offsets its bounds checks prove (each block says why).
#![allow(unsafe_code)]

use super::Dims;
use super::epilogue::ScaleShiftRelu;
use super::lanes::F32x4;
use super::padded::{Padded, narrow, round_up};

/// Output channels in a block of the matrix products.
const BLOCK: usize = 4;
/// Tiles (2×2 output blocks) in a step of the matrix products: two registers.
const STEP: usize = 8;
/// About how many tiles one pass transforms, multiplies and transforms back (so that its
/// transformed inputs and products stay in the cache): whole rows of tiles, at least one.
const CHUNK_TILES: usize = 64;
/// Values between two of the 16 planes of transformed inputs or products beyond their size: a
/// plane is often a multiple of 4 KiB, and 16 streams that far apart would all fall into the
/// same sets of the cache and evict each other (measured: the net's layers 1.05–1.2× slower
/// without).
const SKEW: usize = 16;

/// Where each of the 16 planes (one per ξ) of a chunk's transformed inputs `[16][c][tiles]` and
/// products `[16][channels][tiles]` starts.
#[derive(Debug, Clone, Copy)]
struct Planes {
    /// Tiles in a row of a plane: a chunk's, rounded up to whole steps.
    tiles: usize,
    /// Between two planes of transformed inputs.
    inputs: usize,
    /// Between two planes of products.
    products: usize,
}

/// Input channels below which the direct loops are faster: the transforms cost about as much
/// per input channel as per output channel, and the products they save grow with both (the
/// ConvNet's first convolution, 3 → 16 channels: Winograd 0.76–0.86× the direct loops'
/// speed; 16 → 16: 1.14×; 16 → 32: 1.26–1.31×; 32 → 32: 1.36–1.44×; `make bench`'s
/// convolution profile, README).
const MIN_CHANNELS: usize = 8;

/// Whether [`forward`] can compute this convolution: a 3×3 kernel on non-empty images of even
/// height (a tile is two rows; any width, the rows are padded to whole registers).
pub(crate) fn fits(d: Dims) -> bool {
    d.k == 3 && d.h.is_multiple_of(2) && d.h > 0 && d.w > 0
}

/// Whether [`forward`] is the faster way for this convolution: it [`fits`], with at least
/// [`MIN_CHANNELS`] input channels.
pub(crate) fn is_faster_for(d: Dims) -> bool {
    fits(d) && d.c >= MIN_CHANNELS
}

/// `[n, o, h, w]`: the convolution of the images (padded by one) with `weight [o, c, 3, 3]`,
/// each output then put through `then` if given.
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
/// they are stored.
fn forward_with(
    x: &Padded,
    weight: &[f32],
    d: Dims,
    then: impl Fn(usize, F32x4) -> F32x4,
) -> Vec<f32> {
    assert!(
        fits(d) && x.fits(d),
        "Winograd forward: padded input does not fit {d:?}"
    );
    assert_eq!(
        weight.len(),
        d.o * d.c * 9,
        "Winograd forward: weight does not fit {d:?}"
    );
    let channels = round_up(d.o, BLOCK);
    let u = transformed_kernels(weight, d, channels);
    // Tiles: `rows` rows of `per_row` (a multiple of 4: the padded width is whole registers).
    let width = round_up(d.w, STEP);
    let (rows, per_row) = (d.h / 2, width / 2);
    let rows_per_chunk = (CHUNK_TILES / per_row).clamp(1, rows);
    // Room for a whole chunk, rounded up to whole steps (the tiles past a chunk's end hold
    // zeros or an earlier chunk's values; their products are never read).
    let tiles = round_up(rows_per_chunk * per_row, STEP);
    let planes = Planes {
        tiles,
        inputs: d.c * tiles + SKEW,
        products: channels * tiles + SKEW,
    };
    let mut v = vec![0.0f32; 16 * planes.inputs];
    let mut m = vec![0.0f32; 16 * planes.products];
    let mut out = vec![0.0f32; d.n * channels * d.h * width];
    for b in 0..d.n {
        for first in (0..rows).step_by(rows_per_chunk) {
            let chunk = first..(first + rows_per_chunk).min(rows);
            transform_inputs(x, b, chunk.clone(), per_row, d.c, planes, &mut v);
            multiply(&v, &u, d.c, channels, planes, &mut m);
            let image = &mut out[b * channels * d.h * width..][..channels * d.h * width];
            transform_outputs(&m, chunk, per_row, d.h, width, planes, image, &then);
        }
    }
    narrow(out, [d.n, channels, d.h, width], d.o, d.w)
}

/// `U = G g Gᵀ` for every (output channel, input channel), as `[16][block][c][BLOCK]` (the 4
/// weights one step of a block needs side by side; zeros for channels past `o`).
fn transformed_kernels(weight: &[f32], d: Dims, channels: usize) -> Vec<f32> {
    let blocks = channels / BLOCK;
    let mut u = vec![0.0f32; 16 * channels * d.c];
    for oc in 0..d.o {
        for ci in 0..d.c {
            let g = &weight[(oc * d.c + ci) * 9..][..9];
            // G g: 4 rows of 3.
            let gg: [[f32; 3]; 4] = std::array::from_fn(|i| {
                std::array::from_fn(|j| {
                    let (a, b, c) = (g[j], g[3 + j], g[6 + j]);
                    match i {
                        0 => a,
                        1 => 0.5 * (a + b + c),
                        2 => 0.5 * (a - b + c),
                        _ => c,
                    }
                })
            });
            for (i, row) in gg.iter().enumerate() {
                let [a, b, c] = *row;
                for (j, value) in [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c]
                    .into_iter()
                    .enumerate()
                {
                    let xi = i * 4 + j;
                    u[((xi * blocks + oc / BLOCK) * d.c + ci) * BLOCK + oc % BLOCK] = value;
                }
            }
        }
    }
    u
}

/// `V = Bᵀ d B` for the tiles of rows `chunk` of image `b`, every input channel, as
/// `[16][c][tiles]` (a chunk's tiles row after row).
fn transform_inputs(
    x: &Padded,
    b: usize,
    chunk: std::ops::Range<usize>,
    per_row: usize,
    c: usize,
    planes: Planes,
    v: &mut [f32],
) {
    let tiles = planes.tiles;
    assert!(
        v.len() >= 16 * planes.inputs
            && planes.inputs >= c * tiles
            && (chunk.end - chunk.start) * per_row <= tiles
    );
    for ci in 0..c {
        for (r, ty) in chunk.clone().enumerate() {
            // The tile's 4 input rows, 2·ty .. 2·ty + 4 of the padded image.
            let rows: [&[f32]; 4] = std::array::from_fn(|i| x.row(b, ci, 2 * ty + i));
            for group in 0..per_row / 4 {
                // Four tiles side by side: columns 8·group + 2·lane + j of each row.
                let x0 = 8 * group;
                assert!(x0 + 10 <= rows[0].len());
                let d: [[F32x4; 4]; 4] = std::array::from_fn(|i| {
                    let p = rows[i][x0..].as_ptr();
                    // SAFETY: x0 + 10 ≤ the row's length (asserted above).
                    let (even0, odd0) =
                        unsafe { F32x4::deinterleave(F32x4::load(p), F32x4::load(p.add(4))) };
                    let (even2, odd2) = unsafe {
                        F32x4::deinterleave(F32x4::load(p.add(2)), F32x4::load(p.add(6)))
                    };
                    [even0, odd0, even2, odd2]
                });
                // Bᵀ d: along the columns of the block.
                let e: [[F32x4; 4]; 4] =
                    std::array::from_fn(|j| b_transpose_times(d.map(|row| row[j])));
                // (Bᵀ d) B: along its rows (e is transposed: e[j][i]).
                let at = (ci * tiles) + r * per_row + group * 4;
                for i in 0..4 {
                    let row = b_transpose_times([e[0][i], e[1][i], e[2][i], e[3][i]]);
                    for (j, lanes) in row.into_iter().enumerate() {
                        let to = &mut v[(i * 4 + j) * planes.inputs + at..][..4];
                        // SAFETY: `to` holds 4 values.
                        unsafe { lanes.store(to.as_mut_ptr()) };
                    }
                }
            }
        }
    }
}

/// `Bᵀ · [d0, d1, d2, d3]`.
#[inline(always)]
fn b_transpose_times([d0, d1, d2, d3]: [F32x4; 4]) -> [F32x4; 4] {
    [d0.sub(d2), d1.add(d2), d2.sub(d1), d1.sub(d3)]
}

/// `M_ξ = V_ξ · U_ξ` for the 16 ξ: `m [16][channels][tiles]`.
fn multiply(v: &[f32], u: &[f32], c: usize, channels: usize, planes: Planes, m: &mut [f32]) {
    let (blocks, tiles) = (channels / BLOCK, planes.tiles);
    assert!(
        v.len() >= 16 * planes.inputs
            && planes.inputs >= c * tiles
            && u.len() == 16 * channels * c
            && m.len() >= 16 * planes.products
            && planes.products >= channels * tiles
            && tiles % STEP == 0
    );
    for xi in 0..16 {
        let v = &v[xi * planes.inputs..][..c * tiles];
        for block in 0..blocks {
            let weights = &u[(xi * blocks + block) * c * BLOCK..][..c * BLOCK];
            for t in (0..tiles).step_by(STEP) {
                let mut acc = [[F32x4::zero(); 2]; BLOCK];
                let (mut p, mut w) = (v[t..].as_ptr(), weights.as_ptr());
                for _ in 0..c {
                    // SAFETY: p walks v[ci·tiles + t ..][..8] for ci < c (t + 8 ≤ tiles), w
                    // walks `weights`, c steps of BLOCK values.
                    unsafe {
                        let (left, right) = (F32x4::load(p), F32x4::load(p.add(4)));
                        for (l, lanes) in acc.iter_mut().enumerate() {
                            let weight = F32x4::load_splat(w.add(l));
                            lanes[0] = lanes[0].mul_add(weight, left);
                            lanes[1] = lanes[1].mul_add(weight, right);
                        }
                        p = p.add(tiles);
                        w = w.add(BLOCK);
                    }
                }
                for (l, lanes) in acc.iter().enumerate() {
                    let to =
                        &mut m[xi * planes.products + (block * BLOCK + l) * tiles + t..][..STEP];
                    // SAFETY: `to` holds 8 values.
                    unsafe {
                        lanes[0].store(to.as_mut_ptr());
                        lanes[1].store(to.as_mut_ptr().add(4));
                    }
                }
            }
        }
    }
}

/// `Y = Aᵀ M A` for the tiles of rows `chunk`, each output put through `then`, into `image
/// [channels, h, width]`.
#[allow(clippy::too_many_arguments)]
fn transform_outputs(
    m: &[f32],
    chunk: std::ops::Range<usize>,
    per_row: usize,
    h: usize,
    width: usize,
    planes: Planes,
    image: &mut [f32],
    then: &impl Fn(usize, F32x4) -> F32x4,
) {
    let (channels, tiles) = (image.len() / (h * width), planes.tiles);
    assert!(
        m.len() >= 16 * planes.products
            && planes.products >= channels * tiles
            && 2 * chunk.end <= h
            && 2 * per_row == width
    );
    for oc in 0..channels {
        for (r, ty) in chunk.clone().enumerate() {
            for group in 0..per_row / 4 {
                let at = oc * tiles + r * per_row + group * 4;
                // SAFETY: `m[xi·products + at ..][..4]` is a slice of 4 values.
                let mm: [F32x4; 16] = std::array::from_fn(|xi| unsafe {
                    F32x4::load(m[xi * planes.products + at..][..4].as_ptr())
                });
                // Aᵀ M: two rows of four.
                let rows: [[F32x4; 4]; 2] = [
                    std::array::from_fn(|j| mm[j].add(mm[4 + j]).add(mm[8 + j])),
                    std::array::from_fn(|j| mm[4 + j].sub(mm[8 + j]).sub(mm[12 + j])),
                ];
                for (a, [r0, r1, r2, r3]) in rows.into_iter().enumerate() {
                    // (Aᵀ M) A: the two outputs of the tiles' row a, four tiles to a register.
                    let left = then(oc, r0.add(r1).add(r2));
                    let right = then(oc, r1.sub(r2).sub(r3));
                    let (lo, hi) = F32x4::interleave(left, right);
                    let to = &mut image[(oc * h + 2 * ty + a) * width + 8 * group..][..8];
                    // SAFETY: `to` holds 8 values.
                    unsafe {
                        lo.store(to.as_mut_ptr());
                        hi.store(to.as_mut_ptr().add(4));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
