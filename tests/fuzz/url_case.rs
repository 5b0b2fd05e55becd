//! One URL case: what the page does with its query string (`url::parse`, then each cell's state
//! from it, as the cells build theirs), natively.

use lectern::ui::convnet::state::ConvNetState;
use lectern::ui::imbalance::state::ImbalanceState;
use lectern::ui::state::Notebook;
use lectern::ui::theory::state::TheoryState;
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
    let _ = Notebook::new(settings.backend, settings.notes.clone());
    let _ = TheoryState::from_url(&settings);
    let _ = ConvNetState::from_url(&settings).trained_model();
    let imbalance = ImbalanceState::from_url(&settings);
    let _ = imbalance.sweep_betas();
    match imbalance.planned() {
        Ok(_) if settings.notes.is_empty() => "planned, no note",
        Ok(_) => "planned, with notes",
        Err(_) => "refused",
    }
}
