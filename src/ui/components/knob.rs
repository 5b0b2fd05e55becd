//! A training knob: a labelled text field that keeps what is typed, shows the allowed range and,
//! under it, why a value is refused.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::training::form::{Field, Form};

/// The knob for `field` of `form`; its `data-testid` is `<key>-input`.
pub fn knob(field: Field, form: &Form, on_edit: &Callback<(Field, String)>) -> Html {
    let error = form.error(field);
    let oninput = {
        let on_edit = on_edit.clone();
        Callback::from(move |e: InputEvent| {
            on_edit.emit((field, e.target_unchecked_into::<HtmlInputElement>().value()))
        })
    };
    // Enter leaves the field, so the page's keys work again.
    let onkeydown = Callback::from(|e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == "Escape" {
            let _ = e.target_unchecked_into::<HtmlInputElement>().blur();
        }
    });
    let testid = format!("{}-input", field.key().replace('_', "-"));
    html! {
        <label class={if error.is_some() { "knob invalid" } else { "knob" }}>
            <span class="knob-label">{ field.label() }</span>
            <input type="text" inputmode="decimal" value={form.text(field).to_string()}
                   {oninput} {onkeydown} data-testid={testid}
                   aria-invalid={error.is_some().to_string()} title={field.hint()} />
            <span class="knob-range">{ field.hint() }</span>
            if let Some(e) = error { <span class="field-error" role="alert">{ e }</span> }
        </label>
    }
}
