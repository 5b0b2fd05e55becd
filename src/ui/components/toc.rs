//! The sticky table of contents: one link a cell, the active one marked.

use yew::prelude::*;

use crate::ui::cells::CellId;

#[derive(Properties, PartialEq)]
pub struct TocProps {
    pub active: CellId,
    pub on_focus: Callback<CellId>,
}

#[function_component]
pub fn Toc(props: &TocProps) -> Html {
    html! {
        <nav class="toc" aria-label="Contents" data-testid="toc">
            <h2>{ "Contents" }</h2>
            <ol>
            { for CellId::all().map(|cell| {
                let on_focus = props.on_focus.clone();
                let onclick = Callback::from(move |_: MouseEvent| on_focus.emit(cell));
                html! {
                    <li class={(cell == props.active).then_some("active")}>
                        <a href={format!("#{}", cell.anchor())} {onclick}>{ cell.title() }</a>
                    </li>
                }
            }) }
            </ol>
        </nav>
    }
}
