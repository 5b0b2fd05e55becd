//! WebGPU only where it wins: on a real WebGPU adapter the worker times a few training steps and
//! forward passes of the default ConvNet on WebGPU and on the CPU at start (`worker::calibrate`,
//! about 2 s in all), and [`decide`] picks from those figures the backend that trains and the one
//! that evaluates, with the sentence the status bar shows (both figures of each).
//!
//! Plain Rust, no Burn and no web: the rule is tested natively with made-up timings.

use crate::backend_choice::BackendRequest;
use crate::format::thousands;

/// One backend's speed at one job (a training step, or a forward pass), as timed at start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// Images per second: the fastest timed unit's.
    Measured(f64),
    /// The time ran out before this job's turn.
    NotTimed,
}

impl Speed {
    /// Images per second, when it is a figure to compare: measured, finite and above zero.
    pub fn images_per_second(self) -> Option<f64> {
        match self {
            Speed::Measured(v) if v.is_finite() && v > 0.0 => Some(v),
            _ => None,
        }
    }

    /// `261 img/s`, `6.1 img/s`, `not timed (no time left)`.
    fn describe(self) -> String {
        match (self, self.images_per_second()) {
            (_, Some(v)) => format!("{} img/s", rate(v)),
            (Speed::Measured(_), None) => "no usable figure".to_string(),
            (Speed::NotTimed, None) => "not timed (no time left)".to_string(),
        }
    }
}

/// A rate as a person reads it: `6.1`, `42`, `1,950`.
fn rate(v: f64) -> String {
    if v < 9.95 {
        format!("{v:.1}")
    } else {
        thousands(v.round() as u64)
    }
}

/// One backend's speeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speeds {
    /// A whole training step (forward, loss, backward, update, read-back).
    pub train: Speed,
    /// Evaluation's forward pass (eval mode, the predicted classes read back).
    pub forward: Speed,
}

/// What was timed at start: the CPU's speeds, and WebGPU's or the error it failed with.
#[derive(Debug, Clone, PartialEq)]
pub struct Timings {
    pub cpu: Speeds,
    pub webgpu: Result<Speeds, String>,
}

/// Where a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    WebGpu,
    Cpu,
}

impl BackendKind {
    fn name(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "WebGPU",
            BackendKind::Cpu => "the CPU",
        }
    }
}

/// The backends chosen from the timings, and why, in one sentence for the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub train: BackendKind,
    pub evaluate: BackendKind,
    pub note: String,
}

/// WebGPU runs a job only where its figure beats the CPU's: it is measured and faster, or the
/// CPU has no figure. A tie, a figure that is missing, zero or not a number, and a WebGPU that
/// failed while timed all leave the job on the CPU.
fn faster(cpu: Speed, webgpu: Speed) -> BackendKind {
    match (cpu.images_per_second(), webgpu.images_per_second()) {
        (Some(c), Some(g)) if g > c => BackendKind::WebGpu,
        (None, Some(_)) => BackendKind::WebGpu,
        _ => BackendKind::Cpu,
    }
}

/// The backends that train and evaluate, from `timings`. Only [`BackendRequest::Auto`] is
/// decided by timings: `?backend=webgpu` and `?backend=cpu` choose for themselves (`None`; the
/// worker does not time them).
pub fn decide(request: BackendRequest, timings: &Timings) -> Option<Choice> {
    if request != BackendRequest::Auto {
        return None;
    }
    let cpu = timings.cpu;
    let webgpu = match &timings.webgpu {
        Ok(webgpu) => *webgpu,
        Err(why) => {
            return Some(Choice {
                train: BackendKind::Cpu,
                evaluate: BackendKind::Cpu,
                note: format!(
                    "WebGPU failed while it was timed at start ({why}). Training and evaluating on the CPU ({} training, {} evaluating).",
                    cpu.train.describe(),
                    cpu.forward.describe()
                ),
            });
        }
    };
    let train = faster(cpu.train, webgpu.train);
    let evaluate = faster(cpu.forward, webgpu.forward);
    let outcome = if train == evaluate {
        format!("Training and evaluating on {}", train.name())
    } else {
        format!(
            "Training on {}, evaluating on {}",
            train.name(),
            evaluate.name()
        )
    };
    Some(Choice {
        train,
        evaluate,
        note: format!(
            "Measured at start \u{2014} training: WebGPU {}, CPU {}; evaluating: WebGPU {}, CPU {}. {outcome}.",
            webgpu.train.describe(),
            cpu.train.describe(),
            webgpu.forward.describe(),
            cpu.forward.describe(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use BackendKind::{Cpu, WebGpu};
    use Speed::{Measured, NotTimed};

    fn timings(cpu: (Speed, Speed), webgpu: (Speed, Speed)) -> Timings {
        Timings {
            cpu: Speeds {
                train: cpu.0,
                forward: cpu.1,
            },
            webgpu: Ok(Speeds {
                train: webgpu.0,
                forward: webgpu.1,
            }),
        }
    }

    fn auto(t: &Timings) -> Choice {
        decide(BackendRequest::Auto, t).expect("Auto is decided by timings")
    }

    #[test]
    fn the_faster_backend_trains_and_the_faster_evaluates() {
        let slow_gpu = timings(
            (Measured(261.0), Measured(1950.0)),
            (Measured(6.1), Measured(25.0)),
        );
        let choice = auto(&slow_gpu);
        assert_eq!((choice.train, choice.evaluate), (Cpu, Cpu));
        assert_eq!(
            choice.note,
            "Measured at start \u{2014} training: WebGPU 6.1 img/s, CPU 261 img/s; evaluating: WebGPU 25 img/s, CPU 1,950 img/s. Training and evaluating on the CPU."
        );

        let fast_gpu = timings(
            (Measured(261.0), Measured(1950.0)),
            (Measured(3100.0), Measured(12000.0)),
        );
        let choice = auto(&fast_gpu);
        assert_eq!((choice.train, choice.evaluate), (WebGpu, WebGpu));
        assert!(
            choice.note.ends_with("Training and evaluating on WebGPU."),
            "{}",
            choice.note
        );
    }

    #[test]
    fn training_and_evaluation_may_each_go_their_own_way() {
        // Burn's convolution backward pass slow on wgpu, its forward pass fast.
        let choice = auto(&timings(
            (Measured(400.0), Measured(1900.0)),
            (Measured(150.0), Measured(9000.0)),
        ));
        assert_eq!((choice.train, choice.evaluate), (Cpu, WebGpu));
        assert!(
            choice
                .note
                .ends_with("Training on the CPU, evaluating on WebGPU."),
            "{}",
            choice.note
        );
        // An integrated GPU that trains faster but loses to the CPU's fused inference.
        let choice = auto(&timings(
            (Measured(400.0), Measured(2400.0)),
            (Measured(900.0), Measured(2000.0)),
        ));
        assert_eq!((choice.train, choice.evaluate), (WebGpu, Cpu));
        assert!(
            choice
                .note
                .ends_with("Training on WebGPU, evaluating on the CPU."),
            "{}",
            choice.note
        );
    }

    #[test]
    fn a_tie_stays_on_the_cpu() {
        let choice = auto(&timings(
            (Measured(300.0), Measured(2000.0)),
            (Measured(300.0), Measured(2000.0)),
        ));
        assert_eq!((choice.train, choice.evaluate), (Cpu, Cpu));
    }

    #[test]
    fn a_zero_nan_infinite_or_missing_figure_never_wins() {
        let cpu = (Measured(261.0), Measured(1950.0));
        for bad in [
            Measured(0.0),
            Measured(-5.0),
            Measured(f64::NAN),
            Measured(f64::INFINITY),
            NotTimed,
        ] {
            let choice = auto(&timings(cpu, (bad, bad)));
            assert_eq!((choice.train, choice.evaluate), (Cpu, Cpu), "{bad:?}");
        }
        // A CPU without a figure loses to a WebGPU with one; neither with one: the CPU.
        for bad in [Measured(0.0), Measured(f64::NAN), NotTimed] {
            let choice = auto(&timings((bad, bad), (Measured(6.1), Measured(25.0))));
            assert_eq!((choice.train, choice.evaluate), (WebGpu, WebGpu), "{bad:?}");
            let choice = auto(&timings((bad, bad), (NotTimed, NotTimed)));
            assert_eq!((choice.train, choice.evaluate), (Cpu, Cpu), "{bad:?}");
        }
    }

    #[test]
    fn a_figure_that_is_missing_is_said_so_not_shown_as_a_number() {
        let choice = auto(&timings(
            (Measured(261.0), Measured(f64::NAN)),
            (Measured(5.3), NotTimed),
        ));
        assert_eq!(
            choice.note,
            "Measured at start \u{2014} training: WebGPU 5.3 img/s, CPU 261 img/s; evaluating: WebGPU not timed (no time left), CPU no usable figure. Training and evaluating on the CPU."
        );
        assert!(!choice.note.contains("NaN"));
    }

    #[test]
    fn a_webgpu_that_fails_while_timed_leaves_everything_on_the_cpu_with_a_note() {
        let t = Timings {
            cpu: Speeds {
                train: Measured(261.0),
                forward: Measured(1950.0),
            },
            webgpu: Err("reading results back from the device failed: lost".into()),
        };
        let choice = auto(&t);
        assert_eq!((choice.train, choice.evaluate), (Cpu, Cpu));
        assert_eq!(
            choice.note,
            "WebGPU failed while it was timed at start (reading results back from the device failed: lost). Training and evaluating on the CPU (261 img/s training, 1,950 img/s evaluating)."
        );
    }

    #[test]
    fn a_forced_backend_is_not_decided_by_timings() {
        let t = timings(
            (Measured(261.0), Measured(1950.0)),
            (Measured(6.1), Measured(25.0)),
        );
        assert_eq!(decide(BackendRequest::WebGpu, &t), None);
        assert_eq!(decide(BackendRequest::Cpu, &t), None);
    }

    #[test]
    fn rates_read_as_people_write_them() {
        assert_eq!(rate(6.14), "6.1");
        assert_eq!(rate(9.96), "10");
        assert_eq!(rate(41.6), "42");
        assert_eq!(rate(1949.6), "1,950");
    }
}
