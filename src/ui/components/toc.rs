//! The sticky table of contents: one link a cell, the active one marked.

use yew::prelude::*;

use crate::ui::state::CELLS;

#[derive(Properties, PartialEq)]
pub struct TocProps {
    pub active: usize,
    pub on_focus: Callback<usize>,
}

#[function_component]
pub fn Toc(props: &TocProps) -> Html {
    html! {
        <nav class="toc" aria-label="Contents" data-testid="toc">
            <h2>{ "Contents" }</h2>
            <ol>
            { for CELLS.iter().enumerate().map(|(i, cell)| {
                let on_focus = props.on_focus.clone();
                let onclick = Callback::from(move |_: MouseEvent| on_focus.emit(i));
                html! {
                    <li class={classes!((i == props.active).then_some("active"))}>
                        <a href={format!("#{}", cell.id)} {onclick}>{ cell.title }</a>
                    </li>
                }
            }) }
            </ol>
        </nav>
    }
}
