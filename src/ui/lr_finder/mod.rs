//! The learning-rate finder (a placeholder): the range of rates a sweep would try.

pub mod state;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use self::state::{LrFinderAction, LrFinderState};
use crate::ui::cells::{CellProps, CellSpec};
use crate::ui::worker_link::{Worker, use_replies};

/// The cell, as the notebook lists it.
pub const CELL: CellSpec = CellSpec {
    anchor: "lr-finder",
    title: "A learning-rate finder",
    intro: "Train for a few hundred batches while the learning rate grows from tiny to too \
            large, and read off the rate where the loss falls fastest — the range test of \
            Smith (2017). A placeholder: the sweep itself is yet to come.",
    view: |props| html! { <LrFinderCell ..props /> },
};

#[function_component]
pub fn LrFinderCell(_props: &CellProps) -> Html {
    let worker = use_context::<Worker>().expect("the worker context");
    let state = use_reducer(LrFinderState::default);
    use_replies(&worker, state.dispatcher(), LrFinderAction::heard);
    let on_range = state.dispatcher().to_callback().reform(|e: InputEvent| {
        LrFinderAction::Range(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    html! {
        <div class="lr-finder">
            <label class="knob">
                <span class="knob-label">{ "learning rates" }</span>
                <input type="text" value={state.range.clone()} oninput={on_range} data-testid="lr-range" />
            </label>
        </div>
    }
}
