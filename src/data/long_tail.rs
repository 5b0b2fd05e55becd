//! Long-tailed subsets (Cui et al. 2019): class i keeps nᵢ = ⌊n_max · (1/IF)^(i/(C−1))⌋ images,
//! in CIFAR-10 label order, so class 0 keeps n_max and the last class n_max / IF.

/// Why a long-tail profile cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LongTailError {
    #[error("the imbalance factor must be a finite number ≥ 1, got {0}")]
    Imbalance(f64),
    #[error("n_max must be at least 1")]
    Empty,
    #[error("a long tail needs at least 2 classes, got {0}")]
    Classes(usize),
}

/// Images per class for head count `n_max`, imbalance factor `imbalance` and `classes` classes.
pub fn long_tail_counts(
    n_max: usize,
    imbalance: f64,
    classes: usize,
) -> Result<Vec<usize>, LongTailError> {
    if !imbalance.is_finite() || imbalance < 1.0 {
        return Err(LongTailError::Imbalance(imbalance));
    }
    if n_max == 0 {
        return Err(LongTailError::Empty);
    }
    if classes < 2 {
        return Err(LongTailError::Classes(classes));
    }
    Ok((0..classes)
        .map(|i| {
            let exact = n_max as f64 * (1.0 / imbalance).powf(i as f64 / (classes - 1) as f64);
            // Guard ⌊·⌋ against products like 49.999999999 that are 50 in exact arithmetic.
            ((exact + 1e-9).floor() as usize).max(1)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cifar_10_lt_with_imbalance_100() {
        assert_eq!(
            long_tail_counts(5000, 100.0, 10).unwrap(),
            vec![5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
        );
        assert_eq!(long_tail_counts(1000, 100.0, 10).unwrap()[9], 10);
    }

    #[test]
    fn imbalance_one_is_balanced() {
        assert_eq!(long_tail_counts(7, 1.0, 10).unwrap(), vec![7; 10]);
    }

    #[test]
    fn bad_profiles_are_refused() {
        assert_eq!(
            long_tail_counts(10, 0.5, 10),
            Err(LongTailError::Imbalance(0.5))
        );
        assert!(long_tail_counts(10, f64::INFINITY, 10).is_err());
        assert_eq!(long_tail_counts(0, 10.0, 10), Err(LongTailError::Empty));
        assert_eq!(
            long_tail_counts(10, 10.0, 1),
            Err(LongTailError::Classes(1))
        );
    }
}
