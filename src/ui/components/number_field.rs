//! A text field bound to a number (the theory cell's x₀ and plot range): it keeps what the person
//! types, checks it, and follows the value when it changes elsewhere.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::format::plain;
use crate::ui::theory::state::parse_x;

/// A text field bound to a number: keeps what the person types, reports a bad value under it,
/// and follows the value when it changes elsewhere.
#[derive(Properties, PartialEq)]
pub struct NumberFieldProps {
    pub label: AttrValue,
    pub value: f64,
    /// Takes a parsed number; an `Err` is shown under the field and the value is not used.
    pub on_value: Callback<f64, Result<(), String>>,
    pub testid: AttrValue,
}

#[function_component]
pub fn NumberField(props: &NumberFieldProps) -> Html {
    let text = use_state(|| plain(props.value));
    let error = use_state(|| None::<String>);
    {
        let (text, error) = (text.clone(), error.clone());
        use_effect_with(props.value, move |&value| {
            if parse_x("", &text).ok() != Some(value) {
                text.set(plain(value));
                error.set(None);
            }
        });
    }
    let oninput = {
        let (text, error, on_value, label) = (
            text.clone(),
            error.clone(),
            props.on_value.clone(),
            props.label.clone(),
        );
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            error.set(parse_x(&label, &value).and_then(|v| on_value.emit(v)).err());
            text.set(value);
        })
    };
    // Enter leaves the field, so the arrow keys step through the derivation again.
    let onkeydown = Callback::from(|e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == "Escape" {
            let _ = e.target_unchecked_into::<HtmlInputElement>().blur();
        }
    });
    html! {
        <label class="number-field">
            <span>{ props.label.clone() }</span>
            <input type="text" inputmode="decimal" value={(*text).clone()} {oninput} {onkeydown}
                   data-testid={props.testid.clone()} aria-invalid={error.is_some().to_string()} />
            if let Some(e) = &*error { <span class="field-error" role="alert">{ e.clone() }</span> }
        </label>
    }
}
