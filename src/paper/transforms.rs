//! Deterministic image transforms for the texture-vs-shape experiments, on CIFAR-layout images
//! (3 planes of 32×32 bytes). Internally pixels are f32 in [0, 1], planar.
//!
//! An image splits into a **low band** G_σ∗x (a Gaussian blur: coarse shape and colour) and a
//! **high band** x − G_σ∗x (edges and texture). A cue-conflict stimulus adds image A's low band
//! to image B's high band with B's 8-pixel tiles shuffled, which keeps B's texture statistics
//! but not B's shape: clip(G_σ∗A + shuffle₈(B − G_σ∗B)).

use crate::data::cifar::{IMAGE_BYTES, Records, SIDE};
use crate::data::rng::SplitMix64;
use crate::settings::paper::TEXTURE_TILE;

const PLANE: usize = SIDE * SIDE;

/// σ of the texture randomisation used in training (experiment C), in pixels.
pub const TRAINING_SIGMA: f64 = 1.5;

/// Bytes → [0, 1].
pub fn to_unit(image: &[u8]) -> Vec<f32> {
    image.iter().map(|&p| p as f32 / 255.0).collect()
}

/// [0, 1] (clipped) → bytes, rounded.
pub fn to_bytes(image: &[f32]) -> Vec<u8> {
    image
        .iter()
        .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect()
}

/// The normalised 1-D Gaussian of standard deviation `sigma`, radius ⌈3σ⌉.
pub fn gaussian_kernel(sigma: f64) -> Vec<f32> {
    let radius = (3.0 * sigma).ceil() as i64;
    let weights: Vec<f64> = (-radius..=radius)
        .map(|x| (-(x * x) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| (w / total) as f32).collect()
}

/// G_σ ∗ image, separable, each channel on its own; edges repeat the border pixel.
pub fn blur(image: &[f32], sigma: f64) -> Vec<f32> {
    debug_assert_eq!(image.len(), IMAGE_BYTES);
    let kernel = gaussian_kernel(sigma);
    let radius = (kernel.len() / 2) as i64;
    let side = SIDE as i64;
    let at = |v: i64| v.clamp(0, side - 1) as usize;
    let mut across = vec![0f32; image.len()];
    let mut out = vec![0f32; image.len()];
    for c in 0..3 {
        let plane = &image[c * PLANE..(c + 1) * PLANE];
        for y in 0..SIDE {
            for x in 0..SIDE {
                across[c * PLANE + y * SIDE + x] = kernel
                    .iter()
                    .enumerate()
                    .map(|(k, w)| w * plane[y * SIDE + at(x as i64 + k as i64 - radius)])
                    .sum();
            }
        }
        let plane = &across[c * PLANE..(c + 1) * PLANE];
        for y in 0..SIDE {
            for x in 0..SIDE {
                out[c * PLANE + y * SIDE + x] = kernel
                    .iter()
                    .enumerate()
                    .map(|(k, w)| w * plane[at(y as i64 + k as i64 - radius) * SIDE + x])
                    .sum();
            }
        }
    }
    out
}

/// The image's tiles (`tile` × `tile` pixels, all channels together) in a random order.
///
/// # Panics
/// If `tile` does not divide 32.
pub fn shuffle_tiles(image: &[f32], tile: usize, rng: &mut SplitMix64) -> Vec<f32> {
    assert!(
        tile > 0 && SIDE.is_multiple_of(tile),
        "tiles must divide the image"
    );
    let per_side = SIDE / tile;
    let mut order: Vec<usize> = (0..per_side * per_side).collect();
    rng.shuffle(&mut order);
    let mut out = vec![0f32; image.len()];
    for (to, &from) in order.iter().enumerate() {
        let (ty, tx) = (to / per_side, to % per_side);
        let (fy, fx) = (from / per_side, from % per_side);
        for c in 0..3 {
            for dy in 0..tile {
                let target = c * PLANE + (ty * tile + dy) * SIDE + tx * tile;
                let source = c * PLANE + (fy * tile + dy) * SIDE + fx * tile;
                out[target..target + tile].copy_from_slice(&image[source..source + tile]);
            }
        }
    }
    out
}

/// Luminance (ITU-R BT.601 weights) in all three channels.
pub fn greyscale(image: &[f32]) -> Vec<f32> {
    let mut out = vec![0f32; image.len()];
    for p in 0..PLANE {
        let y = 0.299 * image[p] + 0.587 * image[PLANE + p] + 0.114 * image[2 * PLANE + p];
        for c in 0..3 {
            out[c * PLANE + p] = y;
        }
    }
    out
}

/// The cue-conflict stimulus clip(G_σ∗A + shuffle(B − G_σ∗B)) as bytes; in greyscale, both
/// images are made grey first.
pub fn cue_conflict(a: &[u8], b: &[u8], sigma: f64, grey: bool, rng: &mut SplitMix64) -> Vec<u8> {
    let (mut a, mut b) = (to_unit(a), to_unit(b));
    if grey {
        a = greyscale(&a);
        b = greyscale(&b);
    }
    let low = blur(&a, sigma);
    let b_low = blur(&b, sigma);
    let high: Vec<f32> = b.iter().zip(&b_low).map(|(x, l)| x - l).collect();
    let texture = shuffle_tiles(&high, TEXTURE_TILE, rng);
    let mixed: Vec<f32> = low.iter().zip(&texture).map(|(l, t)| l + t).collect();
    to_bytes(&mixed)
}

/// The image cut into `grid` × `grid` tiles, shuffled (experiment B).
pub fn patch_shuffle(image: &[u8], grid: usize, rng: &mut SplitMix64) -> Vec<u8> {
    to_bytes(&shuffle_tiles(&to_unit(image), SIDE / grid, rng))
}

/// Additive Gaussian noise of standard deviation `std` (in [0, 1] pixel units), clipped.
pub fn add_noise(image: &[u8], std: f64, rng: &mut SplitMix64) -> Vec<u8> {
    let noisy: Vec<f32> = to_unit(image)
        .iter()
        .map(|&v| v + (std * rng.normal()) as f32)
        .collect();
    to_bytes(&noisy)
}

/// A low-pass (Gaussian) blur of `sigma` pixels.
pub fn low_pass(image: &[u8], sigma: f64) -> Vec<u8> {
    to_bytes(&blur(&to_unit(image), sigma))
}

/// Experiment C's training-time transform for record `index` of `train` in `epoch`: its high
/// band is replaced by the tile-shuffled high band of another training image drawn at random
/// (the label stays). Returns a whole record (label byte first).
pub fn randomise_texture(train: &Records, index: usize, seed: u64, epoch: usize) -> Vec<u8> {
    let mut rng = SplitMix64::stream(seed ^ 0x7E47_0BE5, epoch as u64, index as u64);
    let mut partner = rng.below(train.len() as u64) as usize;
    if partner == index && train.len() > 1 {
        partner = (partner + 1) % train.len();
    }
    let image = train.image(index);
    let mixed = cue_conflict(image, train.image(partner), TRAINING_SIGMA, false, &mut rng);
    let mut record = Vec::with_capacity(1 + IMAGE_BYTES);
    record.push(train.label(index) as u8);
    record.extend(mixed);
    record
}

/// Experiment A's pairs: test image A (the k-th of its class a) with B, an image of class
/// b = a + 1 + (k mod 9) (mod 10) — so the pairs cycle through all 90 ordered class pairs —
/// taking the k-th image of class b (wrapping around). Indices into `test`.
pub fn cue_conflict_pairs(test: &Records) -> Vec<(usize, usize)> {
    use crate::data::cifar::CLASSES;
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); CLASSES];
    for i in 0..test.len() {
        by_class[test.label(i)].push(i);
    }
    let mut pairs = Vec::new();
    for (a_class, members) in by_class.iter().enumerate() {
        for (k, &a) in members.iter().enumerate() {
            let b_class = (a_class + 1 + k % (CLASSES - 1)) % CLASSES;
            let others = &by_class[b_class];
            if !others.is_empty() {
                pairs.push((a, others[k % others.len()]));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy::toy_records;

    #[test]
    fn the_kernel_matches_a_hand_computed_gaussian() {
        // σ = 1: radius 3, weights e^(−x²/2) / Σ = 0.00443, 0.05399, 0.24197, 0.39894, …
        let k = gaussian_kernel(1.0);
        assert_eq!(k.len(), 7);
        let want = [0.004433, 0.054006, 0.242036, 0.399050];
        for (got, want) in k.iter().zip(want) {
            assert!((got - want).abs() < 1e-5, "{k:?}");
        }
        assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn blur_keeps_flat_images_and_spreads_a_point() {
        let flat = vec![0.5f32; IMAGE_BYTES];
        assert!(blur(&flat, 1.5).iter().all(|v| (v - 0.5).abs() < 1e-6));
        let mut point = vec![0f32; IMAGE_BYTES];
        point[16 * SIDE + 16] = 1.0;
        let spread = blur(&point, 1.0);
        let k = gaussian_kernel(1.0);
        // Centre = k₀², one step right = k₀·k₁ (separable).
        assert!((spread[16 * SIDE + 16] - k[3] * k[3]).abs() < 1e-6);
        assert!((spread[16 * SIDE + 17] - k[3] * k[4]).abs() < 1e-6);
        assert!((spread.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_tile_shuffle_is_a_seeded_permutation_of_tiles() {
        let image: Vec<f32> = (0..IMAGE_BYTES).map(|i| i as f32).collect();
        let shuffled = shuffle_tiles(&image, 8, &mut SplitMix64(3));
        assert_ne!(shuffled, image);
        let mut a = shuffled.clone();
        let mut b = image.clone();
        a.sort_by(f32::total_cmp);
        b.sort_by(f32::total_cmp);
        assert_eq!(a, b, "the same pixels");
        // Each 8×8 tile arrives whole: its top-left pixel's row continues for 8 pixels.
        for ty in 0..4 {
            for tx in 0..4 {
                let start = ty * 8 * SIDE + tx * 8;
                let first = shuffled[start];
                assert_eq!(shuffled[start + 7], first + 7.0);
                assert_eq!(shuffled[start + 7 * SIDE], first + (7 * SIDE) as f32);
            }
        }
        assert_eq!(shuffled, shuffle_tiles(&image, 8, &mut SplitMix64(3)));
        assert_ne!(shuffled, shuffle_tiles(&image, 8, &mut SplitMix64(4)));
    }

    #[test]
    fn stimuli_stay_in_range_and_follow_their_sources() {
        let records = Records::parse(toy_records(2, 5)).unwrap();
        let (a, b) = (records.image(0), records.image(7));
        let s = cue_conflict(a, b, 1.5, false, &mut SplitMix64(1));
        assert_eq!(s.len(), IMAGE_BYTES);
        // The stimulus is closer to A's blur than B's blur is (A's shape and colour dominate).
        let low_a = to_bytes(&blur(&to_unit(a), 1.5));
        let low_b = to_bytes(&blur(&to_unit(b), 1.5));
        let dist = |x: &[u8], y: &[u8]| -> f64 {
            x.iter()
                .zip(y)
                .map(|(&p, &q)| (p as f64 - q as f64).abs())
                .sum()
        };
        assert!(dist(&s, &low_a) < dist(&s, &low_b));
        let grey = cue_conflict(a, b, 1.5, true, &mut SplitMix64(1));
        assert_eq!(
            &grey[..PLANE],
            &grey[PLANE..2 * PLANE],
            "grey: equal channels"
        );
        assert_eq!(s, cue_conflict(a, b, 1.5, false, &mut SplitMix64(1)));
    }

    #[test]
    fn pairs_cover_all_ninety_class_pairs() {
        let test = Records::parse(toy_records(9, 2)).unwrap();
        let pairs = cue_conflict_pairs(&test);
        assert_eq!(pairs.len(), 90);
        let mut seen = std::collections::HashSet::new();
        for &(a, b) in &pairs {
            let (ca, cb) = (test.label(a), test.label(b));
            assert_ne!(ca, cb);
            seen.insert((ca, cb));
        }
        assert_eq!(seen.len(), 90);
    }

    #[test]
    fn texture_randomisation_keeps_the_label_and_is_seeded() {
        let train = Records::parse(toy_records(3, 1)).unwrap();
        let r = randomise_texture(&train, 4, 9, 0);
        assert_eq!(r.len(), 1 + IMAGE_BYTES);
        assert_eq!(r[0] as usize, train.label(4));
        assert_ne!(&r[1..], train.image(4));
        assert_eq!(r, randomise_texture(&train, 4, 9, 0));
        assert_ne!(r, randomise_texture(&train, 4, 9, 1));
    }

    #[test]
    fn patch_shuffle_noise_and_blur_keep_the_size_and_range() {
        let records = Records::parse(toy_records(1, 5)).unwrap();
        let image = records.image(3);
        assert_eq!(
            patch_shuffle(image, 1, &mut SplitMix64(2)),
            image,
            "1×1 is the image"
        );
        for out in [
            patch_shuffle(image, 4, &mut SplitMix64(2)),
            add_noise(image, 0.1, &mut SplitMix64(2)),
            low_pass(image, 2.0),
        ] {
            assert_eq!(out.len(), IMAGE_BYTES);
            assert_ne!(out, image);
        }
    }
}
