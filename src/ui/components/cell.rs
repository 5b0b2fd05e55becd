//! One notebook cell: a heading, a short intro, and its live content.

use yew::prelude::*;

use crate::ui::cells::CellId;

#[derive(Properties, PartialEq)]
pub struct CellProps {
    pub id: CellId,
    pub active: bool,
    pub on_focus: Callback<CellId>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component]
pub fn Cell(props: &CellProps) -> Html {
    let CellProps {
        id,
        active,
        on_focus,
        children,
    } = props;
    let onclick = {
        let (on_focus, id) = (on_focus.clone(), *id);
        Callback::from(move |_: MouseEvent| on_focus.emit(id))
    };
    html! {
        <section
            id={id.anchor()}
            class={if *active { "cell active" } else { "cell" }}
            data-testid={format!("section-{}", id.anchor())}
            data-active={active.to_string()}
            aria-current={active.then_some("true")}
            {onclick}
        >
            <h2>{ id.title() }</h2>
            <p class="intro">{ id.spec().intro }</p>
            { children.clone() }
        </section>
    }
}
