//! One URL case: what `ui::app`'s `initial` does with the page's query string, natively.

use lectern::settings::data::DatasetKind;
use lectern::ui::convnet::state::{self as convnet_state, ConvNetState};
use lectern::ui::imbalance::state::{self as imbalance_state, ImbalanceState};
use lectern::ui::state::Notebook;
use lectern::ui::theory::state::TheoryAction;
use lectern::ui::training::form::Form;
use lectern::ui::url;

/// Splits `query` as `URLSearchParams` would (already decoded) and builds the notebook from it.
pub fn run(query: &str) -> &'static str {
    let pairs: Vec<(&str, &str)> = query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    let settings = url::parse(pairs.iter().copied());
    for note in &settings.notes {
        assert!(!note.is_empty());
    }
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
    let _ = form.parse();
    notebook.convnet = ConvNetState::with_url(dataset, notes, form);
    let mut form = imbalance_state::defaults(dataset);
    let mut notes = form.read_url(&imbalance_state::URL_FIELDS, settings.pairs());
    notes.extend(form.read_loss_url(settings.pairs()));
    notebook.imbalance = ImbalanceState::new(dataset, form, notes);
    let _ = notebook.imbalance.sweep_betas();
    match notebook.imbalance.planned() {
        Ok(_) if settings.notes.is_empty() => "planned, no note",
        Ok(_) => "planned, with notes",
        Err(_) => "refused",
    }
}
