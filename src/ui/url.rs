//! Reading the notebook's settings from the URL. Bad values never break the page: they get a
//! visible note and the default.

use super::theory::state::{STEP_TITLES, parse_x};
use crate::protocol::BackendRequest;

/// The settings the URL can carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UrlSettings {
    pub backend: BackendRequest,
    /// The theory cell's point (`x0`).
    pub x0: Option<f64>,
    /// The theory cell's step, 0-based (the URL's `step` counts from 1).
    pub step: Option<usize>,
    /// One message per rejected parameter.
    pub notes: Vec<String>,
}

/// Parses `key=value` pairs (already URL-decoded).
pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> UrlSettings {
    let mut settings = UrlSettings::default();
    for (key, value) in pairs {
        match key {
            "backend" => match BackendRequest::parse(value) {
                Ok(backend) => settings.backend = backend,
                Err(note) => settings.notes.push(note),
            },
            "x0" => match parse_x("x0 in the URL", value) {
                Ok(x0) => settings.x0 = Some(x0),
                Err(note) => settings.notes.push(format!("{note}; using x0 = 2.")),
            },
            "step" => match value.trim().parse::<usize>() {
                Ok(n) if (1..=STEP_TITLES.len()).contains(&n) => settings.step = Some(n - 1),
                _ => settings.notes.push(format!(
                    "step in the URL: \u{201c}{value}\u{201d} is not a step from 1 to {}; starting at step 1.",
                    STEP_TITLES.len()
                )),
            },
            _ => {}
        }
    }
    settings
}

/// The settings of the page's own URL.
pub fn from_location() -> UrlSettings {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return UrlSettings::default();
    };
    let values: Vec<(&str, String)> = ["backend", "x0", "step"]
        .into_iter()
        .filter_map(|key| params.get(key).map(|v| (key, v)))
        .collect();
    parse(values.iter().map(|(k, v)| (*k, v.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_read_and_bad_values_are_reported() {
        assert_eq!(parse([("backend", "cpu")]).backend, BackendRequest::Cpu);
        let bad = parse([("backend", "quantum")]);
        assert_eq!(bad.backend, BackendRequest::Auto);
        assert_eq!(bad.notes.len(), 1);
        assert!(bad.notes[0].contains("quantum"));
        assert_eq!(parse([("other", "1")]), UrlSettings::default());
    }

    #[test]
    fn x0_and_step_are_read_and_bad_values_reported() {
        let s = parse([("x0", "-1"), ("step", "7")]);
        assert_eq!((s.x0, s.step), (Some(-1.0), Some(6)));
        assert!(s.notes.is_empty());
        let bad = parse([("x0", "abc"), ("step", "0")]);
        assert_eq!((bad.x0, bad.step), (None, None));
        assert_eq!(bad.notes.len(), 2);
        assert!(bad.notes[0].contains("abc"), "{:?}", bad.notes);
        assert!(parse([("x0", "inf")]).notes[0].contains("finite"));
        assert!(parse([("step", "99")]).notes[0].contains("from 1 to 9"));
    }
}
