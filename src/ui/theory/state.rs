//! The theory cell's state, its component's reducer: x0, the revealed step, the network being
//! studied and the plot's range.

use super::check_work;
use crate::format::plain;
use crate::protocol::FromWorker;
use crate::protocol::theory::{AutodiffResult, DeadReluReport, Reply};
use crate::settings::dead_relu::DeadReluSettings;
use crate::theory::Network;
use crate::theory::check::{Verdict, check};
use crate::theory::numbers::parse_list;
use crate::ui::cells::reducible;
use crate::ui::heard::Heard;
use crate::ui::url::UrlSettings;

/// The derivation's steps, in order; the URL's `step` is 1-based into this list.
pub const STEP_TITLES: [&str; 9] = [
    "First layer: z\u{b9} = W\u{b9}x\u{2080} + b\u{b9}",
    "ReLU: y\u{b9} = ReLU(z\u{b9})",
    "Second layer: z\u{b2} = W\u{b2}y\u{b9} + b\u{b2}",
    "ReLU: y\u{b2} = ReLU(z\u{b2})",
    "Output: h(x\u{2080}) = (1, 1)\u{b7}y\u{b2} \u{2212} 1",
    "ReLU\u{2032} and the active masks D\u{b9}, D\u{b2}",
    "Chain rule: h\u{2032}(x\u{2080}) = (1, 1)\u{b7}D\u{b2}W\u{b2}D\u{b9}W\u{b9}",
    "Tangent: W = h\u{2032}(x\u{2080}), b = h(x\u{2080}) \u{2212} W\u{b7}x\u{2080}",
    "The tangent line Wx + b",
];

/// The assignment's three points, offered as buttons.
pub const PRESETS: [f64; 3] = [2.0, -1.0, 1.0];

/// The x0 the cell opens at.
pub const DEFAULT_X0: f64 = 2.0;

/// Largest |x| the page accepts for x0 and the plot range.
pub const MAX_ABS_X: f64 = 1e6;

/// The weight fields' names: W¹, b¹, W² (row by row), b².
pub const WEIGHT_NAMES: [&str; 4] = ["W\u{b9}", "b\u{b9}", "W\u{b2}", "b\u{b2}"];

/// The weight fields' texts for `n`: `1.5, 0.5` and so on.
fn weight_texts(n: &Network) -> [String; 4] {
    let list = |v: &[f64]| v.iter().map(|&x| plain(x)).collect::<Vec<_>>().join(", ");
    [
        list(&n.w1),
        list(&n.b1),
        list(&[n.w2[0][0], n.w2[0][1], n.w2[1][0], n.w2[1][1]]),
        list(&n.b2),
    ]
}

#[derive(Debug, Clone, PartialEq)]
pub struct TheoryState {
    pub x0: f64,
    /// Index into [`STEP_TITLES`] of the last revealed step.
    pub step: usize,
    pub network: Network,
    /// The plot's x range.
    pub range: (f64, f64),
    /// The worker's latest autodiff answer.
    pub autodiff: Option<Result<AutodiffResult, String>>,
    /// The dead-ReLU demo's latest result, and whether a run is under way.
    pub dead_relu: Option<Result<DeadReluReport, String>>,
    pub dead_relu_running: bool,
    /// The dead-ReLU demo's knobs, as set (checked when it runs).
    pub dead_relu_settings: DeadReluSettings,
    /// The four weight fields as typed (kept until the weights change), and why the last one
    /// applied was refused.
    pub weight_texts: [String; 4],
    pub weight_error: Option<String>,
    /// "Check my work": each field's text as typed, and the verdict on the last Check.
    pub check_texts: Vec<String>,
    pub check_result: Option<Result<Verdict, String>>,
}

impl Default for TheoryState {
    fn default() -> Self {
        Self {
            x0: DEFAULT_X0,
            step: 0,
            network: Network::default(),
            range: (-4.0, 3.0),
            autodiff: None,
            dead_relu: None,
            dead_relu_running: false,
            dead_relu_settings: DeadReluSettings::default(),
            weight_texts: weight_texts(&Network::default()),
            weight_error: None,
            check_texts: vec![String::new(); check_work::FIELDS.len()],
            check_result: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TheoryAction {
    NextStep,
    PreviousStep,
    /// Jump to a step (clamped to the last one).
    Step(usize),
    /// A new x0 (already validated as finite).
    SetX0(f64),
    SetNetwork(Network),
    SetRange(f64, f64),
    /// The dead-ReLU demo's knobs changed.
    DeadReluSettings(DeadReluSettings),
    /// A weight field's text typed; applied (Enter or leaving it); the assignment's weights.
    WeightText(usize, String),
    ApplyWeight(usize),
    ResetWeights,
    /// "Check my work": a field's text typed, a student's answer loaded (every field), Check.
    CheckText(usize, String),
    CheckLoad(Vec<String>),
    Check,
    /// A dead-ReLU training run was sent to the worker.
    DeadReluStarted,
    /// The worker answered one of this cell's requests.
    Reply(Reply),
    /// The worker stopped: nothing it was doing will answer.
    WorkerStopped,
}

impl TheoryAction {
    /// What the cell takes from what the worker says.
    pub fn heard(heard: &mut Option<Heard>) -> Option<Self> {
        let mine = |reply| match reply {
            FromWorker::Theory(reply) => Ok(Self::Reply(reply)),
            other => Err(other),
        };
        Heard::pick(heard, mine, |_| Self::WorkerStopped)
    }

    /// The cell's own keys (while it is the active cell): ← and → step.
    pub fn for_key(key: &str) -> Option<Self> {
        match key {
            "ArrowRight" => Some(Self::NextStep),
            "ArrowLeft" => Some(Self::PreviousStep),
            _ => None,
        }
    }
}

reducible!(TheoryState, TheoryAction);

impl TheoryState {
    /// The state the URL asks for (x0, the step).
    pub fn from_url(settings: &UrlSettings) -> Self {
        let mut state = Self::default();
        if let Some(x0) = settings.x0 {
            state.apply(TheoryAction::SetX0(x0));
        }
        if let Some(step) = settings.step {
            state.apply(TheoryAction::Step(step));
        }
        state
    }

    /// New weights: the fields show them, and no refusal stands.
    fn set_network(&mut self, network: Network) {
        self.network = network;
        self.weight_texts = weight_texts(&network);
        self.weight_error = None;
    }

    /// Reads weight field `i` (a list of numbers) into the network, or says why not.
    fn apply_weight(&mut self, i: usize) {
        let Some(text) = self.weight_texts.get(i) else {
            return;
        };
        let mut next = self.network;
        let parsed = match i {
            0 => parse_list::<2>(WEIGHT_NAMES[0], text).map(|v| next.w1 = v),
            1 => parse_list::<2>(WEIGHT_NAMES[1], text).map(|v| next.b1 = v),
            2 => parse_list::<4>(WEIGHT_NAMES[2], text)
                .map(|[a, b, c, d]| next.w2 = [[a, b], [c, d]]),
            _ => parse_list::<2>(WEIGHT_NAMES[3], text).map(|v| next.b2 = v),
        };
        match parsed
            .map_err(|e| e.to_string())
            .and_then(|()| next.validate().map_err(|e| e.to_string()))
        {
            Ok(()) => self.set_network(next),
            Err(e) => self.weight_error = Some(format!("{e}; the weights were not changed.")),
        }
    }

    /// Applies an action; pure, so it is tested natively.
    pub fn apply(&mut self, action: TheoryAction) {
        let last = STEP_TITLES.len() - 1;
        match action {
            TheoryAction::NextStep => self.step = (self.step + 1).min(last),
            TheoryAction::PreviousStep => self.step = self.step.saturating_sub(1),
            TheoryAction::Step(i) => self.step = i.min(last),
            TheoryAction::SetX0(x0) if x0.is_finite() => self.x0 = x0,
            TheoryAction::SetX0(_) => {}
            TheoryAction::SetNetwork(network) if network.validate().is_ok() => {
                self.set_network(network)
            }
            TheoryAction::SetNetwork(_) => {}
            TheoryAction::WeightText(i, text) => {
                if let Some(field) = self.weight_texts.get_mut(i) {
                    *field = text;
                }
            }
            TheoryAction::ApplyWeight(i) => self.apply_weight(i),
            TheoryAction::ResetWeights => self.set_network(Network::default()),
            TheoryAction::SetRange(from, to) if from.is_finite() && to.is_finite() && from < to => {
                self.range = (from, to)
            }
            TheoryAction::SetRange(..) => {}
            TheoryAction::DeadReluSettings(settings) => self.dead_relu_settings = settings,
            TheoryAction::CheckText(i, text) => {
                if let Some(field) = self.check_texts.get_mut(i) {
                    *field = text;
                }
            }
            TheoryAction::CheckLoad(texts) => {
                self.check_texts = texts;
                self.check_result = None;
            }
            TheoryAction::Check => {
                let network = self.network;
                self.check_result = Some(
                    check_work::parse_form(&self.check_texts).map(|work| check(&network, &work)),
                );
            }
            TheoryAction::DeadReluStarted => self.dead_relu_running = true,
            TheoryAction::Reply(Reply::Autodiff(result)) => self.autodiff = Some(result),
            TheoryAction::Reply(Reply::DeadRelu(result)) => {
                self.dead_relu = Some(result);
                self.dead_relu_running = false;
            }
            TheoryAction::WorkerStopped => self.dead_relu_running = false,
        }
    }
}

/// Parses a number typed into a field: finite and within ±[`MAX_ABS_X`].
pub fn parse_x(label: &str, text: &str) -> Result<f64, String> {
    let value = crate::format::parse_number(&text.trim().replace('\u{2212}', "-"))
        .ok_or_else(|| format!("{label}: \u{201c}{}\u{201d} is not a number", text.trim()))?;
    if !value.is_finite() || value.abs() > MAX_ABS_X {
        return Err(format!(
            "{label} must be a finite number between {} and {}",
            crate::format::display(-MAX_ABS_X),
            crate::format::display(MAX_ABS_X)
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_my_work_keeps_what_is_typed_and_checks_it_against_the_cells_network() {
        let mut s = TheoryState::default();
        let (_, work) = crate::theory::check::student_examples().remove(0);
        let texts = check_work::texts_of(&work);
        s.apply(TheoryAction::CheckLoad(texts.clone()));
        assert_eq!(s.check_texts, texts);
        s.apply(TheoryAction::Check);
        assert_eq!(s.check_result, Some(Ok(check(&s.network, &work))));
        assert!(matches!(s.check_result, Some(Ok(Verdict::FirstMistake(_)))));
        // A typed field replaces its text only; a Check of nonsense names the field.
        s.apply(TheoryAction::CheckText(0, "two".into()));
        assert_eq!(s.check_texts[0], "two");
        assert_eq!(s.check_texts[1..], texts[1..]);
        s.apply(TheoryAction::Check);
        assert!(
            matches!(&s.check_result, Some(Err(e)) if e.contains("x\u{2080}")),
            "{:?}",
            s.check_result
        );
        // Loading an example clears the verdict; an index past the form changes nothing.
        s.apply(TheoryAction::CheckText(99, "1".into()));
        s.apply(TheoryAction::CheckLoad(texts));
        assert_eq!(s.check_result, None);
    }

    #[test]
    fn a_weight_field_applies_when_valid_and_keeps_its_text_when_not() {
        let mut s = TheoryState::default();
        assert_eq!(s.weight_texts, ["1.5, 0.5", "0, 1", "1, 2, 2, 1", "0, 1"]);
        s.apply(TheoryAction::WeightText(0, "2,1".into()));
        s.apply(TheoryAction::ApplyWeight(0));
        assert_eq!(s.network.w1, [2.0, 1.0]);
        assert_eq!(
            s.weight_texts[0], "2, 1",
            "the field shows the weights applied"
        );
        s.apply(TheoryAction::WeightText(2, "1, 2, x".into()));
        s.apply(TheoryAction::ApplyWeight(2));
        assert_eq!(s.network.w2, [[1.0, 2.0], [2.0, 1.0]], "unchanged");
        assert_eq!(
            s.weight_texts[2], "1, 2, x",
            "what was typed stays to be corrected"
        );
        let error = s.weight_error.clone().unwrap();
        assert!(
            error.contains("W\u{b2}") && error.ends_with("the weights were not changed."),
            "{error}"
        );
        s.apply(TheoryAction::WeightText(1, "1e400, 0".into()));
        s.apply(TheoryAction::ApplyWeight(1));
        assert_eq!(s.network.b1, [0.0, 1.0], "an overflow is refused too");
        s.apply(TheoryAction::ResetWeights);
        assert_eq!(s.network, Network::default());
        assert_eq!(s.weight_error, None);
        assert_eq!(s.weight_texts[2], "1, 2, 2, 1");
    }

    #[test]
    fn the_dead_relu_knobs_live_in_the_cells_state() {
        let mut s = TheoryState::default();
        let settings = DeadReluSettings {
            bias_init: -3.0,
            ..DeadReluSettings::default()
        };
        s.apply(TheoryAction::DeadReluSettings(settings));
        assert_eq!(s.dead_relu_settings, settings);
    }

    #[test]
    fn steps_stay_in_range() {
        let mut s = TheoryState::default();
        s.apply(TheoryAction::PreviousStep);
        assert_eq!(s.step, 0);
        for _ in 0..20 {
            s.apply(TheoryAction::NextStep);
        }
        assert_eq!(s.step, STEP_TITLES.len() - 1);
        s.apply(TheoryAction::Step(99));
        assert_eq!(s.step, STEP_TITLES.len() - 1);
    }

    #[test]
    fn the_arrow_keys_step() {
        let mut s = TheoryState::from_url(&crate::ui::url::parse([("step", "3")]));
        assert_eq!(s.step, 2);
        s.apply(TheoryAction::for_key("ArrowRight").unwrap());
        assert_eq!(s.step, 3);
        s.apply(TheoryAction::for_key("ArrowLeft").unwrap());
        s.apply(TheoryAction::for_key("ArrowLeft").unwrap());
        assert_eq!(s.step, 1);
        assert_eq!(TheoryAction::for_key("j"), None);
    }

    #[test]
    fn the_cell_takes_its_own_replies_and_the_workers_stop() {
        let mut s = TheoryState::default();
        s.apply(TheoryAction::DeadReluStarted);
        for message in crate::protocol::examples::every_reply() {
            let mine = matches!(message, FromWorker::Theory(_));
            let taken = TheoryAction::heard(&mut Some(Heard::Reply(message)));
            assert_eq!(taken.is_some(), mine);
        }
        s.apply(TheoryAction::heard(&mut Some(Heard::Stopped("lost".into()))).unwrap());
        assert!(!s.dead_relu_running);
    }

    #[test]
    fn invalid_values_are_ignored() {
        let mut s = TheoryState::default();
        s.apply(TheoryAction::SetX0(f64::NAN));
        assert_eq!(s.x0, 2.0);
        s.apply(TheoryAction::SetRange(3.0, 1.0));
        assert_eq!(s.range, (-4.0, 3.0));
        let mut bad = Network::default();
        bad.b1[0] = f64::INFINITY;
        s.apply(TheoryAction::SetNetwork(bad));
        assert_eq!(s.network, Network::default());
    }

    #[test]
    fn typed_numbers_are_checked() {
        assert_eq!(parse_x("x\u{2080}", " \u{2212}1.5 "), Ok(-1.5));
        assert!(parse_x("x\u{2080}", "two").unwrap_err().contains("two"));
        assert!(parse_x("x\u{2080}", "1e9").unwrap_err().contains("between"));
        assert!(parse_x("x\u{2080}", "NaN").is_err());
    }
}
