use super::*;
use crate::nn::kernels::conv_direct;
use crate::nn::kernels::tests::pattern;

/// The largest gap between Winograd's outputs and the direct sum's, relative to the sum of
/// the products' sizes at that output (what rounding can move: the transforms add values
/// before multiplying, so each output carries a few more roundings of each product).
fn worst_relative_gap(x: &[f32], weight: &[f32], d: Dims) -> f32 {
    let padded = Padded::new(x, [d.n, d.c, d.h, d.w], 1);
    let ours = forward(&padded, weight, d, None);
    let direct = conv_direct::forward(&padded, weight, d, None);
    // Σ |x|·|w| at every output, by the direct loops on absolute values.
    let abs = |v: &[f32]| v.iter().map(|a| a.abs()).collect::<Vec<_>>();
    let sizes = conv_direct::forward(
        &Padded::new(&abs(x), [d.n, d.c, d.h, d.w], 1),
        &abs(weight),
        d,
        None,
    );
    assert_eq!(ours.len(), direct.len());
    ours.iter()
        .zip(&direct)
        .zip(&sizes)
        .map(|((a, b), s)| (a - b).abs() / s.max(f32::MIN_POSITIVE))
        .fold(0.0, f32::max)
}

fn dims(n: usize, c: usize, h: usize, w: usize, o: usize) -> Dims {
    Dims {
        n,
        c,
        h,
        w,
        o,
        k: 3,
    }
}

/// Equal to the direct sum up to rounding — at the notebook's sizes, and across every
/// edge: widths short of a register, of a step, of a chunk; one input channel; output
/// channels not a multiple of 4; chunks of one row and of several; several images.
#[test]
fn equals_the_direct_convolution_up_to_rounding() {
    for d in [
        dims(2, 16, 32, 32, 16),
        dims(2, 16, 16, 16, 32),
        dims(1, 3, 32, 32, 16),
        dims(3, 5, 6, 13, 7),
        dims(2, 1, 2, 1, 1),
        dims(1, 2, 4, 7, 5),
        dims(2, 4, 10, 40, 3),
        dims(1, 33, 8, 9, 9),
    ] {
        let x = pattern(d.n * d.c * d.h * d.w, 1);
        let weight = pattern(d.o * d.c * 9, 2);
        let gap = worst_relative_gap(&x, &weight, d);
        // f32 keeps 24 bits (6e-8 a rounding); a handful of roundings per product.
        assert!(gap < 1e-6, "{d:?}: relative gap {gap}");
    }
}

/// Each output depends on its own 3×3 neighbourhood only: a single 1 in the input, moved
/// over every position of a small image, gives the kernel itself (flipped about the
/// position), nothing elsewhere — and the zero padding stays zero.
#[test]
fn a_single_input_value_gives_the_kernel_around_it() {
    let d = dims(1, 1, 6, 5, 1);
    let weight: Vec<f32> = (1..=9).map(|v| v as f32).collect();
    for at in 0..d.h * d.w {
        let mut x = vec![0.0f32; d.h * d.w];
        x[at] = 1.0;
        let out = forward(&Padded::new(&x, [1, 1, d.h, d.w], 1), &weight, d, None);
        let (ay, ax) = ((at / d.w) as isize, (at % d.w) as isize);
        for (i, value) in out.iter().enumerate() {
            let (y, x) = ((i / d.w) as isize, (i % d.w) as isize);
            let (ky, kx) = (ay - y + 1, ax - x + 1);
            let expected = if (0..3).contains(&ky) && (0..3).contains(&kx) {
                weight[(ky * 3 + kx) as usize]
            } else {
                0.0
            };
            assert_eq!(*value, expected, "input at {at}: output {i}");
        }
    }
}

/// With `then`, each output is the plain output put through the scale, shift and ReLU (to
/// the bit): what `conv_unit_inference`'s fused unit relies on.
#[test]
fn then_applies_scale_shift_relu_to_each_output() {
    let d = dims(2, 5, 6, 11, 6);
    let x = pattern(d.n * d.c * d.h * d.w, 3);
    let weight = pattern(d.o * d.c * 9, 4);
    let padded = Padded::new(&x, [d.n, d.c, d.h, d.w], 1);
    let (mut scale, mut shift) = (pattern(d.o, 5), pattern(d.o, 6));
    (scale[0], shift[0]) = (-0.0, -0.0);
    (scale[1], shift[1]) = (f32::INFINITY, f32::NEG_INFINITY);
    let mut plain = forward(&padded, &weight, d, None);
    ScaleShiftRelu::new(&scale, &shift, d.o).apply(&mut plain, d.h * d.w);
    let fused = forward(
        &padded,
        &weight,
        d,
        Some(ScaleShiftRelu::new(&scale, &shift, d.o)),
    );
    let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&fused), bits(&plain));
}

#[test]
fn is_taken_for_3x3_kernels_on_even_heights_with_enough_channels_only() {
    assert!(is_faster_for(dims(1, 16, 32, 31, 1)));
    assert!(fits(dims(1, 3, 32, 32, 16)) && !is_faster_for(dims(1, 3, 32, 32, 16)));
    assert!(!fits(dims(1, 16, 31, 32, 1)));
    assert!(!fits(dims(1, 16, 0, 32, 1)) && !fits(dims(1, 16, 32, 0, 1)));
    assert!(!fits(Dims {
        k: 5,
        ..dims(1, 16, 32, 32, 1)
    }));
}
