//! A training knob: a labelled text field that keeps what is typed, shows the allowed range and,
//! under it, why a value is refused.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::training::form::{Field, Form};

#[derive(Properties, PartialEq)]
pub struct KnobProps {
    pub field: Field,
    pub form: Form,
    pub on_edit: Callback<(Field, String)>,
    /// Greyed out (e.g. while a run trains).
    #[prop_or_default]
    pub disabled: bool,
    /// The `data-testid` (default: `<key>-input`).
    #[prop_or_default]
    pub testid: Option<AttrValue>,
}

#[function_component]
pub fn Knob(props: &KnobProps) -> Html {
    let field = props.field;
    let error = props.form.error(field);
    let oninput = {
        let on_edit = props.on_edit.clone();
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
    let testid = props
        .testid
        .clone()
        .unwrap_or_else(|| format!("{}-input", field.key().replace('_', "-")).into());
    html! {
        <label class={if error.is_some() { "knob invalid" } else { "knob" }}>
            <span class="knob-label">{ field.label() }</span>
            <input type="text" inputmode="decimal" value={props.form.text(field).to_string()}
                   {oninput} {onkeydown} disabled={props.disabled} data-testid={testid}
                   aria-invalid={error.is_some().to_string()} title={field.hint()} />
            <span class="knob-range">{ field.hint() }</span>
            if let Some(e) = error { <span class="field-error" role="alert">{ e }</span> }
        </label>
    }
}
