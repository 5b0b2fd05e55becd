//! Deterministic image transforms for the texture-vs-shape experiments, on CIFAR-layout images
//! (3 planes of 32×32 bytes): patch shuffle, noise and blur, and experiment A's pairs. The low
//! and high bands they build on (blur, tile shuffle, cue conflict) are `data::bands`'.

use crate::data::bands::{blur, shuffle_tiles, to_bytes, to_unit};
use crate::data::cifar::{Records, SIDE};
use crate::data::rng::SplitMix64;

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
    use crate::data::cifar::IMAGE_BYTES;
    use crate::data::toy::toy_records;

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
