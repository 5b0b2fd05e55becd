//! The root component: the notebook shell (contents, four cells, status bar) and its keys.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlElement, KeyboardEvent, ScrollBehavior, ScrollIntoViewOptions, ScrollLogicalPosition,
};
use yew::prelude::*;

use super::components::{cell::Cell, key_help::KeyHelp, status_bar::StatusBar, toc::Toc};
use super::state::{Action, CELLS, ComputeStatus, Notebook};
use super::theory::TheoryCell;
use super::theory::state::{TheoryAction, TheoryState};
use super::url;
use super::worker_link::use_compute_worker;
use crate::protocol::ToWorker;

/// The action a key press stands for, if any.
pub fn action_for_key(key: &str) -> Option<Action> {
    match key {
        "j" => Some(Action::NextCell),
        "k" => Some(Action::PreviousCell),
        "t" => Some(Action::ToggleLargeType),
        "ArrowRight" => Some(Action::NextStep),
        "ArrowLeft" => Some(Action::PreviousStep),
        "1" | "2" | "3" | "4" => key.parse::<usize>().ok().map(|n| Action::Focus(n - 1)),
        _ => None,
    }
}

/// Whether a key press belongs to a form control (typing a number must not jump cells).
fn typing_in_a_control(event: &KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    matches!(target.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || target.is_content_editable()
}

fn scroll_to_cell(index: usize) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(CELLS[index].id));
    if let Some(element) = element {
        let options = ScrollIntoViewOptions::new();
        options.set_behavior(ScrollBehavior::Smooth);
        options.set_block(ScrollLogicalPosition::Start);
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(|| {
        let settings = url::from_location();
        let mut theory = TheoryState::default();
        if let Some(x0) = settings.x0 {
            theory.apply(TheoryAction::SetX0(x0));
        }
        if let Some(step) = settings.step {
            theory.apply(TheoryAction::Step(step));
        }
        Notebook::new(settings.backend, settings.notes, theory)
    });

    let dispatch = {
        let state = state.clone();
        Callback::from(move |action: Action| state.dispatch(action))
    };
    let (request, generation) = state.worker_request();
    let send = use_compute_worker(request, generation, dispatch.clone());

    // Keys, on the whole document, for as long as the app lives.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let listener = document.map(|document| {
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&document, "keydown", options, move |event| {
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if event.ctrl_key()
                        || event.meta_key()
                        || event.alt_key()
                        || typing_in_a_control(event)
                    {
                        return;
                    }
                    if let Some(action) = action_for_key(&event.key()) {
                        event.prevent_default();
                        dispatch.emit(action);
                    }
                })
            });
            move || drop(listener)
        });
    }

    // Bring the active cell into view whenever it changes (not on the first render).
    {
        let first = use_mut_ref(|| true);
        use_effect_with(state.active, move |&active| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                scroll_to_cell(active);
            }
        });
    }

    let on_focus = dispatch.reform(Action::Focus);
    let backend = match &state.compute {
        ComputeStatus::Ready { backend, .. } => Some(backend.label()),
        _ => None,
    };
    let request_autodiff = send.reform(|(network, x0)| ToWorker::Autodiff { network, x0 });
    let run_dead_relu = {
        let (send, dispatch) = (send.clone(), dispatch.clone());
        Callback::from(move |settings| {
            dispatch.emit(Action::DeadReluStarted);
            send.emit(ToWorker::DeadRelu(settings));
        })
    };
    let cell_body = |id: &str| match id {
        "theory" => html! {
            <TheoryCell state={state.theory.clone()} dispatch={dispatch.reform(Action::Theory)}
                        autodiff={state.autodiff.clone()} backend={backend.clone()}
                        request_autodiff={request_autodiff.clone()}
                        dead_relu={state.dead_relu.clone()} dead_relu_running={state.dead_relu_running}
                        run_dead_relu={run_dead_relu.clone()} />
        },
        _ => {
            html! { <p class="coming">{ "This cell's live experiment comes in a later version of lectern." }</p> }
        }
    };
    let on_toggle_large_type = dispatch.reform(|_| Action::ToggleLargeType);
    html! {
        <div class={classes!("notebook", state.large_type.then_some("large-type"))} data-testid="notebook">
            <header class="masthead">
                <h1>{ "lectern" }</h1>
                <p class="tagline">{ "A live notebook on ReLU networks, ConvNets, class imbalance and texture bias — computed in your browser." }</p>
            </header>
            <div class="layout">
                <div class="sidebar">
                    <Toc active={state.active} on_focus={on_focus.clone()} />
                    <KeyHelp />
                </div>
                <main class="cells">
                    { for CELLS.iter().enumerate().map(|(i, info)| html! {
                        <Cell info={*info} index={i} active={i == state.active} on_focus={on_focus.clone()}>
                            { cell_body(info.id) }
                        </Cell>
                    }) }
                </main>
            </div>
            <StatusBar state={(*state).clone()} {on_toggle_large_type} />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action_for_key("j"), Some(Action::NextCell));
        assert_eq!(action_for_key("k"), Some(Action::PreviousCell));
        assert_eq!(action_for_key("3"), Some(Action::Focus(2)));
        assert_eq!(action_for_key("t"), Some(Action::ToggleLargeType));
        assert_eq!(action_for_key("ArrowRight"), Some(Action::NextStep));
        assert_eq!(action_for_key("ArrowLeft"), Some(Action::PreviousStep));
        assert_eq!(action_for_key("x"), None);
        assert_eq!(action_for_key("0"), None);
    }
}
