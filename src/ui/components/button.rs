//! The cells' plain buttons, built by one function: each `html!` button costs the UI bundle its
//! own code, this one shape is built once (docs/bundles.md).

use yew::prelude::*;

/// `<button type="button" class=… onclick=… disabled=… data-testid=…>label</button>`; no `class`
/// attribute when `class` is `None`.
#[inline(never)]
pub fn button(
    testid: &'static str,
    label: &'static str,
    class: Option<&'static str>,
    disabled: bool,
    onclick: Callback<MouseEvent>,
) -> Html {
    html! { <button type="button" {class} {onclick} {disabled} data-testid={testid}>{ label }</button> }
}
