//! The root component: the notebook shell (contents, four cells, status bar), its keys, and the
//! worker, handed to every cell through a context.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlElement, KeyboardEvent, ScrollBehavior, ScrollIntoViewOptions, ScrollLogicalPosition,
};
use yew::prelude::*;

use super::cells::CellId;
use super::components::{cell::Cell, key_help::KeyHelp, status_bar::StatusBar, toc::Toc};
use super::convnet::ConvNetCell;
use super::convnet::state::{self as convnet_state, ConvNetState};
use super::imbalance::ImbalanceCell;
use super::imbalance::state::{self as imbalance_state, ImbalanceState};
use super::paper::PaperCell;
use super::state::{Action, Notebook};
use super::theory::TheoryCell;
use super::theory::state::TheoryAction;
use super::url::{self, UrlSettings};
use super::worker_link::{Worker, use_compute_worker};
use crate::protocol::ToWorker;
use crate::settings::data::DatasetKind;
use crate::ui::training::form::Form;

/// Training batches before the test fault (`?inject=device-lost`) strikes.
const INJECTED_LOSS_AFTER: usize = 4;

/// The action a key press stands for, if any.
pub fn action_for_key(key: &str) -> Option<Action> {
    match key {
        "j" => Some(Action::NextCell),
        "k" => Some(Action::PreviousCell),
        "t" => Some(Action::ToggleLargeType),
        "ArrowRight" => Some(Action::NextStep),
        "ArrowLeft" => Some(Action::PreviousStep),
        "1" | "2" | "3" | "4" => key
            .parse::<usize>()
            .ok()
            .and_then(|n| CellId::from_index(n - 1))
            .map(Action::Focus),
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

fn scroll_to_cell(cell: CellId) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(cell.anchor()));
    if let Some(element) = element {
        let options = ScrollIntoViewOptions::new();
        options.set_behavior(ScrollBehavior::Smooth);
        options.set_block(ScrollLogicalPosition::Start);
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// The notebook as the URL asks for it.
fn initial(settings: &UrlSettings) -> Notebook {
    let mut notebook = Notebook::new(settings.backend, settings.notes.clone());
    if let Some(x0) = settings.x0 {
        notebook.theory.apply(TheoryAction::SetX0(x0));
    }
    if let Some(step) = settings.step {
        notebook.theory.apply(TheoryAction::Step(step));
    }
    let dataset = settings.dataset.unwrap_or(DatasetKind::Toy);
    let mut form = Form::defaults(dataset);
    let notes = form.read_url(&convnet_state::FIELDS, settings.pairs());
    notebook.convnet = ConvNetState::with_url(dataset, notes, form);
    let mut form = imbalance_state::defaults(dataset);
    let mut notes = form.read_url(&imbalance_state::URL_FIELDS, settings.pairs());
    notes.extend(form.read_loss_url(settings.pairs()));
    notebook.imbalance = ImbalanceState::new(dataset, form, notes);
    notebook
}

#[function_component]
pub fn App() -> Html {
    let settings = use_memo((), |_| url::from_location());
    let state = {
        let settings = settings.clone();
        use_reducer(move || initial(&settings))
    };
    let dispatch = {
        let state = state.clone();
        Callback::from(move |action: Action| state.dispatch(action))
    };
    let (request, generation) = state.compute.worker_request();
    let worker: Worker = use_compute_worker(request, generation, dispatch.clone());

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
    let backend = state.compute.backend_label();
    let convnet = &state.convnet;
    let paper_data = convnet.data.current().map(|d| d.source);
    let has_model = convnet.loaded.is_some()
        || convnet
            .run
            .as_ref()
            .is_some_and(|r| !r.epochs.is_empty() || r.results.is_some());
    let training = convnet.form.parse().map_err(|errors| {
        errors
            .iter()
            .map(|(_, e)| e.clone())
            .collect::<Vec<_>>()
            .join("; ")
    });
    let cell_body = |cell: CellId| match cell {
        CellId::Theory => html! {
            <TheoryCell state={state.theory.clone()} dispatch={dispatch.reform(Action::Theory)} backend={backend.clone()} />
        },
        CellId::ConvNet => html! {
            <ConvNetCell state={state.convnet.clone()} dispatch={dispatch.reform(Action::ConvNet)} backend={backend.clone()} />
        },
        CellId::Imbalance => html! {
            <ImbalanceCell state={state.imbalance.clone()} dispatch={dispatch.reform(Action::Imbalance)} backend={backend.clone()} />
        },
        CellId::Paper => html! {
            <PaperCell state={state.paper.clone()} dispatch={dispatch.reform(Action::Paper)} backend={backend.clone()}
                       data={paper_data} {has_model} training={training.clone()} />
        },
    };
    let on_toggle_large_type = dispatch.reform(|_| Action::ToggleLargeType);
    let on_retry = dispatch.reform(|_| Action::RetryWorker);
    html! {
        <ContextProvider<Worker> context={worker}>
            <div class={if state.large_type { "notebook large-type" } else { "notebook" }} data-testid="notebook">
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
                        { for CellId::ALL.iter().map(|&cell| html! {
                            <Cell id={cell} active={cell == state.active} on_focus={on_focus.clone()}>
                                { cell_body(cell) }
                            </Cell>
                        }) }
                    </main>
                </div>
                <StatusBar compute={state.compute.clone()} large_type={state.large_type} {on_toggle_large_type} {on_retry} />
            </div>
        </ContextProvider<Worker>>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action_for_key("j"), Some(Action::NextCell));
        assert_eq!(action_for_key("k"), Some(Action::PreviousCell));
        assert_eq!(action_for_key("3"), Some(Action::Focus(CellId::Imbalance)));
        assert_eq!(action_for_key("t"), Some(Action::ToggleLargeType));
        assert_eq!(action_for_key("ArrowRight"), Some(Action::NextStep));
        assert_eq!(action_for_key("ArrowLeft"), Some(Action::PreviousStep));
        assert_eq!(action_for_key("x"), None);
        assert_eq!(action_for_key("0"), None);
    }

    #[test]
    fn the_url_sets_the_cells_knobs_and_explains_bad_values() {
        let settings = url::parse([
            ("dataset", "toy"),
            ("epochs", "2"),
            ("lr", "fast"),
            ("imbalance", "100"),
            ("loss", "cb-focal"),
            ("beta", "1.5"),
        ]);
        let notebook = initial(&settings);
        use crate::ui::training::form::Field;
        assert_eq!(notebook.convnet.form.text(Field::Epochs), "2");
        assert!(notebook.convnet.notes.iter().any(|n| n.contains("lr=fast")));
        assert_eq!(notebook.imbalance.form.text(Field::Imbalance), "100");
        assert!(
            notebook
                .imbalance
                .notes
                .iter()
                .any(|n| n.contains("beta=1.5"))
        );
        assert_eq!(notebook.imbalance.form.text(Field::Beta), "0.9999");
    }
}
