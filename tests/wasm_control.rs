//! The worker's lanes and its control lane, in headless Chromium, in a dedicated worker as the
//! page runs it: one cell's Pause is answered while other cells' long jobs — the paper's
//! compare, a picked archive being read, a download, the dead-ReLU demo — are under way; a
//! Cancel that arrives before its experiment starts still cancels it; and each training cell
//! keeps the file picked in it.
//!
//! Run by `make test-wasm` (wasm-bindgen-test-runner).
#![cfg(all(target_arch = "wasm32", feature = "worker"))]

#[path = "support/driven.rs"]
mod driven;

use lectern::data::archive_fixture::cifar_archive;

use driven::{Driven, tiny};
use lectern::data::subset::TooFewImages;
use lectern::protocol::paper::{self, ModelSource};
use lectern::protocol::theory;
use lectern::protocol::training::{DataSource, Event, Refusal, Request, TrainingCell};
use lectern::protocol::{BackendRequest, FromWorker, RunId, ToWorker};
use lectern::settings::data::{DatasetKind, SubsetSettings};
use lectern::settings::dead_relu::DeadReluSettings;
use lectern::settings::paper::PaperSettings;
use lectern::worker::tasks::now_ms;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen(inline_js = r#"
let trickling = false;
const realFetch = globalThis.fetch;
// Every fetch of the site's data answers at once and then brings one byte every 50 ms, until
// `endTrickle()`: a download that stays under way (and never stalls).
export function trickleDownloads() {
    trickling = true;
    globalThis.fetch = (url) => Promise.resolve(new Response(new ReadableStream({
        async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            if (trickling) controller.enqueue(new Uint8Array([32]));
            else controller.close();
        },
    }), { status: 200 }));
}
export function endTrickle() {
    trickling = false;
    globalThis.fetch = realFetch;
}
"#)]
extern "C" {
    fn trickleDownloads();
    fn endTrickle();
}

/// `cifar-10-binary.tar.gz` in the official layout with `per_batch` records in each of its six
/// batch files (every class in each), stored without compression: reading it is all unpacking.
fn archive(per_batch: usize) -> Vec<u8> {
    let batch: Vec<u8> = (0..per_batch)
        .flat_map(|i| {
            let mut record = vec![(i % 10) as u8];
            record.extend((0..3072).map(|p| ((p * 7 + i) % 251) as u8));
            record
        })
        .collect();
    cifar_archive(&batch, flate2::Compression::none())
}

fn toy_subset(per_class: usize) -> SubsetSettings {
    SubsetSettings {
        per_class,
        imbalance: 1.0,
    }
}

/// Where in what the worker said the first message satisfying `hit` is.
fn position(seen: &[FromWorker], what: &str, hit: impl Fn(&FromWorker) -> bool) -> usize {
    seen.iter()
        .position(hit)
        .unwrap_or_else(|| panic!("no {what} in {seen:?}"))
}

#[wasm_bindgen_test]
async fn a_pause_is_answered_while_other_cells_compare_read_a_file_and_download() {
    let mut w = Driven::new();
    w.ready(BackendRequest::Cpu).await;
    // The ConvNet cell trains the toy set: 1,000 images in batches of 10, five epochs.
    w.start(1, 100, tiny(5, 10));
    w.wait_for("a few batches", |m| {
        matches!(m, FromWorker::ConvNet(Event::Steps { steps, .. }) if steps.iter().any(|s| s.iteration >= 2))
    })
    .await;

    // The paper cell's compare: two models trained on the toy set, each tested for bias.
    w.send(ToWorker::Paper(paper::Request::Compare {
        run: RunId(20),
        data: DatasetKind::Toy,
        subset: toy_subset(50),
        train: tiny(2, 10),
        settings: PaperSettings::default(),
    }));
    // The imbalance lab reads a picked archive of 30,000 images (92 MB unpacked)…
    w.send_with_bytes(
        ToWorker::Imbalance(Request::LoadData(DataSource::Upload {
            name: "cifar-10-binary.tar.gz".into(),
        })),
        Some(archive(5_000)),
    );
    // …the ConvNet cell's CIFAR-10 subset downloads (it trains on the toy set meanwhile)…
    trickleDownloads();
    w.send(ToWorker::ConvNet(Request::LoadData(DataSource::Site)));
    // …and the theory cell's dead-ReLU demo trains 5,000 steps.
    w.send(ToWorker::Theory(theory::Request::DeadRelu(
        DeadReluSettings {
            steps: 5_000,
            ..DeadReluSettings::default()
        },
    )));

    let sent = now_ms();
    w.send(ToWorker::ConvNet(Request::Pause { run: RunId(1) }));
    w.wait_for("the pause", |m| {
        matches!(m, FromWorker::ConvNet(Event::Paused { run: RunId(1) }))
    })
    .await;
    let answered = now_ms() - sent;

    // Everything else finishes after it.
    let compared = w
        .wait_for("the compare", |m| {
            matches!(
                m,
                FromWorker::Paper(paper::Reply::Compared(_) | paper::Reply::Failed { .. })
            )
        })
        .await;
    assert!(
        matches!(compared, FromWorker::Paper(paper::Reply::Compared(_))),
        "{compared:?}"
    );
    let read = w
        .wait_for("the archive", |m| {
            matches!(
                m,
                FromWorker::Imbalance(Event::DataReady(_) | Event::DataRefused { .. })
            )
        })
        .await;
    assert!(
        matches!(&read, FromWorker::Imbalance(Event::DataReady(d)) if d.source == DatasetKind::Upload),
        "{read:?}"
    );
    w.wait_for("the demo", |m| {
        matches!(m, FromWorker::Theory(theory::Reply::DeadRelu(Ok(_))))
    })
    .await;
    let downloading = !w.seen.iter().any(|m| {
        matches!(
            m,
            FromWorker::ConvNet(Event::DataRefused { .. })
        ) || matches!(m, FromWorker::ConvNet(Event::DataReady(d)) if d.source == DatasetKind::Cifar)
    });
    endTrickle();
    w.wait_for("the download's end", |m| {
        matches!(m, FromWorker::ConvNet(Event::DataRefused { .. }))
    })
    .await;

    let paused = position(&w.seen, "pause", |m| {
        matches!(m, FromWorker::ConvNet(Event::Paused { .. }))
    });
    for (what, end) in [
        (
            "compare",
            position(&w.seen, "compare", |m| {
                matches!(m, FromWorker::Paper(paper::Reply::Compared(_)))
            }),
        ),
        (
            "archive",
            position(&w.seen, "archive", |m| {
                matches!(m, FromWorker::Imbalance(Event::DataReady(_)))
            }),
        ),
        (
            "dead-ReLU demo",
            position(&w.seen, "demo", |m| matches!(m, FromWorker::Theory(_))),
        ),
        (
            "download",
            position(&w.seen, "download", |m| {
                matches!(m, FromWorker::ConvNet(Event::DataRefused { .. }))
            }),
        ),
    ] {
        assert!(
            paused < end,
            "the pause came after the {what} ended: {:?}",
            w.seen
        );
    }
    assert!(
        downloading,
        "the download was under way until the test ended it"
    );
    // The ConvNet cell's batches went on while the others worked (they were not queued).
    let progress: Vec<_> = w
        .seen
        .iter()
        .filter_map(|m| match m {
            FromWorker::Paper(paper::Reply::Progress { .. }) => Some("paper"),
            FromWorker::ConvNet(Event::Steps { .. }) => Some("convnet"),
            _ => None,
        })
        .collect();
    console_log!(
        "CONTROL pause answered in {answered:.0} ms while the others ran; order: {progress:?}"
    );
}

#[wasm_bindgen_test]
async fn a_cancel_sent_before_its_experiment_starts_cancels_it() {
    let mut w = Driven::new();
    w.ready(BackendRequest::Cpu).await;
    w.start(1, 20, tiny(1, 10));
    w.end().await;
    // Two bias tests queued; the second is cancelled before the first has finished.
    let test_bias = |run| {
        ToWorker::Paper(paper::Request::TestBias {
            run: RunId(run),
            model: ModelSource::ConvNetCell,
            data: DatasetKind::Toy,
            settings: PaperSettings::default(),
        })
    };
    w.send(test_bias(30));
    w.send(test_bias(31));
    w.send(ToWorker::Paper(paper::Request::Cancel { run: RunId(31) }));
    w.wait_for(
        "the first bias test",
        |m| matches!(m, FromWorker::Paper(paper::Reply::BiasTested(r)) if r.run == RunId(30)),
    )
    .await;
    let second = w
        .wait_for("the second bias test's answer", |m| {
            matches!(m, FromWorker::Paper(reply) if reply.run() == Some(RunId(31)) && !matches!(reply, paper::Reply::Progress { .. }))
        })
        .await;
    assert_eq!(
        second,
        FromWorker::Paper(paper::Reply::Failed {
            run: Some(RunId(31)),
            reason: "cancelled".into()
        })
    );
    assert!(
        !w.seen.iter().any(|m| matches!(
            m,
            FromWorker::Paper(paper::Reply::Progress { run: RunId(31), .. })
        )),
        "the cancelled bias test never started"
    );
}

#[wasm_bindgen_test]
async fn each_training_cell_keeps_the_file_picked_in_it() {
    let mut w = Driven::new();
    w.ready(BackendRequest::Cpu).await;
    let upload = |cell: TrainingCell, name: &str, per_batch| {
        let request = Request::LoadData(DataSource::Upload { name: name.into() });
        (
            match cell {
                TrainingCell::ConvNet => ToWorker::ConvNet(request),
                TrainingCell::Imbalance => ToWorker::Imbalance(request),
            },
            Some(archive(per_batch)),
        )
    };
    let (message, bytes) = upload(TrainingCell::Imbalance, "lab.tar.gz", 200);
    w.send_with_bytes(message, bytes);
    w.wait_for("the lab's file", |m| {
        matches!(m, FromWorker::Imbalance(Event::DataReady(_)))
    })
    .await;
    let (message, bytes) = upload(TrainingCell::ConvNet, "convnet.tar.gz", 100);
    w.send_with_bytes(message, bytes);
    w.wait_for("the ConvNet cell's file", |m| {
        matches!(m, FromWorker::ConvNet(Event::DataReady(d)) if d.source == DatasetKind::Upload)
    })
    .await;
    // The lab draws from its own file (100 training images a class), not from the ConvNet
    // cell's (50 a class), which was picked after it.
    let draw = |per_class| Request::DrawSubset {
        data: DatasetKind::Upload,
        subset: toy_subset(per_class),
    };
    w.send(ToWorker::Imbalance(draw(100)));
    let drawn = w
        .wait_for("the lab's subset", |m| {
            matches!(
                m,
                FromWorker::Imbalance(Event::SubsetDrawn { .. } | Event::Refused { .. })
            )
        })
        .await;
    assert!(
        matches!(&drawn, FromWorker::Imbalance(Event::SubsetDrawn { counts, .. }) if counts.iter().all(|&n| n == 100)),
        "{drawn:?}"
    );
    w.send(ToWorker::ConvNet(draw(100)));
    let drawn = w
        .wait_for("the ConvNet cell's subset", |m| {
            matches!(
                m,
                FromWorker::ConvNet(Event::SubsetDrawn { .. } | Event::Refused { .. })
            )
        })
        .await;
    assert!(
        matches!(
            &drawn,
            FromWorker::ConvNet(Event::Refused {
                reason: Refusal::TooFewImages(TooFewImages { available: 50, .. }),
                ..
            })
        ),
        "the ConvNet cell's file has 50 images a class: {drawn:?}"
    );
}
