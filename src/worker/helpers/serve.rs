//! A helper worker's side: the worker bundle started under the name [`super::HELPER_NAME`]
//! holds a replica of the run's network and does the jobs it is sent (a shard of a batch, a share
//! of an evaluation), one at a time, on
//! the CPU (`train::parallel::Replica`). It keeps no training state: the weights come with each
//! job.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

use super::messages::{FromHelper, Times, ToHelper, decode, encode};
use crate::compute::ndarray_device;
use crate::train::parallel::Replica;
use crate::worker::envelope::scope;
use crate::worker::tasks::shared_clock_ms;

fn reply(message: &FromHelper) {
    let bytes = Uint8Array::from(encode(message).as_slice());
    let transfer = js_sys::Array::of1(&bytes.buffer());
    if let Err(e) = scope().post_message_with_transfer(&bytes, &transfer) {
        web_sys::console::error_2(&"lectern helper: could not answer".into(), &e);
    }
}

/// Listens for the training worker's setup and jobs.
pub fn serve() {
    console_error_panic_hook::set_once();
    let replica: Rc<RefCell<Option<Replica>>> = Rc::default();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let arrived = shared_clock_ms();
        let bytes = Uint8Array::new(&event.data()).to_vec();
        match decode::<ToHelper>(&bytes) {
            Err(why) => reply(&FromHelper::Failed(why)),
            Ok(ToHelper::Setup(setup)) => match Replica::new(&setup, &ndarray_device()) {
                Ok(r) => {
                    *replica.borrow_mut() = Some(r);
                    reply(&FromHelper::SetUp);
                }
                Err(e) => reply(&FromHelper::Failed(e.0)),
            },
            Ok(ToHelper::Job(job)) => {
                let replica = replica.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // Out of the cell while it computes: no borrow is held across an await.
                    let Some(mut r) = replica.borrow_mut().take() else {
                        return reply(&FromHelper::Failed("a job came before the setup".into()));
                    };
                    let started = shared_clock_ms();
                    let outcome = r.run(&job).await;
                    let times = Times {
                        arrived,
                        started,
                        done: shared_clock_ms(),
                    };
                    *replica.borrow_mut() = Some(r);
                    reply(&match outcome {
                        Ok(outcome) => FromHelper::Done(outcome, times),
                        Err(e) => FromHelper::Failed(e.0),
                    });
                });
            }
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    reply(&FromHelper::Started);
}
