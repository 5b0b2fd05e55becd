//! The status bar: which backend computes, how it proved itself, and any note about the choice.

use yew::prelude::*;

use crate::protocol::ProbeReport;
use crate::ui::state::{Compute, ComputeStatus};

/// One line on how the backend proved itself, e.g. "64×64 matmul and an autodiff gradient
/// checked in 12.5 ms, max error 2.4e-7".
pub fn probe_summary(report: &ProbeReport) -> String {
    // A coarse clock (Firefox's, in whole milliseconds in a worker) can measure 0: say "< 0.1 ms"
    // rather than a time of 0.0 ms.
    let mut time = format!("{:.1}", report.millis);
    if time == "0.0" {
        time = "< 0.1".to_string();
    }
    let error = report.matmul_max_error.max(report.gradient_max_error);
    let accuracy = if error == 0.0 {
        "exact to the last bit".to_string()
    } else {
        format!("max error {error:.1e}")
    };
    format!(
        "{n}\u{d7}{n} matmul and an autodiff gradient checked in {time} ms, {accuracy}",
        n = report.size,
    )
}

/// The bar under the cells; `on_retry` starts a stopped worker again.
pub fn status_bar(
    compute: &Compute,
    large_type: bool,
    on_toggle_large_type: &Callback<()>,
    on_retry: &Callback<()>,
) -> Html {
    let (badge, kind, detail) = match &compute.status {
        ComputeStatus::Starting => (
            "Starting the compute worker\u{2026}".to_string(),
            "backend-badge pending",
            None,
        ),
        ComputeStatus::Probing => (
            "Checking the compute backend\u{2026}".to_string(),
            "backend-badge pending",
            None,
        ),
        ComputeStatus::Ready {
            backend, report, ..
        } => (
            backend.label(),
            "backend-badge ready",
            Some(probe_summary(report)),
        ),
        ComputeStatus::Failed(_) => (
            "No compute backend".to_string(),
            "backend-badge failed",
            None,
        ),
    };
    let mut notes: Vec<String> = compute.notes.clone();
    if let ComputeStatus::Ready {
        note: Some(note), ..
    } = &compute.status
    {
        notes.push(note.clone());
    }
    let on_toggle = on_toggle_large_type.reform(|_: MouseEvent| ());
    let failed = matches!(compute.status, ComputeStatus::Failed(_));
    let on_retry = on_retry.reform(|_: MouseEvent| ());
    html! {
        <footer class="status-bar" role="status" aria-live="polite">
            <span class={kind} data-testid="backend-badge">{ badge }</span>
            if let Some(detail) = detail {
                <span class="probe-detail" data-testid="probe-detail">{ detail }</span>
            }
            { for notes.iter().map(|note| html! {
                <span class="note" data-testid="status-note">{ note.clone() }</span>
            }) }
            if failed {
                <button class="retry" data-testid="worker-retry" onclick={on_retry}>{ "Retry" }</button>
            }
            <button class="type-toggle" data-testid="large-type" aria-pressed={large_type.to_string()}
                    onclick={on_toggle} title="Large type for projectors (key t)">
                { if large_type { "Normal type" } else { "Large type" } }
            </button>
        </footer>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_summary_reports_time_and_error() {
        let mut report = ProbeReport {
            size: 64,
            matmul_max_error: 0.0,
            gradient_max_error: 0.0,
            millis: 12.34,
        };
        assert_eq!(
            probe_summary(&report),
            "64\u{d7}64 matmul and an autodiff gradient checked in 12.3 ms, exact to the last bit"
        );
        report.gradient_max_error = 2.4e-7;
        assert!(
            probe_summary(&report).ends_with("max error 2.4e-7"),
            "{}",
            probe_summary(&report)
        );
    }

    #[test]
    fn probe_summary_never_says_zero_milliseconds() {
        let mut report = ProbeReport {
            size: 64,
            matmul_max_error: 0.0,
            gradient_max_error: 0.0,
            millis: 0.0,
        };
        for (millis, said) in [
            (0.0, "checked in < 0.1 ms,"),
            (0.049, "checked in < 0.1 ms,"),
            (0.05, "checked in 0.1 ms,"),
            (1.0, "checked in 1.0 ms,"),
        ] {
            report.millis = millis;
            let line = probe_summary(&report);
            assert!(line.contains(said), "{millis} ms: {line}");
        }
    }
}
