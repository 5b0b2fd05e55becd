//! The keyboard shortcuts, documented on the page where people look for them.

use yew::prelude::*;

/// (keys, what they do), in the order shown.
pub const SHORTCUTS: [(&str, &str); 5] = [
    ("j / k", "next / previous cell"),
    ("\u{2190} / \u{2192}", "previous / next step of the cell"),
    ("1 – 4", "jump to a cell"),
    ("t", "large type (projector) on / off"),
    ("Tab", "move between controls"),
];

#[function_component]
pub fn KeyHelp() -> Html {
    html! {
        <aside class="key-help" data-testid="key-help" aria-label="Keyboard shortcuts">
            <h2>{ "Keys" }</h2>
            <dl>
            { for SHORTCUTS.iter().map(|(keys, what)| html! {
                <><dt><kbd>{ *keys }</kbd></dt><dd>{ *what }</dd></>
            }) }
            </dl>
        </aside>
    }
}
