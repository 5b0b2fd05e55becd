//! The training session's side of a run kept for a reload (`worker::keep`): the kept epoch a
//! Start goes on from, the curves sent again, and the record written after each epoch. A child
//! of `training`, so it reaches the session's fields without widening them.

use super::session::{Session, finish, stop};
use super::{keep, send};
use crate::data::dataset::Dataset;
use crate::protocol::training::{EpochReport, Event, StopReason, TrainingCell};
use crate::settings::data::SubsetSettings;
use crate::settings::train::TrainSettings;
use crate::train::checkpoint::Checkpoint;
use crate::train::kept::KeptRun;

/// The kept run a Start goes on from, with its model, if the page asked to resume one; why it
/// cannot, if it cannot.
pub(super) fn resume_from(
    resume: Option<Result<KeptRun, String>>,
    dataset: &Dataset,
    subset: &SubsetSettings,
    settings: &TrainSettings,
) -> Result<Option<(KeptRun, Checkpoint)>, String> {
    let cannot =
        |why: String| format!("The kept run cannot be resumed: {why} Press Start for a new run.");
    let kept = match resume {
        None => return Ok(None),
        Some(kept) => kept.map_err(|why| cannot(format!("{why}.")))?,
    };
    if let Some(why) = keep::mismatch(&kept, dataset, subset, settings) {
        return Err(cannot(why));
    }
    let checkpoint = Checkpoint::from_bytes(&kept.checkpoint)
        .map_err(|e| cannot(format!("its model is unreadable ({e}).")))?;
    Ok(Some((kept, checkpoint)))
}

/// A resumed run: the page is sent the kept curves (as the batches' and epochs' reports it
/// plotted before the reload), and the session goes on from the kept epoch; a kept run that had
/// finished shows its results again.
pub(super) async fn resume_session(
    cell: TrainingCell,
    session: &mut Session,
    kept: KeptRun,
    checkpoint: Checkpoint,
) {
    let run = session.run;
    if !kept.steps.is_empty() {
        send(
            cell,
            Event::Steps {
                run,
                steps: kept.steps,
            },
        );
    }
    for report in kept.epochs {
        session.last_test = Some(report.test.clone());
        send(cell, Event::Epoch(EpochReport { run, ..report }));
    }
    session.training_seconds = kept.training_seconds;
    session.checkpoint = Some(checkpoint);
    if session.training.finished()
        && let Err(e) = finish(cell, session).await
    {
        stop(cell, session, StopReason::Failed(e.to_string())).await;
    }
}

/// Keeps the run after its finished epoch for a reload (`keep`).
pub(super) async fn keep_epoch(cell: TrainingCell, session: &Session) {
    if !keep::kept_cell(cell) {
        return;
    }
    let checkpoint = match &session.checkpoint {
        Some(c) if session.backend.is_webgpu() => Some(c.to_bytes()),
        _ => session
            .trainer()
            .checkpoint()
            .await
            .ok()
            .map(|c| c.to_bytes()),
    };
    if let Some(bytes) = checkpoint {
        keep::keep(cell, session.run, session.training_seconds, bytes);
    }
}
