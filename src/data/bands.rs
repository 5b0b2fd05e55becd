//! An image's low and high bands, on CIFAR-layout images (3 planes of 32×32 bytes; internally
//! f32 in [0, 1], planar): the Gaussian blur that splits them, tile shuffles, greyscale, and the
//! cue-conflict stimulus built from them — shared by the paper cell's experiments
//! (`paper::transforms`) and training's texture randomisation (`augment`).
//!
//! An image splits into a **low band** G_σ∗x (a Gaussian blur: coarse shape and colour) and a
//! **high band** x − G_σ∗x (edges and texture). A cue-conflict stimulus adds image A's low band
//! to image B's high band with B's 8-pixel tiles shuffled, which keeps B's texture statistics
//! but not B's shape: clip(G_σ∗A + shuffle₈(B − G_σ∗B)).

use super::cifar::{IMAGE_BYTES, SIDE};
use super::rng::SplitMix64;
use crate::settings::paper::TEXTURE_TILE;

const PLANE: usize = SIDE * SIDE;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::cifar::Records;
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
}
