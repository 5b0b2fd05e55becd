//! The keyboard: the shell's keys (cells, large type) and a cell's own (the theory cell's steps)
//! both come through [`use_keys`].

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

/// Whether a key press belongs to a form control (typing a number must not jump cells).
fn typing_in_a_control(event: &KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    matches!(target.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || target.is_content_editable()
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
