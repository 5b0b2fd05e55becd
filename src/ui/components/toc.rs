//! The sticky table of contents: one link a cell, the active one marked.

use yew::prelude::*;

use crate::ui::cells::CellId;

pub fn toc(active: CellId, on_focus: &Callback<CellId>) -> Html {
    html! {
        <nav class="toc" aria-label="Contents" data-testid="toc">
            <h2>{ "Contents" }</h2>
            <ol>
            { for CellId::all().map(|cell| {
                let on_focus = on_focus.clone();
                let onclick = Callback::from(move |_: MouseEvent| on_focus.emit(cell));
                html! {
                    <li class={(cell == active).then_some("active")}>
                        <a href={format!("#{}", cell.anchor())} {onclick}>{ cell.title() }</a>
                    </li>
                }
            }) }
            </ol>
        </nav>
    }
}
