//! The theory cell's numbers as a person types them (the page's weight inputs, the CLI's
//! options): each checked finite, lists of exactly N parsed — with the reason when they are not.

/// Why a network or an x0 cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TheoryError {
    #[error("{name} must be a finite number, got {value}")]
    NotFinite { name: String, value: f64 },
    #[error("{name} needs {expected} numbers separated by commas, got {got}")]
    WrongLength {
        name: String,
        expected: usize,
        got: usize,
    },
    #[error("{name}: \u{201c}{text}\u{201d} is not a number")]
    NotANumber { name: String, text: String },
}

/// Checks that `value` is finite.
pub fn finite(name: &str, value: f64) -> Result<f64, TheoryError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(TheoryError::NotFinite {
            name: name.to_string(),
            value,
        })
    }
}

/// Parses `a,b,…` into exactly `N` finite numbers, for the CLI and the page's weight inputs.
pub fn parse_list<const N: usize>(name: &str, text: &str) -> Result<[f64; N], TheoryError> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != N {
        return Err(TheoryError::WrongLength {
            name: name.to_string(),
            expected: N,
            got: parts.len(),
        });
    }
    let mut out = [0.0; N];
    for (slot, part) in out.iter_mut().zip(parts) {
        let value = crate::format::parse_number(part).ok_or_else(|| TheoryError::NotANumber {
            name: name.to_string(),
            text: part.to_string(),
        })?;
        *slot = finite(name, value)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_numbers_are_refused_clearly() {
        assert_eq!(parse_list::<2>("--w1", "1.5, 0.5").unwrap(), [1.5, 0.5]);
        assert_eq!(
            parse_list::<4>("--w2", "1,2,3").unwrap_err().to_string(),
            "--w2 needs 4 numbers separated by commas, got 3"
        );
        assert!(
            parse_list::<2>("--b1", "1,abc")
                .unwrap_err()
                .to_string()
                .contains("abc")
        );
        assert!(
            parse_list::<2>("--b1", "1,inf")
                .unwrap_err()
                .to_string()
                .contains("finite")
        );
    }
}
