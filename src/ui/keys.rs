//! The keyboard: the shell's keys (cells, large type), a cell's buttons' keys
//! ([`press_cell_key`], from [`CELLS`]) and a cell's own (the theory cell's steps) all come
//! through [`use_keys`].

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::cells::CELLS;

/// Whether a key press belongs to a form control (typing a number must not jump cells).
fn typing_in_a_control(event: &KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    match target.tag_name().as_str() {
        "INPUT" | "TEXTAREA" | "SELECT" => true,
        // The space bar and Enter press a focused button or follow a focused link themselves.
        "BUTTON" | "A" | "SUMMARY" => matches!(event.key().as_str(), " " | "Enter"),
        _ => target.is_content_editable(),
    }
}

/// Presses the button that `key` stands for in the active cell (its `keys` in [`CELLS`]): the
/// first of the key's buttons that is enabled. True when the key is one of the cell's, pressed
/// or not (all its buttons disabled), so that it does nothing else, such as scrolling the page.
pub fn press_cell_key(key: &str) -> bool {
    let Some(active) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("section.cell.active").ok().flatten())
    else {
        return false;
    };
    let id = active.id();
    let Some(cell_key) = CELLS
        .iter()
        .find(|c| c.anchor == id)
        .and_then(|c| c.keys.iter().find(|k| k.key == key))
    else {
        return false;
    };
    let enabled = cell_key.buttons.iter().find_map(|testid| {
        active
            .query_selector(&format!("[data-testid=\"{testid}\"]"))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            .filter(|button| !button.has_attribute("disabled"))
    });
    if let Some(button) = enabled {
        button.click();
    }
    true
}

/// While `enabled`, hands `on_key` each key pressed on the page (its `key`, e.g. `j` or
/// `ArrowRight`), except keys held with Ctrl, Alt or Meta and keys typed into a form control; a
/// key `on_key` takes (returns true for) does nothing else. `on_key` is the one given when
/// `enabled` last changed.
#[hook]
pub fn use_keys(enabled: bool, on_key: Rc<dyn Fn(&str) -> bool>) {
    use_effect_with(enabled, move |&enabled| {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .filter(|_| enabled);
        let listener = document.map(|document| {
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&document, "keydown", options, move |event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if !(event.ctrl_key()
                    || event.meta_key()
                    || event.alt_key()
                    || typing_in_a_control(event))
                    && on_key(&event.key())
                {
                    event.prevent_default();
                }
            })
        });
        move || drop(listener)
    });
}

/// What [`use_keys`] calls: dispatches the action `for_key` finds, if any.
pub fn dispatching<A: 'static>(
    for_key: fn(&str) -> Option<A>,
    dispatch: Callback<A>,
) -> Rc<dyn Fn(&str) -> bool> {
    Rc::new(move |key| for_key(key).map(|action| dispatch.emit(action)).is_some())
}
