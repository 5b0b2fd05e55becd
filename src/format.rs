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

/// Reads a number exactly as `str::parse::<f64>` does: the same text accepted (a sign, then
/// `inf`, `infinity` or `nan` in any case, or decimal digits with an optional point and
/// exponent; no spaces), the same value. In the browser bundles the decimal-to-binary step is the
/// browser's `parseFloat` (correctly rounded, as Rust's is), which keeps Rust's own — a 10 kB
/// table of powers of five and its parser — out of the UI bundle (docs/bundles.md); the syntax
/// check is this function's everywhere, so every build accepts and refuses the same text.
pub fn parse_number(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        f64::INFINITY
    } else if body.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else if is_decimal(body) {
        decimal_value(body)
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `12`, `1.5`, `.5`, `2.`, each with an optional exponent (`e-7`, `E+05`).
fn is_decimal(text: &str) -> bool {
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let t = text.as_bytes();
    let whole = digits(t);
    let mut at = whole;
    let mut fraction = 0;
    if t.get(at) == Some(&b'.') {
        fraction = digits(&t[at + 1..]);
        at += 1 + fraction;
    }
    if whole + fraction == 0 {
        return false;
    }
    if matches!(t.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(t.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(&t[at..]);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == t.len()
}

#[cfg(all(target_arch = "wasm32", feature = "web"))]
fn decimal_value(text: &str) -> f64 {
    js_sys::parse_float(text)
}

#[cfg(not(all(target_arch = "wasm32", feature = "web")))]
fn decimal_value(text: &str) -> f64 {
    text.parse().expect("the syntax was checked")
}

/// Texts that exercise [`parse_number`]'s syntax and rounding, for the tests here and in the
/// browser (`tests/wasm_worker/`), which hold it to `str::parse::<f64>`.
#[doc(hidden)]
pub const NUMBER_SAMPLES: &[&str] = &[
    "",
    "+",
    "-",
    ".",
    "1.",
    ".5",
    "-.5",
    "+1.5",
    "1e5",
    "1E+05",
    "2.5e-7",
    "1e",
    "1e+",
    "e5",
    ".e1",
    "1.e1",
    "inf",
    "-Infinity",
    "INF",
    "NaN",
    "-nan",
    "infinit",
    "nana",
    "1_000",
    " 1",
    "1 ",
    "0x10",
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "0.1",
    "0.3",
    "3.4028235e38",
    "1.7976931348623157e308",
    "2.2250738585072014e-308",
    "4.9e-324",
    "2.4703282292062328e-324",
    "123456789012345678901234567890",
    "0.1000000000000000055511151231257827021181583404541015625",
    "9007199254740993",
    "1.5.2",
    "--1",
    "+-1",
    "1-",
    "\u{2212}1",
    "\u{661}",
    "\u{ff11}",
    "1e5.5",
    "00012",
    "1e0005",
    "0e0",
];

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
    fn numbers_read_as_rusts_parser_reads_them() {
        for text in NUMBER_SAMPLES {
            assert_eq!(
                parse_number(text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_number("-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
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
