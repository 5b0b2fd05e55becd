//! What the texture-vs-shape experiments found, as plain numbers (computed in the worker or the
//! CLI by `paper::experiment`, read by the page and `lectern paper`).

use serde::{Deserialize, Serialize};

use crate::run_id::RunId;

/// `correct` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub correct: usize,
    pub total: usize,
}

impl Tally {
    /// The fraction right (0 for none).
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// Experiment A: each stimulus joins one test image's low band (A: coarse shape, colour) with
/// another class's image's tile-shuffled high band (B: texture without B's shape).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CueConflict {
    pub sigma: f64,
    pub grey: bool,
    /// Pairs whose two source images the model classifies correctly: the only ones asked.
    pub pairs: usize,
    /// Decisions for A's class (shape), for B's class (texture), and for neither.
    pub shape: usize,
    pub texture: usize,
    pub other: usize,
}

impl CueConflict {
    /// Shape decisions over shape + texture decisions (the paper's shape bias, by proxy).
    pub fn shape_share(&self) -> Option<f64> {
        let cued = self.shape + self.texture;
        (cued > 0).then(|| self.shape as f64 / cued as f64)
    }

    /// Decisions that followed either cue, over all pairs asked.
    pub fn hit_rate(&self) -> Option<f64> {
        (self.pairs > 0).then(|| (self.shape + self.texture) as f64 / self.pairs as f64)
    }

    /// The Wilson 95 % interval of the shape share.
    pub fn interval(&self) -> Option<(f64, f64)> {
        wilson(self.shape, self.shape + self.texture)
    }
}

/// The Wilson score interval (95 %) for `successes` of `trials`.
pub fn wilson(successes: usize, trials: usize) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let z = 1.959_963_984_540_054_f64;
    let n = trials as f64;
    let p = successes as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Experiment B: accuracy with the image cut into n × n tiles and shuffled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchShuffle {
    pub clean: Tally,
    /// (n, accuracy on n × n shuffled tiles).
    pub grids: Vec<(usize, Tally)>,
}

impl PatchShuffle {
    /// The share of the clean accuracy above chance that survives the shuffle, for each grid.
    pub fn kept_above_chance(&self, classes: usize) -> Vec<(usize, Option<f64>)> {
        let chance = 1.0 / classes as f64;
        let clean = self.clean.accuracy() - chance;
        self.grids
            .iter()
            .map(|&(n, t)| (n, (clean > 0.0).then(|| (t.accuracy() - chance) / clean)))
            .collect()
    }
}

/// Accuracy under additive Gaussian noise (std in [0, 1] pixel units) and under a low-pass blur
/// (σ in pixels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Robustness {
    pub noise: Vec<(f64, Tally)>,
    pub blur: Vec<(f64, Tally)>,
}

/// One cue-conflict image with the model's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stimulus {
    /// 3 planes of 32×32 bytes.
    pub image: Vec<u8>,
    pub shape_class: usize,
    pub texture_class: usize,
    pub predicted: usize,
}

/// Everything experiments A and B (and the robustness check) found for one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiasResults {
    pub run: RunId,
    /// Which model: "the ConvNet cell's model (6 epochs)", a file name…
    pub model: String,
    pub class_names: Vec<String>,
    pub test_images: usize,
    pub cue: CueConflict,
    /// The same pairs in greyscale, so colour cannot carry the decision.
    pub cue_grey: CueConflict,
    pub shuffle: PatchShuffle,
    pub robustness: Robustness,
    pub stimuli: Vec<Stimulus>,
}

/// Experiment C: the same network trained with and without texture randomisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextureComparison {
    pub run: RunId,
    pub epochs: usize,
    pub plain: BiasResults,
    pub randomised: BiasResults,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_rates_from_counts() {
        let a = CueConflict {
            sigma: 1.5,
            grey: false,
            pairs: 100,
            shape: 60,
            texture: 20,
            other: 20,
        };
        assert_eq!(a.shape_share(), Some(0.75));
        assert_eq!(a.hit_rate(), Some(0.8));
        let (lo, hi) = a.interval().unwrap();
        assert!(lo < 0.75 && 0.75 < hi && hi - lo < 0.25, "{lo} {hi}");
        let none = CueConflict {
            pairs: 0,
            shape: 0,
            texture: 0,
            other: 0,
            ..a
        };
        assert_eq!((none.shape_share(), none.hit_rate()), (None, None));
    }

    #[test]
    fn the_wilson_interval_matches_a_worked_example() {
        // 8 of 10: Wilson 95 % interval (0.4902, 0.9433).
        let (lo, hi) = wilson(8, 10).unwrap();
        assert!(
            (lo - 0.4902).abs() < 1e-3 && (hi - 0.9433).abs() < 1e-3,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 5).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.4);
    }

    #[test]
    fn kept_share_above_chance() {
        let s = PatchShuffle {
            clean: Tally {
                correct: 60,
                total: 100,
            },
            grids: vec![
                (
                    2,
                    Tally {
                        correct: 35,
                        total: 100,
                    },
                ),
                (
                    8,
                    Tally {
                        correct: 10,
                        total: 100,
                    },
                ),
            ],
        };
        let kept = s.kept_above_chance(10);
        assert!((kept[0].1.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(kept[1].1, Some(0.0));
    }
}
