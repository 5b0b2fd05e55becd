//! A model's numbers as one flat `Vec<f32>`, in Burn's visiting order, for sending to another
//! worker and back: its weights (and BatchNorm's running statistics), its gradients, and its
//! running statistics alone. A [`Layout`] names each tensor (its `ParamId`, shape, and whether it
//! is trained or a running statistic); the same network visits its tensors in the same order in
//! every worker, so a flat vector needs no names on the wire.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;

use crate::compute::{ReadError, ToF32s, read_many};
use crate::nn::convnet::ConvNet;

/// One tensor of a model, as visited.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: ParamId,
    pub dims: Vec<usize>,
    /// A running statistic (BatchNorm's mean and variance): no gradient, averaged over shards.
    pub running: bool,
}

impl Entry {
    /// Numbers in the tensor.
    pub fn numbers(&self) -> usize {
        self.dims.iter().product()
    }
}

/// Every float tensor of a model in visiting order.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout(pub Vec<Entry>);

/// Why a flat vector could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FlatError {
    #[error("{what} hold {got} numbers where this model has {expected}")]
    Length {
        what: &'static str,
        got: usize,
        expected: usize,
    },
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl Layout {
    /// The layout of `model`, trained on an autodiff device (what requires a gradient is trained;
    /// the rest is a running statistic).
    pub fn of(model: &ConvNet) -> Self {
        struct Visit(Vec<Entry>);
        impl ModuleVisitor for Visit {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let tensor = param.val();
                self.0.push(Entry {
                    id: param.id,
                    dims: tensor.dims().to_vec(),
                    running: !tensor.is_require_grad(),
                });
            }
        }
        let mut visit = Visit(Vec::new());
        model.visit(&mut visit);
        Self(visit.0)
    }

    /// Numbers in every tensor.
    pub fn total(&self) -> usize {
        self.0.iter().map(Entry::numbers).sum()
    }

    /// Numbers in the trained tensors (a gradient's length).
    pub fn trained(&self) -> usize {
        self.0
            .iter()
            .filter(|e| !e.running)
            .map(Entry::numbers)
            .sum()
    }

    /// Numbers in the running statistics.
    pub fn running(&self) -> usize {
        self.0
            .iter()
            .filter(|e| e.running)
            .map(Entry::numbers)
            .sum()
    }

    /// The running statistics' numbers out of all of a model's ([`parameters`]' order).
    pub fn running_part(&self, all: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.running());
        let mut offset = 0;
        for entry in &self.0 {
            let len = entry.numbers();
            if entry.running {
                out.extend_from_slice(&all[offset..offset + len]);
            }
            offset += len;
        }
        out
    }

    fn check(&self, what: &'static str, got: usize, expected: usize) -> Result<(), FlatError> {
        if got == expected {
            Ok(())
        } else {
            Err(FlatError::Length {
                what,
                got,
                expected,
            })
        }
    }
}

/// Every float tensor of `model`, flattened, in visiting order; `only_running` keeps just the
/// running statistics. BatchNorm's pending update of its running statistics is folded in first
/// (`valid()` syncs them in place), so what is read is what the next forward pass would use.
async fn read(model: &ConvNet, only_running: Option<bool>) -> Result<Vec<f32>, ReadError> {
    struct Collect(Vec<Tensor<1>>, Option<bool>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let tensor = param.val();
            let running = !tensor.is_require_grad();
            if self.1.is_none_or(|only| only == running) {
                let len = tensor.dims().iter().product::<usize>();
                self.0.push(tensor.inner().reshape([len]));
            }
        }
    }
    let _synced = model.valid();
    let mut collect = Collect(Vec::new(), only_running);
    model.visit(&mut collect);
    read_joined(collect.0).await
}

/// `parts` read back as one vector, joined into one tensor first. Burn's ndarray backend reads a
/// tensor that something else still holds (the model, the gradient store) number by number,
/// through a dynamic-rank iterator: ~1 ms for this model's 37,000 numbers in WebAssembly, on
/// every step's critical path. The joined tensor is its own, and is read in one piece (~0.1 ms).
async fn read_joined(parts: Vec<Tensor<1>>) -> Result<Vec<f32>, ReadError> {
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    read_many([Tensor::cat(parts, 0)]).await?[0].to_f32s()
}

/// All of `model`'s numbers: weights and running statistics.
pub async fn parameters(model: &ConvNet) -> Result<Vec<f32>, ReadError> {
    read(model, None).await
}

/// `model`'s running statistics.
pub async fn running(model: &ConvNet) -> Result<Vec<f32>, ReadError> {
    read(model, Some(true)).await
}

/// Replaces `model`'s tensors, in visiting order, by `values` (all of them, or with
/// `only_running` just the running statistics), keeping each tensor's id and device and whether
/// it is trained.
fn replace(
    model: ConvNet,
    layout: &Layout,
    values: &[f32],
    only_running: bool,
) -> Result<ConvNet, FlatError> {
    let expected = if only_running {
        layout.running()
    } else {
        layout.total()
    };
    let what = if only_running {
        "running statistics"
    } else {
        "parameters"
    };
    layout.check(what, values.len(), expected)?;
    // Fold in BatchNorm's pending update first, or it would overwrite what is loaded.
    let _synced = model.valid();
    struct Replace<'a> {
        values: &'a [f32],
        only_running: bool,
    }
    impl ModuleMapper for Replace<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let only_running = self.only_running;
            let values = &mut self.values;
            param.map(|tensor| {
                let trained = tensor.is_require_grad();
                if only_running && trained {
                    return tensor;
                }
                let dims = tensor.dims();
                let len = dims.iter().product::<usize>();
                let (mine, rest) = values.split_at(len);
                *values = rest;
                let device = tensor.device();
                Tensor::from_data(TensorData::new(mine.to_vec(), dims), &device)
                    .set_require_grad(trained)
            })
        }
    }
    Ok(model.map(&mut Replace {
        values,
        only_running,
    }))
}

/// `model` with all its numbers from `values` ([`parameters`]' order).
pub fn load_parameters(
    model: ConvNet,
    layout: &Layout,
    values: &[f32],
) -> Result<ConvNet, FlatError> {
    replace(model, layout, values, false)
}

/// `model` with its running statistics from `values` ([`running`]'s order).
pub fn load_running(model: ConvNet, layout: &Layout, values: &[f32]) -> Result<ConvNet, FlatError> {
    replace(model, layout, values, true)
}

/// The gradients of the trained tensors, flattened in visiting order (zeros for a tensor that
/// got none; `device` is the gradients' own, the model's inner device).
pub async fn gradients(
    grads: &GradientsParams,
    layout: &Layout,
    device: &Device,
) -> Result<Vec<f32>, ReadError> {
    let parts: Vec<Tensor<1>> = layout
        .0
        .iter()
        .filter(|e| !e.running)
        .map(|e| grad_flat(grads, e).unwrap_or_else(|| Tensor::zeros([e.numbers()], device)))
        .collect();
    read_joined(parts).await
}

/// An entry's gradient as a flat tensor (gradients have the tensor's rank: 1, 2 or 4 here).
fn grad_flat(grads: &GradientsParams, entry: &Entry) -> Option<Tensor<1>> {
    let len = entry.numbers();
    match entry.dims.len() {
        1 => grads.get::<1>(entry.id),
        2 => grads.get::<2>(entry.id).map(|t| t.reshape([len])),
        3 => grads.get::<3>(entry.id).map(|t| t.reshape([len])),
        4 => grads.get::<4>(entry.id).map(|t| t.reshape([len])),
        rank => unreachable!("the ConvNet has no tensor of rank {rank}"),
    }
}

/// `grads` plus each of `others` (flat, [`gradients`]' order), as gradients for the optimiser
/// on `device` (the model's inner device).
pub fn add_gradients<'a>(
    grads: GradientsParams,
    layout: &Layout,
    others: impl IntoIterator<Item = &'a [f32]>,
    device: &Device,
) -> Result<GradientsParams, FlatError> {
    let others: Vec<&[f32]> = others.into_iter().collect();
    for other in &others {
        layout.check("gradients", other.len(), layout.trained())?;
    }
    let mut sum = GradientsParams::new();
    let mut offset = 0;
    for entry in layout.0.iter().filter(|e| !e.running) {
        let len = entry.numbers();
        let mut total =
            grad_flat(&grads, entry).unwrap_or_else(|| Tensor::<1>::zeros([len], device));
        for other in &others {
            let part = other[offset..offset + len].to_vec();
            total = total.add(Tensor::from_data(TensorData::new(part, [len]), device));
        }
        register(&mut sum, entry, total);
        offset += len;
    }
    Ok(sum)
}

fn register(grads: &mut GradientsParams, entry: &Entry, flat: Tensor<1>) {
    let d = &entry.dims;
    match d.len() {
        1 => grads.register::<1>(entry.id, flat),
        2 => grads.register::<2>(entry.id, flat.reshape([d[0], d[1]])),
        3 => grads.register::<3>(entry.id, flat.reshape([d[0], d[1], d[2]])),
        4 => grads.register::<4>(entry.id, flat.reshape([d[0], d[1], d[2], d[3]])),
        rank => unreachable!("the ConvNet has no tensor of rank {rank}"),
    }
}
