//! The notebook's settings in the URL: read at load (bad values get a visible note and the
//! default), written back as knobs change (`history.replaceState`, so a link reproduces the
//! page), and a guard that asks before leaving a page whose run is under way.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::theory::state::{DEFAULT_X0, STEP_TITLES, parse_x};
use crate::format::plain;
use crate::protocol::BackendRequest;
use crate::settings::data::DatasetKind;
use crate::settings::knob::Knob;

use crate::TEST_FAULTS;

/// The keys the page reads besides the knobs (`settings::knob`).
const PAGE_KEYS: [&str; 5] = ["backend", "x0", "step", "dataset", "loss"];

/// The settings the URL carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UrlSettings {
    pub backend: BackendRequest,
    /// The theory cell's point (`x0`).
    pub x0: Option<f64>,
    /// The theory cell's step, 0-based (the URL's `step` counts from 1).
    pub step: Option<usize>,
    /// The training cells' dataset (`dataset=toy|cifar`).
    pub dataset: Option<DatasetKind>,
    /// Test hook: `inject=device-lost` makes the worker act as if WebGPU lost its device.
    pub inject_device_loss: bool,
    /// Every `key=value` pair, for the cells' knobs.
    pub pairs: Vec<(String, String)>,
    /// One message per rejected parameter.
    pub notes: Vec<String>,
}

impl UrlSettings {
    /// The pairs as string slices.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Parses `key=value` pairs (already URL-decoded). A key given more than once takes its last
/// value (as the page writes it back), with a note when the values differ; a key the page does
/// not read gets a note naming the nearest one it does.
pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> UrlSettings {
    read(pairs, TEST_FAULTS)
}

/// [`parse`], reading `inject` when `test_faults`.
fn read<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, test_faults: bool) -> UrlSettings {
    let mut settings = UrlSettings::default();
    let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    for (i, &(key, value)) in pairs.iter().enumerate() {
        let same_key = |&(k, _): &(&str, &str)| k == key;
        if let Some(&(_, last)) = pairs[i + 1..].iter().rev().find(|p| same_key(p)) {
            if !pairs[..i].iter().any(same_key)
                && pairs[i..].iter().any(|&(k, v)| k == key && v != last)
            {
                settings.notes.push(format!(
                    "{key} is in the URL more than once: using the last, {key}={last}."
                ));
            }
            continue;
        }
        let known = PAGE_KEYS.contains(&key)
            || Knob::named(key).is_some()
            || (test_faults && key == "inject");
        if !known {
            settings.notes.push(unknown_key(key));
            continue;
        }
        settings.pairs.push((key.to_string(), value.to_string()));
        match key {
            "backend" => match BackendRequest::parse(value) {
                Ok(backend) => settings.backend = backend,
                Err(note) => settings.notes.push(note),
            },
            "x0" => match parse_x("x0 in the URL", value) {
                Ok(x0) => settings.x0 = Some(x0),
                Err(note) => settings
                    .notes
                    .push(format!("{note}; using x0 = {}.", plain(DEFAULT_X0))),
            },
            "step" => match value.trim().parse::<usize>() {
                Ok(n) if (1..=STEP_TITLES.len()).contains(&n) => settings.step = Some(n - 1),
                _ => settings.notes.push(format!(
                    "step in the URL: \u{201c}{value}\u{201d} is not a step from 1 to {}; starting at step 1.",
                    STEP_TITLES.len()
                )),
            },
            "dataset" => match DatasetKind::parse(value) {
                Ok(kind) => settings.dataset = Some(kind),
                Err(e) => settings
                    .notes
                    .push(format!("dataset={value} in the URL: {e}; using toy.")),
            },
            "inject" if test_faults => match value {
                "device-lost" => settings.inject_device_loss = true,
                other => settings.notes.push(format!(
                    "inject={other} in the URL: the only test fault is device-lost."
                )),
            },
            _ => {}
        }
    }
    settings
}

/// `learning_rate is not a setting; did you mean lr?`: the key whose name or knob label is
/// nearest to `key` (ignoring case, and `-` or a space for `_`), within a third of its length in
/// edits.
fn unknown_key(key: &str) -> String {
    let mut nearest = (key.len().max(3) / 3 + 1, "");
    let mut consider = |spelling: &str, name: &'static str| {
        let d = edits(key.as_bytes(), spelling.as_bytes());
        if d < nearest.0 {
            nearest = (d, name);
        }
    };
    for name in PAGE_KEYS {
        consider(name, name);
    }
    for knob in Knob::ALL {
        consider(knob.key(), knob.key());
        consider(knob.label(), knob.key());
    }
    match nearest.1 {
        "" => format!("{key} is not a setting; it is ignored."),
        near => format!("{key} is not a setting; did you mean {near}?"),
    }
}

/// Levenshtein distance: insertions, deletions and substitutions of bytes turning `a` into `b`,
/// where case and `-`, `_` and a space do not count.
fn edits(a: &[u8], b: &[u8]) -> usize {
    let fold = |c: u8| match c {
        b'-' | b' ' => b'_',
        c => c.to_ascii_lowercase(),
    };
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(fold(ca) != fold(cb)))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The settings of the page's own URL.
pub fn from_location() -> UrlSettings {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return UrlSettings::default();
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    let entries = js_sys::try_iter(&params).ok().flatten();
    for entry in entries.into_iter().flatten().flatten() {
        let entry: js_sys::Array = entry.unchecked_into();
        if let (Some(k), Some(v)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((k, v));
        }
    }
    parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Sets (`Some`) or removes (`None`) URL parameters, keeping the others, without reloading.
pub fn update(changes: &[(&str, Option<String>)]) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let search = location.search().unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    for (key, value) in changes {
        match value {
            Some(v) => params.set(key, v),
            None => params.delete(key),
        }
    }
    let query = String::from(params.to_string());
    if query == search.trim_start_matches('?') {
        return;
    }
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let url = if query.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{query}{hash}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// While `active`, leaving or reloading the page asks first (a run would be lost).
#[hook]
pub fn use_leave_guard(active: bool) {
    use_effect_with(active, |&active| {
        let listener = active.then(web_sys::window).flatten().map(|window| {
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&window, "beforeunload", options, |event| {
                event.prevent_default();
                if let Some(e) = event.dyn_ref::<web_sys::BeforeUnloadEvent>() {
                    e.set_return_value("A run is under way.");
                }
            })
        });
        move || drop(listener)
    });
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
        assert!(parse([("lr", "1")]).notes.is_empty());
    }

    #[test]
    fn an_unknown_or_misspelt_key_gets_a_note_naming_the_nearest_key() {
        // Was: ignored without a word, the run taking the default.
        let s = parse([("learning_rate", "0.1"), ("Epochs", "2"), ("colour", "red")]);
        assert_eq!(
            s.notes,
            [
                "learning_rate is not a setting; did you mean lr?",
                "Epochs is not a setting; did you mean epochs?",
                "colour is not a setting; it is ignored.",
            ]
        );
        assert!(
            s.pairs.is_empty(),
            "unknown keys are not handed to the cells"
        );
        for (typed, near) in [
            ("weight-decay", "weight_decay"),
            ("momentun", "momentum"),
            ("batch_size", "batch"),
            ("datset", "dataset"),
            ("Width", "width"),
        ] {
            assert_eq!(
                parse([(typed, "1")]).notes,
                [format!("{typed} is not a setting; did you mean {near}?")]
            );
        }
    }

    #[test]
    fn no_key_the_page_writes_or_reads_gets_the_note() {
        let mut keys = vec!["backend", "x0", "step", "dataset", "loss"];
        for knob in Knob::ALL {
            keys.push(knob.key());
            keys.extend(knob.spec().aliases);
        }
        for key in keys {
            let s = parse([(key, "1")]);
            assert!(
                !s.notes.iter().any(|n| n.contains("not a setting")),
                "{key}: {:?}",
                s.notes
            );
            assert_eq!(s.pairs().next(), Some((key, "1")));
        }
    }

    #[test]
    fn the_test_fault_is_read_only_by_a_build_for_the_tests() {
        // Was: `inject=device-lost` broke a run on any site, a class's included.
        let production = read([("inject", "device-lost")], false);
        assert!(!production.inject_device_loss);
        assert_eq!(
            production.notes,
            ["inject is not a setting; it is ignored."]
        );
        let test = read([("inject", "device-lost")], true);
        assert!(test.inject_device_loss && test.notes.is_empty());
    }

    #[test]
    fn x0_and_step_are_read_and_bad_values_reported() {
        let s = parse([("x0", "-1"), ("step", "7")]);
        assert_eq!((s.x0, s.step), (Some(-1.0), Some(6)));
        assert!(s.notes.is_empty());
        let bad = parse([("x0", "abc"), ("step", "0")]);
        assert_eq!((bad.x0, bad.step), (None, None));
        assert_eq!(bad.notes.len(), 2);
        assert!(bad.notes[0].contains("abc") && bad.notes[0].ends_with("using x0 = 2."));
        assert!(parse([("x0", "inf")]).notes[0].contains("finite"));
        assert!(parse([("step", "99")]).notes[0].contains("from 1 to 9"));
    }

    #[test]
    fn the_dataset_and_the_test_fault_are_read() {
        let s = read(
            [
                ("dataset", "cifar"),
                ("inject", "device-lost"),
                ("epochs", "2"),
            ],
            true,
        );
        assert_eq!(s.dataset, Some(DatasetKind::Cifar));
        assert!(s.inject_device_loss);
        assert_eq!(s.pairs().nth(2), Some(("epochs", "2")));
        let bad = read([("dataset", "mnist"), ("inject", "fire")], true);
        assert_eq!(bad.dataset, None);
        assert_eq!(bad.notes.len(), 2);
        assert!(bad.notes[0].contains("mnist") && bad.notes[0].ends_with("using toy."));
    }

    #[test]
    fn a_key_given_twice_takes_its_last_value_and_says_so() {
        // A bad value before a good one: the note names the value used, not a default.
        let s = parse([
            ("x0", "abc"),
            ("epochs", "abc"),
            ("x0", "-1"),
            ("epochs", "5"),
        ]);
        assert_eq!(s.x0, Some(-1.0));
        assert_eq!(
            s.pairs().collect::<Vec<_>>(),
            [("x0", "-1"), ("epochs", "5")]
        );
        assert_eq!(
            s.notes,
            [
                "x0 is in the URL more than once: using the last, x0=-1.",
                "epochs is in the URL more than once: using the last, epochs=5."
            ]
        );
        // The same value twice needs no note; a bad last value gets its own.
        assert!(parse([("step", "2"), ("step", "2")]).notes.is_empty());
        let bad_last = parse([("step", "2"), ("step", "0")]);
        assert_eq!(bad_last.step, None);
        assert_eq!(bad_last.notes.len(), 2, "{:?}", bad_last.notes);
    }
}
