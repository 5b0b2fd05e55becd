//! Image preprocessing on raw CIFAR-10 images (3 planes of 32×32 bytes): per-channel statistics
//! from the training subset, normalisation to f32, and seeded augmentation (random crop with
//! 4-pixel zero padding, horizontal flip), as in the standard CIFAR recipe; and texture
//! randomisation (the paper cell's experiment C: an image's high band swapped for another's).

use serde::{Deserialize, Serialize};

use super::bands::cue_conflict;
use super::cifar::{IMAGE_BYTES, Records, SIDE};
use super::rng::SplitMix64;

const PLANE: usize = SIDE * SIDE;
/// Zero padding of the random crop, in pixels.
pub const CROP_PADDING: i32 = 4;

/// Per-channel mean and standard deviation of pixel values scaled to [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChannelStats {
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl ChannelStats {
    /// Computes the statistics over `images` (each `IMAGE_BYTES` long). A channel with no spread
    /// gets std 1 so normalising never divides by zero.
    pub fn of<'a>(images: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut sum = [0f64; 3];
        let mut sq = [0f64; 3];
        let mut n = 0usize;
        for image in images {
            for c in 0..3 {
                for &p in &image[c * PLANE..(c + 1) * PLANE] {
                    let v = p as f64 / 255.0;
                    sum[c] += v;
                    sq[c] += v * v;
                }
            }
            n += PLANE;
        }
        let n = n.max(1) as f64;
        let mean = sum.map(|s| s / n);
        let mut std = [0f32; 3];
        for c in 0..3 {
            let var = (sq[c] / n - mean[c] * mean[c]).max(0.0);
            std[c] = if var > 1e-12 { var.sqrt() as f32 } else { 1.0 };
        }
        Self {
            mean: mean.map(|m| m as f32),
            std,
        }
    }
}

/// An augmentation: shift (dx, dy) of the crop window and a horizontal flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Augmentation {
    pub dx: i32,
    pub dy: i32,
    pub flip: bool,
}

impl Augmentation {
    pub const NONE: Self = Self {
        dx: 0,
        dy: 0,
        flip: false,
    };

    /// The crop offset in [−4, 4]² and flip (probability ½) of one image in one epoch: the same
    /// (seed, epoch, index) always gives the same choice, whichever backend trains.
    pub fn for_image(seed: u64, epoch: u64, index: u64) -> Self {
        Self::draw(&mut SplitMix64::stream(seed, epoch, index))
    }

    /// Draws a crop offset in [−4, 4]² and a flip with probability ½.
    pub fn draw(rng: &mut SplitMix64) -> Self {
        let span = (2 * CROP_PADDING + 1) as u64;
        Self {
            dx: rng.below(span) as i32 - CROP_PADDING,
            dy: rng.below(span) as i32 - CROP_PADDING,
            flip: rng.below(2) == 1,
        }
    }
}

/// Writes `image` (raw bytes) into `out` (3·32·32 floats) as (pixel/255 − mean)/std after the
/// augmentation; pixels the crop window brings in from the padding are 0 (black) before
/// normalisation.
pub fn normalize_into(image: &[u8], stats: &ChannelStats, aug: Augmentation, out: &mut [f32]) {
    debug_assert_eq!(image.len(), IMAGE_BYTES);
    let side = SIDE as i32;
    for c in 0..3 {
        let (mean, std) = (stats.mean[c], stats.std[c]);
        for y in 0..side {
            for x in 0..side {
                let sx = if aug.flip { side - 1 - x } else { x } + aug.dx;
                let sy = y + aug.dy;
                let pixel = if (0..side).contains(&sx) && (0..side).contains(&sy) {
                    image[c * PLANE + (sy * side + sx) as usize] as f32 / 255.0
                } else {
                    0.0
                };
                out[c * PLANE + (y * side + x) as usize] = (pixel - mean) / std;
            }
        }
    }
}

/// σ of the texture randomisation used in training (the paper cell's experiment C), in pixels.
pub const TRAINING_SIGMA: f64 = 1.5;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy::toy_records;

    fn gradient_image() -> Vec<u8> {
        (0..IMAGE_BYTES)
            .map(|i| (i % PLANE % SIDE) as u8 * 8)
            .collect()
    }

    #[test]
    fn stats_of_constant_and_varied_images() {
        let flat = vec![51u8; IMAGE_BYTES];
        let s = ChannelStats::of([flat.as_slice()]);
        assert!((s.mean[0] - 0.2).abs() < 1e-6);
        assert_eq!(s.std, [1.0; 3], "no spread → std 1");
        let g = gradient_image();
        let s = ChannelStats::of([g.as_slice()]);
        assert!(s.std[0] > 0.2, "{s:?}");
    }

    #[test]
    fn no_augmentation_is_plain_normalisation() {
        let g = gradient_image();
        let stats = ChannelStats {
            mean: [0.5; 3],
            std: [0.25; 3],
        };
        let mut out = vec![0.0; IMAGE_BYTES];
        normalize_into(&g, &stats, Augmentation::NONE, &mut out);
        assert_eq!(out[0], (0.0 - 0.5) / 0.25);
        assert_eq!(out[31], (248.0 / 255.0 - 0.5) / 0.25);
    }

    #[test]
    fn flip_mirrors_and_shift_pads_with_black() {
        let g = gradient_image();
        let stats = ChannelStats {
            mean: [0.0; 3],
            std: [1.0; 3],
        };
        let mut out = vec![0.0; IMAGE_BYTES];
        normalize_into(
            &g,
            &stats,
            Augmentation {
                dx: 0,
                dy: 0,
                flip: true,
            },
            &mut out,
        );
        assert_eq!(out[0], 248.0 / 255.0);
        normalize_into(
            &g,
            &stats,
            Augmentation {
                dx: -4,
                dy: 0,
                flip: false,
            },
            &mut out,
        );
        assert_eq!(
            &out[0..4],
            &[0.0; 4],
            "the left 4 columns come from the padding"
        );
        assert_eq!(
            out[4], 0.0,
            "column 4 shows source column 0, which is black too"
        );
        assert_eq!(out[5], 8.0 / 255.0);
        normalize_into(
            &g,
            &stats,
            Augmentation {
                dx: 0,
                dy: 4,
                flip: false,
            },
            &mut out,
        );
        assert_eq!(
            &out[28 * 32..28 * 32 + 3],
            &[0.0; 3],
            "the bottom rows come from the padding"
        );
    }

    #[test]
    fn augmentation_is_seeded_and_covers_its_range() {
        let draw = Augmentation::for_image;
        assert_eq!(draw(1, 2, 3), draw(1, 2, 3));
        let all: Vec<Augmentation> = (0..500).map(|i| draw(7, 0, i)).collect();
        assert!(all.iter().all(|a| a.dx.abs() <= 4 && a.dy.abs() <= 4));
        assert!(all.iter().any(|a| a.dx == -4) && all.iter().any(|a| a.dx == 4));
        let flips = all.iter().filter(|a| a.flip).count();
        assert!((200..300).contains(&flips), "{flips}");
        assert_ne!(
            draw(7, 0, 1),
            draw(7, 1, 1),
            "another epoch draws another augmentation"
        );
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
}
