//! Numbers as people read them: one formatter for the page, the CLI and error messages.
//!
//! [`plain`] is what a student writes and what number fields accept back (`1.5`, `-2`, `0.333333`),
//! switching to scientific form for very large or very small magnitudes (`1e38`, `2.5e-7`) so a
//! value never runs to forty digits; [`display`] is the same with a true minus sign (U+2212).

/// Magnitudes from here up are written in scientific form.
const LARGE: f64 = 1e6;
/// Non-zero magnitudes below this are written in scientific form.
const SMALL: f64 = 1e-4;

/// `1.5`, `-2`, `0.333333`, `1e38`, `2.5e-7`: at most six decimals (or six significant digits in
/// scientific form), trailing zeros dropped, `-0` written `0`. Parses back with `str::parse`.
pub fn plain(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs();
    if !(SMALL..LARGE).contains(&magnitude) {
        let text = format!("{v:.5e}");
        let (mantissa, exponent) = text.split_once('e').expect("{:e} always has an exponent");
        let mantissa = trim_decimals(mantissa);
        return format!("{mantissa}e{exponent}");
    }
    if v == v.trunc() {
        return format!("{}", v as i64);
    }
    trim_decimals(&format!("{v:.6}")).to_string()
}

/// [`plain`] with a true minus sign and ∞, for text a person reads (never for a field's value).
pub fn display(v: f64) -> String {
    plain(v).replace("inf", "\u{221e}").replace('-', "\u{2212}")
}

/// A fraction in 0–1 as a percentage with `decimals` places: `0.639` → `63.9 %`.
pub fn percent(fraction: f64, decimals: usize) -> String {
    if !fraction.is_finite() {
        return "\u{2014}".into();
    }
    format!("{:.*}\u{a0}%", decimals, 100.0 * fraction)
}

/// `1234567` → `1,234,567`, for counts a person reads.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `42 s`, `3 min 05 s` or `1 h 02 min`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "\u{2014}".into();
    }
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s}\u{a0}s"),
        60..3600 => format!("{}\u{a0}min {:02}\u{a0}s", s / 60, s % 60),
        _ => format!("{}\u{a0}h {:02}\u{a0}min", s / 3600, (s % 3600) / 60),
    }
}

fn trim_decimals(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyday_numbers_read_as_a_student_writes_them() {
        assert_eq!(plain(1.5), "1.5");
        assert_eq!(plain(-2.0), "-2");
        assert_eq!(plain(1.0 / 3.0), "0.333333");
        assert_eq!(plain(6.0), "6");
        assert_eq!(plain(-0.0), "0");
        assert_eq!(plain(123456.5), "123456.5");
        assert_eq!(plain(0.0001), "0.0001");
    }

    #[test]
    fn huge_and_tiny_numbers_take_scientific_form_and_parse_back() {
        assert_eq!(plain(1e38), "1e38");
        assert_eq!(plain(-3.4028235e38), "-3.40282e38");
        assert_eq!(plain(2.5e-7), "2.5e-7");
        assert_eq!(plain(1e6), "1e6");
        assert_eq!(plain(1.5e300 * 10.0), "1.5e301");
        for v in [1e38, -2.5e-7, 1e6, 123456.5, 0.333333] {
            let back: f64 = plain(v).parse().unwrap();
            assert!((back - v).abs() <= 1e-5 * v.abs(), "{v} → {}", plain(v));
        }
        assert!(plain(1e38).len() < 8, "never forty digits");
    }

    #[test]
    fn display_uses_a_true_minus_sign() {
        assert_eq!(display(-1.5), "\u{2212}1.5");
        assert_eq!(display(-2.5e-7), "\u{2212}2.5e\u{2212}7");
        assert_eq!(display(f64::NEG_INFINITY), "\u{2212}\u{221e}");
        assert_eq!(display(f64::NAN), "NaN");
    }

    #[test]
    fn percentages_counts_and_durations() {
        assert_eq!(percent(0.639, 1), "63.9\u{a0}%");
        assert_eq!(percent(f64::NAN, 1), "\u{2014}");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(duration(42.4), "42\u{a0}s");
        assert_eq!(duration(185.0), "3\u{a0}min 05\u{a0}s");
        assert_eq!(duration(3720.0), "1\u{a0}h 02\u{a0}min");
    }
}
