//! The root component: the notebook shell (contents, the cells of `cells::CELLS`, status bar),
//! its keys, and the worker, handed to every cell through a context. The shell keeps only its
//! own state (`state::Notebook`); each cell keeps its own.

use std::rc::Rc;
use web_sys::{ScrollBehavior, ScrollIntoViewOptions, ScrollLogicalPosition};

use yew::prelude::*;

use super::cells::{CellId, CellProps};
use super::components::{cell::cell, key_help::key_help, status_bar::status_bar, toc::toc};
use super::keys::{dispatching, press_cell_key, use_keys};
use super::plot::LargeType;
use super::state::{Action, Notebook};
use super::url;
use super::worker_link::{Worker, use_compute_worker, use_replies};
use crate::protocol::ToWorker;

/// Training batches before the test fault (`?inject=device-lost`) strikes.
const INJECTED_LOSS_AFTER: usize = 4;

/// The action a key press stands for, if any: the cells' keys are 1 … N, one a cell.
pub fn action_for_key(key: &str) -> Option<Action> {
    match key {
        "j" => Some(Action::NextCell),
        "k" => Some(Action::PreviousCell),
        "t" => Some(Action::ToggleLargeType),
        _ => key
            .parse::<usize>()
            .ok()
            .and_then(|n| CellId::from_index(n.checked_sub(1)?))
            .filter(|_| key.len() == 1)
            .map(Action::Focus),
    }
}

fn scroll_to_cell(cell: CellId) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(cell.anchor()));
    if let Some(element) = element {
        let options = ScrollIntoViewOptions::new();
        // Smoothly, unless the reader's system asks for reduced motion.
        let reduced = web_sys::window()
            .and_then(|w| {
                w.match_media("(prefers-reduced-motion: reduce)")
                    .ok()
                    .flatten()
            })
            .is_some_and(|query| query.matches());
        options.set_behavior(if reduced {
            ScrollBehavior::Instant
        } else {
            ScrollBehavior::Smooth
        });
        options.set_block(ScrollLogicalPosition::Start);
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

#[function_component]
pub fn App() -> Html {
    let settings = use_memo((), |_| url::from_location());
    let state = {
        let settings = settings.clone();
        use_reducer(move || Notebook::new(settings.backend, settings.notes.clone()))
    };
    let dispatch = state.dispatcher();
    let (request, generation) = state.compute.worker_request();
    let worker: Worker = use_compute_worker(request, generation);
    use_replies(&worker, dispatch.clone(), Action::heard);

    // The test fault, armed once the backend is chosen.
    {
        let worker = worker.clone();
        let ready = state.compute.backend_label().is_some();
        let inject = settings.inject_device_loss;
        use_effect_with((ready, generation), move |&(ready, _)| {
            if ready && inject {
                worker.send(ToWorker::InjectDeviceLoss {
                    after_batches: INJECTED_LOSS_AFTER,
                });
            }
        });
    }

    // Keys, on the whole document, for as long as the app lives.
    use_keys(true, {
        let shell = dispatching(action_for_key, dispatch.to_callback());
        Rc::new(move |key| shell(key) || press_cell_key(key))
    });

    // Bring the active cell into view whenever it changes (not on the first render).
    {
        let first = use_mut_ref(|| true);
        use_effect_with(state.active, move |&active| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                scroll_to_cell(active);
            }
        });
    }

    let on_focus = dispatch.to_callback().reform(Action::Focus);
    let backend = state.compute.backend_label();
    let on_toggle_large_type = dispatch.to_callback().reform(|_| Action::ToggleLargeType);
    let on_retry = dispatch.to_callback().reform(|_| Action::RetryWorker);
    html! {
        <ContextProvider<Worker> context={worker}>
            <div class={if state.large_type { "notebook large-type" } else { "notebook" }} data-testid="notebook">
                <header class="masthead">
                    <h1>{ "lectern" }</h1>
                    <p class="tagline">{ "A live notebook on ReLU networks, ConvNets, class imbalance and texture bias — computed in your browser." }</p>
                </header>
                <div class="layout">
                    <div class="sidebar">
                        { toc(state.active, &on_focus) }
                        { key_help() }
                    </div>
                    <ContextProvider<LargeType> context={LargeType(state.large_type)}>
                    <main class="cells">
                        { for CellId::all().map(|id| {
                            let active = id == state.active;
                            let body = (id.spec().view)(CellProps { active, backend: backend.clone() });
                            cell(id, active, &on_focus, body)
                        }) }
                    </main>
                    </ContextProvider<LargeType>>
                </div>
                { status_bar(&state.compute, state.large_type, &on_toggle_large_type, &on_retry) }
            </div>
        </ContextProvider<Worker>>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ui::cells::CELLS;

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action_for_key("j"), Some(Action::NextCell));
        assert_eq!(action_for_key("k"), Some(Action::PreviousCell));
        assert_eq!(action_for_key("t"), Some(Action::ToggleLargeType));
        assert_eq!(action_for_key("x"), None);
        assert_eq!(
            action_for_key("ArrowRight"),
            None,
            "the theory cell's own key"
        );
    }

    #[test]
    fn the_digit_keys_are_one_a_cell() {
        assert_eq!(action_for_key("0"), None);
        for cell in CellId::all() {
            let key = (cell.index() + 1).to_string();
            assert_eq!(action_for_key(&key), Some(Action::Focus(cell)));
        }
        assert_eq!(action_for_key(&(CELLS.len() + 1).to_string()), None);
        assert_eq!(action_for_key("+1"), None);
    }

    #[test]
    fn the_key_help_names_the_digit_keys_there_are() {
        use crate::ui::components::key_help::SHORTCUTS;
        let (keys, what) = SHORTCUTS
            .into_iter()
            .find(|(_, what)| what.contains("jump to a cell"))
            .unwrap();
        let (first, last) = keys.split_once(" \u{2013} ").expect(what);
        assert_eq!(action_for_key(first), Some(Action::Focus(CellId::FIRST)));
        assert_eq!(action_for_key(last), Some(Action::Focus(CellId::LAST)));
        let after: usize = last.parse().unwrap();
        assert_eq!(action_for_key(&(after + 1).to_string()), None);
    }
}
