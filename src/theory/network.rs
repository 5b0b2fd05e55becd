//! The assignment's network: x ∈ ℝ, y¹ = ReLU(W¹x + b¹), y² = ReLU(W²y¹ + b²), h(x) = (1,1)·y² − 1.
//!
//! Everything is exact arithmetic on f64 — no sampling, no finite differences. The convention for
//! ReLU′(0) is **0**: a unit whose pre-activation is exactly 0 counts as inactive. At such points
//! (kinks) h may have no derivative, and [`Network::derivative`] reports both one-sided slopes.

use serde::{Deserialize, Serialize};

use super::numbers::{TheoryError, finite};

/// The weights of the 1 → 2 → 2 → 1 ReLU network. The output layer is fixed: h = (1,1)·y² − 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// W¹ ∈ ℝ²ˣ¹ (a column).
    pub w1: [f64; 2],
    /// b¹ ∈ ℝ².
    pub b1: [f64; 2],
    /// W² ∈ ℝ²ˣ², row-major: `w2[row][col]`.
    pub w2: [[f64; 2]; 2],
    /// b² ∈ ℝ².
    pub b2: [f64; 2],
}

impl Default for Network {
    /// The assignment's weights: W¹ = (1.5, 0.5)ᵀ, b¹ = (0, 1)ᵀ, W² = [[1, 2], [2, 1]], b² = (0, 1)ᵀ.
    fn default() -> Self {
        Self {
            w1: [1.5, 0.5],
            b1: [0.0, 1.0],
            w2: [[1.0, 2.0], [2.0, 1.0]],
            b2: [0.0, 1.0],
        }
    }
}

/// ReLU′ with the convention ReLU′(0) = 0: true where the unit is active (z > 0).
pub fn relu_active(z: f64) -> bool {
    z > 0.0
}

fn relu(z: f64) -> f64 {
    if relu_active(z) { z } else { 0.0 }
}

/// Every intermediate quantity of the forward pass at one x.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Forward {
    pub x: f64,
    /// z¹ = W¹x + b¹.
    pub z1: [f64; 2],
    /// D¹ = diag(ReLU′(z¹)): which first-layer units are active.
    pub mask1: [bool; 2],
    /// y¹ = ReLU(z¹).
    pub y1: [f64; 2],
    /// z² = W²y¹ + b².
    pub z2: [f64; 2],
    pub mask2: [bool; 2],
    /// y² = ReLU(z²).
    pub y2: [f64; 2],
    /// h = (1,1)·y² − 1.
    pub h: f64,
}

/// The derivative of h at x0, honest about kinks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Slope {
    /// h is differentiable at x0: h′(x0) = (1,1)·D²·W²·D¹·W¹.
    Defined(f64),
    /// x0 is a kink: a pre-activation is 0 there. The one-sided slopes (equal only if the switch
    /// happens not to bend h).
    Kink { left: f64, right: f64 },
}

/// The tangent line W·x + b of h at x0 (only where h′(x0) exists).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tangent {
    pub x0: f64,
    pub h: f64,
    /// W = h′(x0).
    pub slope: f64,
    /// b = h(x0) − W·x0.
    pub intercept: f64,
}

/// h on one interval between kinks: h(x) = slope·x + intercept there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    /// Left end (`-∞` for the first piece).
    pub from: f64,
    /// Right end (`+∞` for the last piece).
    pub to: f64,
    pub slope: f64,
    pub intercept: f64,
}

impl Network {
    /// Rejects non-finite weights.
    pub fn validate(&self) -> Result<(), TheoryError> {
        let named = [
            ("W¹", self.w1.to_vec()),
            ("b¹", self.b1.to_vec()),
            ("W²", self.w2.iter().flatten().copied().collect()),
            ("b²", self.b2.to_vec()),
        ];
        for (name, values) in named {
            for v in values {
                finite(name, v)?;
            }
        }
        Ok(())
    }

    /// The exact forward pass at `x`.
    pub fn forward(&self, x: f64) -> Forward {
        let z1 = [self.w1[0] * x + self.b1[0], self.w1[1] * x + self.b1[1]];
        let mask1 = z1.map(relu_active);
        let y1 = z1.map(relu);
        let z2 = [
            self.w2[0][0] * y1[0] + self.w2[0][1] * y1[1] + self.b2[0],
            self.w2[1][0] * y1[0] + self.w2[1][1] * y1[1] + self.b2[1],
        ];
        let mask2 = z2.map(relu_active);
        let y2 = z2.map(relu);
        Forward {
            x,
            z1,
            mask1,
            y1,
            z2,
            mask2,
            y2,
            h: y2[0] + y2[1] - 1.0,
        }
    }

    /// h′ for given masks: (1,1)·D²·W²·D¹·W¹.
    pub fn slope_for_masks(&self, mask1: [bool; 2], mask2: [bool; 2]) -> f64 {
        let d = |m: bool| if m { 1.0 } else { 0.0 };
        // D¹W¹: a column.
        let v1 = [d(mask1[0]) * self.w1[0], d(mask1[1]) * self.w1[1]];
        // W²(D¹W¹), then D².
        let v2 = [
            d(mask2[0]) * (self.w2[0][0] * v1[0] + self.w2[0][1] * v1[1]),
            d(mask2[1]) * (self.w2[1][0] * v1[0] + self.w2[1][1] * v1[1]),
        ];
        v2[0] + v2[1]
    }

    /// The points where some pre-activation crosses 0, sorted, each once.
    ///
    /// First-layer units switch at x = −b¹ᵢ/W¹ᵢ. Between those points y¹ is linear in x, so each
    /// z²ⱼ is linear there and switches where that line crosses 0 inside the interval.
    pub fn kinks(&self) -> Vec<f64> {
        let mut first: Vec<f64> = (0..2)
            .filter(|&i| self.w1[i] != 0.0)
            .map(|i| -self.b1[i] / self.w1[i])
            .collect();
        sort_dedup(&mut first);
        let mut kinks = first.clone();
        // Intervals (−∞, k₀), (k₀, k₁), …, (kₙ, ∞); on each, the layer-1 masks are constant.
        for (lo, hi) in intervals(&first) {
            let inside = interior_point(lo, hi);
            let mask1 = self.forward(inside).mask1;
            for j in 0..2 {
                // z²ⱼ(x) = a·x + c on this interval.
                let mut a = 0.0;
                let mut c = self.b2[j];
                for (i, &active) in mask1.iter().enumerate() {
                    if active {
                        a += self.w2[j][i] * self.w1[i];
                        c += self.w2[j][i] * self.b1[i];
                    }
                }
                if a != 0.0 {
                    let root = -c / a;
                    if root > lo && root < hi {
                        kinks.push(root);
                    }
                }
            }
        }
        sort_dedup(&mut kinks);
        kinks
    }

    /// h′(x0), or both one-sided slopes where x0 is a kink.
    pub fn derivative(&self, x0: f64) -> Slope {
        let kinks = self.kinks();
        match kinks.iter().position(|&k| k == x0) {
            None => {
                let f = self.forward(x0);
                Slope::Defined(self.slope_for_masks(f.mask1, f.mask2))
            }
            Some(i) => {
                let left_end = if i == 0 {
                    f64::NEG_INFINITY
                } else {
                    kinks[i - 1]
                };
                let right_end = kinks.get(i + 1).copied().unwrap_or(f64::INFINITY);
                let slope_at = |x: f64| {
                    let f = self.forward(x);
                    self.slope_for_masks(f.mask1, f.mask2)
                };
                Slope::Kink {
                    left: slope_at(interior_point(left_end, x0)),
                    right: slope_at(interior_point(x0, right_end)),
                }
            }
        }
    }

    /// The tangent line at x0, or `None` at a kink (see [`Network::derivative`]).
    pub fn tangent(&self, x0: f64) -> Option<Tangent> {
        match self.derivative(x0) {
            Slope::Defined(slope) => {
                let h = self.forward(x0).h;
                Some(Tangent {
                    x0,
                    h,
                    slope,
                    intercept: h - slope * x0,
                })
            }
            Slope::Kink { .. } => None,
        }
    }

    /// h as linear pieces between consecutive kinks, left to right.
    pub fn pieces(&self) -> Vec<Piece> {
        let kinks = self.kinks();
        let bounds: Vec<f64> = std::iter::once(f64::NEG_INFINITY)
            .chain(kinks.iter().copied())
            .chain(std::iter::once(f64::INFINITY))
            .collect();
        bounds
            .windows(2)
            .map(|pair| {
                let x = interior_point(pair[0], pair[1]);
                let f = self.forward(x);
                let slope = self.slope_for_masks(f.mask1, f.mask2);
                Piece {
                    from: pair[0],
                    to: pair[1],
                    slope,
                    intercept: f.h - slope * x,
                }
            })
            .collect()
    }
}

/// The open intervals between sorted `points`, from −∞ to +∞.
pub fn intervals(points: &[f64]) -> Vec<(f64, f64)> {
    let bounds: Vec<f64> = std::iter::once(f64::NEG_INFINITY)
        .chain(points.iter().copied())
        .chain(std::iter::once(f64::INFINITY))
        .collect();
    bounds.windows(2).map(|pair| (pair[0], pair[1])).collect()
}

#[cfg(test)]
impl Network {
    /// A test network with negative weights and biases: units switch on and off in both layers.
    pub(crate) fn mixed_signs() -> Self {
        Self {
            w1: [-1.0, 2.0],
            b1: [0.5, -3.0],
            w2: [[1.0, -2.0], [0.5, 1.5]],
            b2: [0.25, -1.0],
        }
    }
}

/// A point strictly inside (lo, hi), where either end may be infinite.
pub fn interior_point(lo: f64, hi: f64) -> f64 {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) => lo + (hi - lo) / 2.0,
        (true, false) => lo + 1.0,
        (false, true) => hi - 1.0,
        (false, false) => 0.0,
    }
}

/// Sorts `values` (by `f64::total_cmp`) and drops repeats. A handful of values at most, so each is
/// inserted in its place: no general sort's code in the UI bundle.
fn sort_dedup(values: &mut Vec<f64>) {
    for v in std::mem::take(values) {
        // −0 and 0 are one point (and −0 would print as "-0").
        let v = v + 0.0;
        let at = values.partition_point(|u| u.total_cmp(&v).is_lt());
        if values.get(at) != Some(&v) {
            values.insert(at, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net() -> Network {
        Network::default()
    }

    #[test]
    fn the_three_known_answers() {
        for (x0, h, w, b) in [
            (2.0, 15.0, 6.0, 3.0),
            (-1.0, 1.5, 1.5, 3.0),
            (1.0, 9.0, 6.0, 3.0),
        ] {
            let t = net().tangent(x0).expect("not a kink");
            assert_eq!((t.h, t.slope, t.intercept), (h, w, b), "x0 = {x0}");
        }
    }

    #[test]
    fn forward_pass_at_minus_one() {
        let f = net().forward(-1.0);
        assert_eq!(f.z1, [-1.5, 0.5]);
        assert_eq!(f.mask1, [false, true]);
        assert_eq!(f.y1, [0.0, 0.5]);
        assert_eq!(f.z2, [1.0, 1.5]);
        assert_eq!(f.y2, [1.0, 1.5]);
        assert_eq!(f.h, 1.5);
    }

    #[test]
    fn kinks_of_the_default_net_are_minus_two_and_zero() {
        assert_eq!(net().kinks(), vec![-2.0, 0.0]);
    }

    #[test]
    fn pieces_of_the_default_net() {
        let p = net().pieces();
        assert_eq!(p.len(), 3);
        assert_eq!((p[0].slope, p[0].intercept), (0.0, 0.0));
        assert_eq!((p[1].slope, p[1].intercept), (1.5, 3.0));
        assert_eq!((p[2].slope, p[2].intercept), (6.0, 3.0));
    }

    #[test]
    fn one_sided_slopes_at_the_kinks() {
        assert_eq!(
            net().derivative(0.0),
            Slope::Kink {
                left: 1.5,
                right: 6.0
            }
        );
        assert_eq!(
            net().derivative(-2.0),
            Slope::Kink {
                left: 0.0,
                right: 1.5
            }
        );
        assert_eq!(net().tangent(0.0), None);
    }

    #[test]
    fn random_points_match_finite_differences() {
        // A small deterministic generator: no dependency needed for a test.
        let mut state = 0x2545F4914F6CDD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let nets = [net(), Network::mixed_signs()];
        for network in nets {
            let kinks = network.kinks();
            for _ in 0..500 {
                let x0 = next() * 20.0 - 10.0;
                if kinks.iter().any(|k| (k - x0).abs() < 1e-3) {
                    continue;
                }
                let eps = 1e-6;
                let fd = (network.forward(x0 + eps).h - network.forward(x0 - eps).h) / (2.0 * eps);
                let Slope::Defined(slope) = network.derivative(x0) else {
                    panic!("{x0} is no kink")
                };
                assert!((fd - slope).abs() < 1e-6, "x0 = {x0}: {fd} vs {slope}");
            }
        }
    }

    #[test]
    fn custom_weights_have_their_own_kinks() {
        // z¹ = (x − 1, −x − 1): no unit active on (−1, 1); z² = y¹ + (−2, 0)ᵀ switches at x = 3.
        let n = Network {
            w1: [1.0, -1.0],
            b1: [-1.0, -1.0],
            w2: [[1.0, 0.0], [0.0, 1.0]],
            b2: [-2.0, 0.0],
        };
        assert_eq!(n.kinks(), vec![-1.0, 1.0, 3.0]);
        assert_eq!(
            n.derivative(3.0),
            Slope::Kink {
                left: 0.0,
                right: 1.0
            }
        );
        assert_eq!(n.derivative(-5.0), Slope::Defined(-1.0));
    }

    #[test]
    fn a_network_with_a_bad_number_is_refused_by_name() {
        let mut n = net();
        n.w2[1][0] = f64::NAN;
        assert!(n.validate().unwrap_err().to_string().starts_with("W²"));
    }
}
