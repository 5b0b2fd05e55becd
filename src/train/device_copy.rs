//! A model's copy on another device (WebGPU's weights on the CPU, or the CPU's on WebGPU), made
//! the one way a browser allows: every weight read back asynchronously, in one round trip, then
//! uploaded where it is wanted. A checkpoint takes its CPU copy this way, and a trainer that
//! evaluates on another device than it trains on (calibration found it faster) copies its model
//! there before each evaluation.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::compute::{ReadError, read_many};
use crate::nn::convnet::ConvNet;

/// `model` in eval mode on `device` (without autodiff): the same weights and BatchNorm running
/// statistics, bit for bit.
pub async fn copy_to(model: &ConvNet, device: &Device) -> Result<ConvNet, ReadError> {
    // `valid()` syncs BatchNorm's pending running statistics and drops autodiff.
    let model = model.valid();
    let mut collect = CollectFloats::default();
    model.visit(&mut collect);
    let data = read_many(collect.tensors).await?;
    let mut replace = ReplaceFloats {
        data: data
            .into_iter()
            .zip(collect.dims)
            .collect::<Vec<_>>()
            .into_iter(),
        device: device.clone().inner(),
    };
    Ok(model.map(&mut replace))
}

/// Every float tensor of a module, flattened, in visiting order, with its shape.
#[derive(Default)]
struct CollectFloats {
    tensors: Vec<Tensor<1>>,
    dims: Vec<Vec<usize>>,
}

impl ModuleVisitor for CollectFloats {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        let dims = tensor.dims().to_vec();
        self.tensors
            .push(tensor.reshape([dims.iter().product::<usize>()]));
        self.dims.push(dims);
    }
}

/// Replaces every float tensor, in the same visiting order, by the values read back, on `device`.
struct ReplaceFloats {
    data: std::vec::IntoIter<(TensorData, Vec<usize>)>,
    device: Device,
}

impl ModuleMapper for ReplaceFloats {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (data, dims) = self
            .data
            .next()
            .expect("the mapper visits the tensors the visitor collected, in the same order");
        let values = data
            .as_slice::<f32>()
            .expect("ConvNet weights are f32")
            .to_vec();
        let dims: [usize; D] = dims.try_into().expect("same rank");
        Param::initialized(
            param.id,
            Tensor::from_data(TensorData::new(values, dims), &self.device),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{ndarray_device, read_f32};
    use crate::nn::convnet::ConvNetConfig;

    #[test]
    fn a_copy_holds_the_same_weights_and_answers_the_same() {
        let device = ndarray_device().autodiff();
        let model = ConvNetConfig::new().init(&device);
        let copy = pollster::block_on(copy_to(&model, &ndarray_device())).unwrap();
        let weights = |m: &ConvNet| {
            let mut collect = CollectFloats::default();
            m.visit(&mut collect);
            (
                pollster::block_on(read_many(collect.tensors)).unwrap(),
                collect.dims,
            )
        };
        assert_eq!(weights(&model.valid()), weights(&copy));
        let images = Tensor::<4>::ones([2, 3, 32, 32], &ndarray_device());
        let logits = |m: &ConvNet| pollster::block_on(read_f32(m.forward(images.clone()))).unwrap();
        assert_eq!(logits(&model.valid()), logits(&copy));
    }
}
