//! The keyboard shortcuts, documented on the page where people look for them.

use yew::prelude::*;

use crate::ui::cells::{CELLS, CellId};

/// The cells' keys, `1 – N`, from the list of cells (written at compile time: N < 10).
const CELL_KEYS: [u8; 7] = {
    let mut keys = *"1 \u{2013} 0".as_bytes().first_chunk::<7>().unwrap();
    assert!(CELLS.len() < 10);
    keys[6] = b'0' + CELLS.len() as u8;
    keys
};

/// (keys, what they do), in the order shown.
pub const SHORTCUTS: [(&str, &str); 5] = [
    ("j / k", "next / previous cell"),
    ("\u{2190} / \u{2192}", "previous / next step of the cell"),
    (
        match std::str::from_utf8(&CELL_KEYS) {
            Ok(keys) => keys,
            Err(_) => panic!("the cells' keys are text"),
        },
        "jump to a cell",
    ),
    ("t", "large type (projector) on / off"),
    ("Tab", "move between controls"),
];

pub fn key_help() -> Html {
    html! {
        <aside class="key-help" data-testid="key-help" aria-label="Keyboard shortcuts">
            <h2>{ "Keys" }</h2>
            <dl>
            { for SHORTCUTS.iter().map(|(keys, what)| html! {
                <><dt><kbd>{ *keys }</kbd></dt><dd>{ *what }</dd></>
            }) }
            </dl>
            { for CellId::all().filter(|c| !c.spec().keys.is_empty()).map(|cell| html! {
                <>
                    <h3>{ format!("In cell {}", cell.index() + 1) }</h3>
                    <dl data-testid={format!("keys-{}", cell.anchor())}>
                    { for cell.spec().keys.iter().map(|k| html! {
                        <><dt><kbd>{ k.shown }</kbd></dt><dd>{ k.what }</dd></>
                    }) }
                    </dl>
                </>
            }) }
        </aside>
    }
}
