//! The status bar: which backend computes, how it proved itself, and any note about the choice.

use yew::prelude::*;

use crate::ui::state::{ComputeStatus, Notebook};

#[derive(Properties, PartialEq)]
pub struct StatusBarProps {
    pub state: Notebook,
    pub on_toggle_large_type: Callback<()>,
}

#[function_component]
pub fn StatusBar(props: &StatusBarProps) -> Html {
    let state = &props.state;
    let (badge, kind, detail) = match &state.compute {
        ComputeStatus::Starting => (
            "Starting the compute worker\u{2026}".to_string(),
            "pending",
            None,
        ),
        ComputeStatus::Probing => (
            "Checking the compute backend\u{2026}".to_string(),
            "pending",
            None,
        ),
        ComputeStatus::Ready {
            backend, report, ..
        } => (
            backend.label(),
            "ready",
            Some(format!(
                "{n}\u{d7}{n} matmul and an autodiff gradient checked in {ms:.1} ms (max error {err:.1e})",
                n = report.size,
                ms = report.millis,
                err = report.matmul_max_error.max(report.gradient_max_error),
            )),
        ),
        ComputeStatus::Failed(_) => ("No compute backend".to_string(), "failed", None),
    };
    let mut notes: Vec<String> = state.url_notes.clone();
    if let Some(why) = &state.stop_reason {
        notes.push(match &state.compute {
            ComputeStatus::Failed(_) => why.clone(),
            _ => format!("{why} It was restarted on the CPU."),
        });
    }
    if let ComputeStatus::Ready {
        note: Some(note), ..
    } = &state.compute
    {
        notes.push(note.clone());
    }
    if let ComputeStatus::Failed(e) = &state.compute {
        if state.stop_reason.as_deref() != Some(e.as_str()) {
            notes.push(e.clone());
        }
    }
    let on_toggle = props.on_toggle_large_type.reform(|_: MouseEvent| ());
    html! {
        <footer class="status-bar" role="status" aria-live="polite">
            <span class={classes!("backend-badge", kind)} data-testid="backend-badge">{ badge }</span>
            if let Some(detail) = detail {
                <span class="probe-detail" data-testid="probe-detail">{ detail }</span>
            }
            { for notes.iter().map(|note| html! {
                <span class="note" data-testid="status-note">{ note.clone() }</span>
            }) }
            <button class="type-toggle" data-testid="large-type" aria-pressed={state.large_type.to_string()}
                    onclick={on_toggle} title="Large type for projectors (key t)">
                { if state.large_type { "Normal type" } else { "Large type" } }
            </button>
        </footer>
    }
}
