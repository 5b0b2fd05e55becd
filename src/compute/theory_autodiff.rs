//! The theory cell's cross-check: h(x0) and dh/dx at x0 computed by Burn's autodiff, to set
//! beside the derivation by hand (`crate::theory`). Runs on any device.

use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};

use super::reports::AutodiffResult;
use crate::theory::Network;

fn matrix(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(TensorData::new(values, [rows, cols]), device)
}

async fn scalar(tensor: Tensor<2>) -> Result<f64, String> {
    let values = super::read_f32(tensor).await.map_err(|e| e.to_string())?;
    values
        .first()
        .map(|&v| v as f64)
        .ok_or_else(|| "empty result".to_string())
}

/// h(x0) and h′(x0) by autodiff: x is a 1×1 leaf, the layers are matrix products and ReLUs.
pub async fn autodiff_at(
    network: &Network,
    x0: f64,
    device: &Device,
) -> Result<AutodiffResult, String> {
    let device = device.clone().autodiff();
    let n = network;
    let x = matrix(vec![x0 as f32], 1, 1, &device).require_grad();
    let w1 = matrix(n.w1.iter().map(|&v| v as f32).collect(), 2, 1, &device);
    let b1 = matrix(n.b1.iter().map(|&v| v as f32).collect(), 2, 1, &device);
    let w2 = matrix(
        n.w2.iter().flatten().map(|&v| v as f32).collect(),
        2,
        2,
        &device,
    );
    let b2 = matrix(n.b2.iter().map(|&v| v as f32).collect(), 2, 1, &device);
    let y1 = relu(w1.matmul(x.clone()) + b1);
    let y2 = relu(w2.matmul(y1) + b2);
    let h = y2.sum_dim(0) - 1.0;
    let grads = h.backward();
    let slope = x
        .grad(&grads)
        .ok_or("autodiff produced no gradient for x")?;
    let (h, slope) = (scalar(h.detach()).await?, scalar(slope).await?);
    if !(h.is_finite() && slope.is_finite()) {
        return Err(format!(
            "Burn computes in 32-bit floats, and with these weights h(x\u{2080}) or its slope leaves their range (\u{b1}3.4e38): it came out as h = {}, dh/dx = {}. The exact derivation above uses 64-bit arithmetic.",
            crate::format::display(h),
            crate::format::display(slope)
        ));
    }
    Ok(AutodiffResult {
        network: *network,
        x0,
        h,
        slope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use crate::theory::Slope;

    fn at(network: &Network, x0: f64) -> AutodiffResult {
        pollster::block_on(autodiff_at(network, x0, &ndarray_device())).unwrap()
    }

    #[test]
    fn autodiff_agrees_with_the_hand_derivation_on_ndarray() {
        let networks = [Network::default(), Network::mixed_signs()];
        for network in networks {
            let mut compared = 0;
            for i in 0..41 {
                let x0 = -5.0 + 0.25 * i as f64 + 0.0625;
                let Slope::Defined(slope) = network.derivative(x0) else {
                    continue;
                };
                compared += 1;
                let r = at(&network, x0);
                assert!(
                    (r.slope - slope).abs() < 1e-4,
                    "x0 = {x0}: autodiff {} vs {slope}",
                    r.slope
                );
                assert!((r.h - network.forward(x0).h).abs() < 1e-4, "x0 = {x0}");
            }
            assert!(compared >= 40, "only {compared} points away from kinks");
        }
    }

    #[test]
    fn the_assignment_points() {
        for (x0, h, w) in [(2.0, 15.0, 6.0), (-1.0, 1.5, 1.5), (1.0, 9.0, 6.0)] {
            let r = at(&Network::default(), x0);
            assert_eq!((r.h, r.slope), (h, w));
        }
    }
}
