//! "Check my work": a student's numbers for each step at one x0, compared with the exact ones.
//! The first wrong value is named, with the right arithmetic written out.

use serde::{Deserialize, Serialize};

use super::network::{Network, Slope, interior_point, intervals};
use crate::format::plain;

/// What a student wrote. Every field is optional: they can check as far as they got.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StudentWork {
    pub x0: f64,
    pub z1: Option<[f64; 2]>,
    pub y1: Option<[f64; 2]>,
    pub z2: Option<[f64; 2]>,
    pub y2: Option<[f64; 2]>,
    pub h: Option<f64>,
    pub slope: Option<f64>,
    pub intercept: Option<f64>,
}

/// The first wrong value, and the arithmetic that gives the right one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mistake {
    /// The quantity, e.g. "z² second row".
    pub quantity: String,
    pub expected: f64,
    pub got: f64,
    /// The full sentence, e.g. "z² second row: 2·0 + 1·0.5 + 1 = 1.5, you wrote 2.5".
    pub explanation: String,
}

/// The verdict on a student's work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Verdict {
    /// Every value given is right; `checked` counts them.
    AllRight {
        checked: usize,
    },
    FirstMistake(Mistake),
}

/// Values within this of the exact answer count as right (students round to a few decimals).
pub const TOLERANCE: f64 = 1e-6;

/// `a·b` with parentheses around negative factors.
fn times(a: f64, b: f64) -> String {
    let p = |v: f64| {
        if v < 0.0 {
            format!("({})", plain(v))
        } else {
            plain(v)
        }
    };
    format!("{}\u{b7}{}", p(a), p(b))
}

fn plus(terms: &[String]) -> String {
    terms.join(" + ")
}

const ROW: [&str; 2] = ["first row", "second row"];

/// Checks `work` against `network`, step by step in the order of the derivation.
pub fn check(network: &Network, work: &StudentWork) -> Verdict {
    let f = network.forward(work.x0);
    let mut checked = 0;
    let mut compare = |quantity: String, expected: f64, got: Option<f64>, arithmetic: String| {
        let got = got?;
        checked += 1;
        if (expected - got).abs() <= TOLERANCE {
            return None;
        }
        Some(Mistake {
            explanation: format!(
                "{quantity}: {arithmetic} = {}, you wrote {}",
                plain(expected),
                plain(got)
            ),
            quantity,
            expected,
            got,
        })
    };
    let x = work.x0;
    for i in 0..2 {
        let arithmetic = plus(&[times(network.w1[i], x), plain(network.b1[i])]);
        if let Some(m) = compare(
            format!("z\u{b9} {}", ROW[i]),
            f.z1[i],
            work.z1.map(|v| v[i]),
            arithmetic,
        ) {
            return Verdict::FirstMistake(m);
        }
    }
    for i in 0..2 {
        let arithmetic = format!("ReLU({})", plain(f.z1[i]));
        if let Some(m) = compare(
            format!("y\u{b9} {}", ROW[i]),
            f.y1[i],
            work.y1.map(|v| v[i]),
            arithmetic,
        ) {
            return Verdict::FirstMistake(m);
        }
    }
    for j in 0..2 {
        let arithmetic = plus(&[
            times(network.w2[j][0], f.y1[0]),
            times(network.w2[j][1], f.y1[1]),
            plain(network.b2[j]),
        ]);
        if let Some(m) = compare(
            format!("z\u{b2} {}", ROW[j]),
            f.z2[j],
            work.z2.map(|v| v[j]),
            arithmetic,
        ) {
            return Verdict::FirstMistake(m);
        }
    }
    for j in 0..2 {
        let arithmetic = format!("ReLU({})", plain(f.z2[j]));
        if let Some(m) = compare(
            format!("y\u{b2} {}", ROW[j]),
            f.y2[j],
            work.y2.map(|v| v[j]),
            arithmetic,
        ) {
            return Verdict::FirstMistake(m);
        }
    }
    let arithmetic = format!("{} + {} \u{2212} 1", plain(f.y2[0]), plain(f.y2[1]));
    if let Some(m) = compare("h(x\u{2080})".into(), f.h, work.h, arithmetic) {
        return Verdict::FirstMistake(m);
    }
    if let Slope::Defined(slope) = network.derivative(x) {
        let arithmetic = format!(
            "(1,1)\u{b7}D\u{b2}\u{b7}W\u{b2}\u{b7}D\u{b9}\u{b7}W\u{b9} with D\u{b9} = diag({}), D\u{b2} = diag({})",
            mask(f.mask1),
            mask(f.mask2)
        );
        if let Some(m) = compare(
            "W = h\u{2032}(x\u{2080})".into(),
            slope,
            work.slope,
            arithmetic,
        ) {
            return Verdict::FirstMistake(m);
        }
        let arithmetic = format!("{} \u{2212} {}", plain(f.h), times(slope, x));
        if let Some(m) = compare(
            "b = h(x\u{2080}) \u{2212} W\u{b7}x\u{2080}".into(),
            f.h - slope * x,
            work.intercept,
            arithmetic,
        ) {
            return Verdict::FirstMistake(m);
        }
    }
    Verdict::AllRight { checked }
}

fn mask(m: [bool; 2]) -> String {
    format!("{}, {}", m[0] as u8, m[1] as u8)
}

/// The preloaded examples, taken from a real student's answer.
pub fn student_examples() -> Vec<(&'static str, StudentWork)> {
    vec![
        (
            "x\u{2080} = \u{2212}1: y\u{b2} = (1, 2.5), yet h = 1.5",
            StudentWork {
                x0: -1.0,
                z1: Some([-1.5, 0.5]),
                y1: Some([0.0, 0.5]),
                z2: Some([1.0, 2.5]),
                y2: Some([1.0, 2.5]),
                h: Some(1.5),
                slope: Some(1.5),
                intercept: Some(3.0),
            },
        ),
        (
            "x\u{2080} = 2: an intermediate (5.5, 7) before (7, 9)",
            StudentWork {
                x0: 2.0,
                z1: Some([3.0, 2.0]),
                y1: Some([3.0, 2.0]),
                z2: Some([5.5, 7.0]),
                y2: Some([7.0, 9.0]),
                h: Some(15.0),
                slope: Some(6.0),
                intercept: Some(3.0),
            },
        ),
    ]
}

/// Where "all weights are positive, so every y > 0" fails: the first interval (left to right)
/// on which some unit is inactive, as (unit name, interval, an x0 inside it, that unit's y there).
pub fn positivity_counterexample(network: &Network) -> Option<(String, f64, f64, f64, f64)> {
    // Scan from the right (x > 0 first, where students usually look).
    for (lo, hi) in intervals(&network.kinks()).into_iter().rev() {
        let x = interior_point(lo, hi);
        let f = network.forward(x);
        let units = [
            ("y\u{b9}\u{2081}", f.y1[0]),
            ("y\u{b9}\u{2082}", f.y1[1]),
            ("y\u{b2}\u{2081}", f.y2[0]),
            ("y\u{b2}\u{2082}", f.y2[1]),
        ];
        if let Some((name, y)) = units.iter().find(|(_, y)| *y <= 0.0) {
            return Some((name.to_string(), lo, hi, x, *y));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_the_students_z2_slip_at_minus_one() {
        let (_, work) = &student_examples()[0];
        let Verdict::FirstMistake(m) = check(&Network::default(), work) else {
            panic!()
        };
        assert_eq!(
            m.explanation,
            "z\u{b2} second row: 2\u{b7}0 + 1\u{b7}0.5 + 1 = 1.5, you wrote 2.5"
        );
    }

    #[test]
    fn flags_the_intermediate_at_two() {
        let (_, work) = &student_examples()[1];
        let Verdict::FirstMistake(m) = check(&Network::default(), work) else {
            panic!()
        };
        assert_eq!(m.quantity, "z\u{b2} first row");
        assert_eq!(
            m.explanation,
            "z\u{b2} first row: 1\u{b7}3 + 2\u{b7}2 + 0 = 7, you wrote 5.5"
        );
    }

    #[test]
    fn right_work_passes_and_partial_work_is_checked_as_far_as_it_goes() {
        let work = StudentWork {
            x0: 1.0,
            z1: Some([1.5, 1.5]),
            y1: Some([1.5, 1.5]),
            z2: Some([4.5, 5.5]),
            y2: Some([4.5, 5.5]),
            h: Some(9.0),
            slope: Some(6.0),
            intercept: Some(3.0),
        };
        assert_eq!(
            check(&Network::default(), &work),
            Verdict::AllRight { checked: 11 }
        );
        let partial = StudentWork {
            x0: -1.0,
            z1: Some([-1.5, 0.5]),
            ..Default::default()
        };
        assert_eq!(
            check(&Network::default(), &partial),
            Verdict::AllRight { checked: 2 }
        );
        let wrong_slope = StudentWork {
            x0: -1.0,
            slope: Some(6.0),
            ..Default::default()
        };
        let Verdict::FirstMistake(m) = check(&Network::default(), &wrong_slope) else {
            panic!()
        };
        assert!(
            m.explanation.contains("D\u{b9} = diag(0, 1)"),
            "{}",
            m.explanation
        );
    }

    #[test]
    fn negative_inputs_are_parenthesised() {
        let work = StudentWork {
            x0: -1.0,
            z1: Some([-1.0, 0.5]),
            ..Default::default()
        };
        let Verdict::FirstMistake(m) = check(&Network::default(), &work) else {
            panic!()
        };
        assert_eq!(
            m.explanation,
            "z\u{b9} first row: 1.5\u{b7}(-1) + 0 = -1.5, you wrote -1"
        );
    }

    #[test]
    fn positivity_claim_fails_left_of_zero() {
        let (name, lo, hi, x, y) = positivity_counterexample(&Network::default()).unwrap();
        assert_eq!(
            (name.as_str(), lo, hi, x, y),
            ("y\u{b9}\u{2081}", -2.0, 0.0, -1.0, 0.0)
        );
    }

    #[test]
    fn numbers_print_like_a_student_writes_them() {
        assert_eq!(plain(1.5), "1.5");
        assert_eq!(plain(-2.0), "-2");
        assert_eq!(plain(1.0 / 3.0), "0.333333");
    }
}
