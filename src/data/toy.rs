//! The built-in toy dataset: 32×32 RGB images in ten classes, generated from a seed, in the
//! CIFAR-10 record layout so every other stage treats it like CIFAR-10. Needs no download.
//!
//! A class is a shape (disc, square, triangle, cross, ring) drawn with a texture (solid or
//! striped): classes 0–4 are the solid shapes, 5–9 the striped ones. Position, size, colours
//! and pixel noise vary, so a small CNN needs a few epochs but learns it within a minute.

use super::cifar::{CLASSES, IMAGE_BYTES, RECORD_BYTES, SIDE};
use super::rng::SplitMix64;

/// Class names, in label order.
pub const TOY_CLASSES: [&str; CLASSES] = [
    "disc",
    "square",
    "triangle",
    "cross",
    "ring",
    "striped disc",
    "striped square",
    "striped triangle",
    "striped cross",
    "striped ring",
];

struct Rng(SplitMix64);

impl Rng {
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.0.unit_f32()
    }
}

/// Whether (x, y), relative to the centre and in units of the shape's radius, is inside `shape`.
fn inside(shape: usize, x: f32, y: f32) -> bool {
    match shape {
        0 => x * x + y * y <= 1.0,
        1 => x.abs() <= 0.8 && y.abs() <= 0.8,
        2 => y <= 0.8 && y >= -1.0 + 2.0 * x.abs(),
        3 => (x.abs() <= 0.3 && y.abs() <= 1.0) || (y.abs() <= 0.3 && x.abs() <= 1.0),
        _ => {
            let r2 = x * x + y * y;
            (0.45..=1.0).contains(&r2)
        }
    }
}

/// One record (label byte + image) of class `label`.
pub fn toy_record(label: usize, rng_seed: u64) -> Vec<u8> {
    let mut rng = Rng(SplitMix64(rng_seed));
    let shape = label % 5;
    let striped = label >= 5;
    let radius = rng.range(7.0, 12.0);
    let cx = rng.range(radius, SIDE as f32 - radius);
    let cy = rng.range(radius, SIDE as f32 - radius);
    let background: [f32; 3] = [
        rng.range(0.0, 0.5),
        rng.range(0.0, 0.5),
        rng.range(0.0, 0.5),
    ];
    let colour: [f32; 3] = [
        rng.range(0.5, 1.0),
        rng.range(0.5, 1.0),
        rng.range(0.5, 1.0),
    ];
    let stripe_period = rng.range(3.0, 5.0);
    let angle = rng.range(0.0, std::f32::consts::PI);
    let (sin, cos) = angle.sin_cos();
    let mut record = vec![0u8; RECORD_BYTES];
    record[0] = label as u8;
    let plane = SIDE * SIDE;
    for py in 0..SIDE {
        for px in 0..SIDE {
            let (x, y) = (
                (px as f32 + 0.5 - cx) / radius,
                (py as f32 + 0.5 - cy) / radius,
            );
            let mut on = inside(shape, x, y);
            if on && striped {
                let t = (px as f32 * cos + py as f32 * sin) / stripe_period;
                on = t.rem_euclid(1.0) < 0.5;
            }
            for c in 0..3 {
                let base = if on { colour[c] } else { background[c] };
                let noisy = (base + rng.range(-0.08, 0.08)).clamp(0.0, 1.0);
                record[1 + c * plane + py * SIDE + px] = (noisy * 255.0).round() as u8;
            }
        }
    }
    debug_assert_eq!(record.len(), 1 + IMAGE_BYTES);
    record
}

/// `per_class` records of each class, interleaved by class, from `seed` (CIFAR record layout).
pub fn toy_records(per_class: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(per_class * CLASSES * RECORD_BYTES);
    for i in 0..per_class {
        for label in 0..CLASSES {
            let index = (i * CLASSES + label) as u64;
            out.extend(toy_record(
                label,
                seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ index,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::cifar::Records;

    #[test]
    fn records_are_valid_balanced_and_seeded() {
        let bytes = toy_records(3, 42);
        let batch = Records::parse(bytes.clone()).unwrap();
        assert_eq!(batch.class_counts(), [3; CLASSES]);
        assert_eq!(bytes, toy_records(3, 42));
        assert_ne!(bytes, toy_records(3, 43));
    }

    #[test]
    fn shapes_and_stripes_are_visible() {
        // The shape's pixels differ from the background's: the image is not flat.
        for label in 0..CLASSES {
            let r = toy_record(label, 9);
            let red = &r[1..1 + SIDE * SIDE];
            let (lo, hi) = (red.iter().min().unwrap(), red.iter().max().unwrap());
            assert!(hi - lo > 40, "class {label}: {lo}..{hi}");
        }
        assert!(
            inside(0, 0.0, 0.0) && !inside(4, 0.0, 0.0),
            "a ring has a hole, a disc has none"
        );
    }
}
