//! Class-balanced weights (Cui et al., CVPR 2019, "Class-Balanced Loss Based on Effective Number
//! of Samples"): the effective number of samples of a class with n images is
//! Eₙ = (1 − βⁿ)/(1 − β), and its weight is 1/Eₙ = (1 − β)/(1 − βⁿ), normalised so that the
//! weights sum to the number of classes C (as the authors' code does). β = 0 gives every class
//! weight 1; β → 1 approaches inverse class frequency.

/// Why weights cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClassBalanceError {
    #[error("β must be in [0, 1), got {0}")]
    Beta(f64),
    #[error("class {class} has no images: every class needs at least one")]
    EmptyClass { class: usize },
    #[error("no classes given")]
    NoClasses,
}

/// The effective number of samples Eₙ = (1 − βⁿ)/(1 − β) of a class with `n` images (1 when
/// β = 0, approaching n as β → 1; accurate for β close to 1).
pub fn effective_number(n: usize, beta: f64) -> f64 {
    if beta == 0.0 {
        return 1.0;
    }
    -f64::exp_m1(n as f64 * beta.ln()) / (1.0 - beta)
}

/// The class-balanced weights for `counts` (images per class) and `beta`, summing to C.
pub fn class_balanced_weights(counts: &[usize], beta: f64) -> Result<Vec<f64>, ClassBalanceError> {
    if !(0.0..1.0).contains(&beta) {
        return Err(ClassBalanceError::Beta(beta));
    }
    if counts.is_empty() {
        return Err(ClassBalanceError::NoClasses);
    }
    if let Some(class) = counts.iter().position(|&n| n == 0) {
        return Err(ClassBalanceError::EmptyClass { class });
    }
    // 1 / Eₙ, with 1 − βⁿ = −expm1(n·ln β), accurate when β is close to 1.
    let raw: Vec<f64> = counts
        .iter()
        .map(|&n| 1.0 / effective_number(n, beta))
        .collect();
    let total: f64 = raw.iter().sum();
    let classes = counts.len() as f64;
    Ok(raw.iter().map(|w| w / total * classes).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG_TAIL: [usize; 10] = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50];

    #[test]
    fn effective_numbers_from_the_formula() {
        // β = 0.9, n = 2: (1 − 0.81)/(1 − 0.9) = 1.9.
        assert!((effective_number(2, 0.9) - 1.9).abs() < 1e-12);
        assert_eq!(effective_number(7, 0.0), 1.0);
        // β → 1: Eₙ → n.
        assert!((effective_number(50, 0.999_999) - 50.0).abs() < 1e-2);
    }

    #[test]
    fn weights_sum_to_the_class_count_and_grow_for_rare_classes() {
        for beta in [0.0, 0.9, 0.99, 0.999, 0.9999] {
            let w = class_balanced_weights(&LONG_TAIL, beta).unwrap();
            assert!((w.iter().sum::<f64>() - 10.0).abs() < 1e-9, "β = {beta}");
            assert!(w.windows(2).all(|p| p[0] <= p[1]), "β = {beta}: {w:?}");
        }
    }

    #[test]
    fn beta_zero_is_uniform_and_beta_near_one_is_inverse_frequency() {
        assert_eq!(
            class_balanced_weights(&LONG_TAIL, 0.0).unwrap(),
            vec![1.0; 10]
        );
        let w = class_balanced_weights(&LONG_TAIL, 1.0 - 1e-12).unwrap();
        let inv: Vec<f64> = LONG_TAIL.iter().map(|&n| 1.0 / n as f64).collect();
        let scale = 10.0 / inv.iter().sum::<f64>();
        for (a, b) in w.iter().zip(&inv) {
            assert!((a - b * scale).abs() < 1e-6 * a, "{a} vs {}", b * scale);
        }
    }

    #[test]
    fn a_hand_computed_case() {
        // β = 0.5, counts (1, 2): raw weights 0.5/0.5 = 1 and 0.5/0.75 = 2/3; sum 5/3 → ×2/(5/3).
        let w = class_balanced_weights(&[1, 2], 0.5).unwrap();
        assert!(
            (w[0] - 1.2).abs() < 1e-12 && (w[1] - 0.8).abs() < 1e-12,
            "{w:?}"
        );
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(
            class_balanced_weights(&[1, 2], 1.0),
            Err(ClassBalanceError::Beta(1.0))
        );
        assert_eq!(
            class_balanced_weights(&[1, 2], -0.1),
            Err(ClassBalanceError::Beta(-0.1))
        );
        assert!(class_balanced_weights(&[1, 2], f64::NAN).is_err());
        assert_eq!(
            class_balanced_weights(&[3, 0], 0.9),
            Err(ClassBalanceError::EmptyClass { class: 1 })
        );
        assert_eq!(
            class_balanced_weights(&[], 0.9),
            Err(ClassBalanceError::NoClasses)
        );
    }
}
