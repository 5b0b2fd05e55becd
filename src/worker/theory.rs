//! The theory cell's requests: Burn's autodiff at x0, and the dead-ReLU demo.

use burn::tensor::Device;

use super::envelope::post;
use crate::compute::{dead_relu, theory_autodiff::autodiff_at};
use crate::protocol::FromWorker;
use crate::protocol::theory::{Reply, Request};

pub async fn handle(request: Request, device: Device) {
    let reply = match request {
        Request::Autodiff { network, x0 } => {
            Reply::Autodiff(autodiff_at(&network, x0, &device).await)
        }
        Request::DeadRelu(settings) => Reply::DeadRelu(dead_relu::run(&settings, &device).await),
    };
    post(&FromWorker::Theory(reply));
}
