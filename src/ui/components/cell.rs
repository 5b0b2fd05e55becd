//! One notebook cell: a heading, a short intro, and its live content.

use yew::prelude::*;

use crate::ui::cells::CellId;

pub fn cell(id: CellId, active: bool, on_focus: &Callback<CellId>, body: Html) -> Html {
    let onclick = {
        let on_focus = on_focus.clone();
        Callback::from(move |_: MouseEvent| on_focus.emit(id))
    };
    html! {
        <section
            id={id.anchor()}
            class={if active { "cell active" } else { "cell" }}
            data-testid={format!("section-{}", id.anchor())}
            data-active={active.to_string()}
            aria-current={active.then_some("true")}
            {onclick}
        >
            <h2>{ id.title() }</h2>
            <p class="intro">{ id.spec().intro }</p>
            { body }
        </section>
    }
}
