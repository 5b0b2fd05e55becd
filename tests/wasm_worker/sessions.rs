//! The worker's message handling driven as the page drives it, on the device the other tests
//! share: a session trains the toy set on each backend, a Stop is handled within a batch, and an
//! injected loss of the GPU device moves the run to the CPU with its history.

use lectern::protocol::training::{Event, Request};
use lectern::protocol::{Backend, BackendRequest, FromWorker, RunId, ToWorker};
use wasm_bindgen_test::*;

use crate::GPU;
use crate::driven::{Driven, tiny};

/// A driven worker on the GPU device an earlier test set up, if any.
fn driven() -> Driven {
    Driven::with_gpu(GPU.with(|g| g.borrow().clone()))
}

/// Probes `backend` and loads the toy set; keeps a GPU device it set up for the tests after it.
async fn ready(w: &mut Driven, backend: BackendRequest) {
    w.ready(backend).await;
    GPU.with(|g| {
        if g.borrow().is_none() {
            *g.borrow_mut() = w.state.borrow().gpu();
        }
    });
}

#[wasm_bindgen_test]
async fn a_stop_sent_while_a_session_runs_is_handled_before_the_epoch_ends() {
    let mut w = driven();
    ready(&mut w, BackendRequest::Cpu).await;
    // 1,000 images in batches of 10: 100 batches in the epoch.
    w.start(1, 100, tiny(1, 10));
    w.wait_for("three batches", |m| {
        matches!(m, FromWorker::ConvNet(Event::Steps { steps, .. }) if steps.iter().any(|s| s.iteration >= 2))
    })
    .await;
    w.send(ToWorker::ConvNet(Request::Stop { run: RunId(1) }));
    w.wait_for("the stop", |m| {
        matches!(m, FromWorker::ConvNet(Event::Stopped { .. }))
    })
    .await;
    let events = w.events();
    let steps = w.steps();
    assert!(w.epochs().is_empty(), "no epoch ended: {steps:?}");
    assert!(
        steps.len() < 50,
        "stopped within a few batches, not at the end: {}",
        steps.len()
    );
    assert!(!events.iter().any(|e| matches!(e, Event::Finished(_))));
}

async fn a_session_trains_on(backend: BackendRequest) {
    let mut w = driven();
    ready(&mut w, backend).await;
    // 100 images in batches of 25: 4 batches an epoch.
    w.start(2, 10, tiny(2, 25));
    let finished = w.end().await;
    let FromWorker::ConvNet(Event::Finished(results)) = finished else {
        panic!("the run did not finish: {finished:?}");
    };
    let events = w.events();
    assert_eq!(w.steps(), (0..8).collect::<Vec<_>>());
    assert_eq!(w.epochs(), vec![1, 2]);
    assert_eq!(results.test.total(), 500, "the toy test set");
    assert_eq!(results.samples.len(), 30);
    let started = events.iter().find_map(|e| match e {
        Event::Started(s) => Some(s.clone()),
        _ => None,
    });
    let backend_used = started.expect("a Started event").backend;
    assert_eq!(
        backend_used.is_webgpu(),
        backend == BackendRequest::WebGpu,
        "{backend_used:?}"
    );
}

#[wasm_bindgen_test]
async fn a_session_trains_the_toy_set_on_the_cpu() {
    a_session_trains_on(BackendRequest::Cpu).await;
}

#[wasm_bindgen_test]
async fn a_session_trains_the_toy_set_on_forced_webgpu() {
    a_session_trains_on(BackendRequest::WebGpu).await;
}

#[wasm_bindgen_test]
async fn a_lost_gpu_device_moves_the_run_to_the_cpu_with_its_history() {
    let mut w = driven();
    ready(&mut w, BackendRequest::WebGpu).await;
    // 4 batches an epoch; the device "fails" at the 7th batch, in epoch 2.
    w.send(ToWorker::InjectDeviceLoss { after_batches: 6 });
    w.start(3, 10, tiny(3, 25));
    let (epoch, reason) = w.finished_after_moving_to_cpu().await;
    assert_eq!(epoch, 1, "it continues from the end of epoch 1");
    assert!(reason.contains("injected test fault"), "{reason}");
    assert_eq!(
        w.epochs(),
        vec![1, 2, 3],
        "epoch 1 kept, 2 and 3 trained on the CPU"
    );
    assert!(w.seen.iter().any(|m| matches!(
        m,
        FromWorker::BackendChanged {
            backend: Backend::Cpu,
            ..
        }
    )));
    // Batches after the loss start again at epoch 2's first one (iteration 4).
    let steps = w.steps();
    assert_eq!(*steps.last().unwrap(), 11);
}
