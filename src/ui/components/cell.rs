//! One notebook cell: a heading, a short intro, and (from later issues) its live content.

use yew::prelude::*;

use crate::ui::state::CellInfo;

#[derive(Properties, PartialEq)]
pub struct CellProps {
    pub info: CellInfo,
    pub index: usize,
    pub active: bool,
    pub on_focus: Callback<usize>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component]
pub fn Cell(props: &CellProps) -> Html {
    let CellProps {
        info,
        index,
        active,
        on_focus,
        children,
    } = props;
    let onclick = {
        let (on_focus, index) = (on_focus.clone(), *index);
        Callback::from(move |_: MouseEvent| on_focus.emit(index))
    };
    html! {
        <section
            id={info.id}
            class={classes!("cell", active.then_some("active"))}
            data-testid={format!("section-{}", info.id)}
            data-active={active.to_string()}
            aria-current={active.then_some("true")}
            {onclick}
        >
            <h2>{ info.title }</h2>
            <p class="intro">{ info.intro }</p>
            { children.clone() }
        </section>
    }
}
