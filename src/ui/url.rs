//! Reading the notebook's settings from the URL. Bad values never break the page: they get a
//! visible note and the default.

use crate::protocol::BackendRequest;

/// The settings the URL can carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UrlSettings {
    pub backend: BackendRequest,
    /// One message per rejected parameter.
    pub notes: Vec<String>,
}

/// Parses `key=value` pairs (already URL-decoded).
pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> UrlSettings {
    let mut settings = UrlSettings::default();
    for (key, value) in pairs {
        if key == "backend" {
            match BackendRequest::parse(value) {
                Ok(backend) => settings.backend = backend,
                Err(note) => settings.notes.push(note),
            }
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
    let backend = params.get("backend");
    parse(backend.as_deref().map(|v| ("backend", v)))
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
}
