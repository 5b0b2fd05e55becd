//! What a trained model shows besides its accuracy, as plain data the page draws: a few test
//! images with the model's answers, and the first layer's filters. `results` computes them with
//! Burn.

use serde::{Deserialize, Serialize};

/// A test image with the model's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// 3 planes of 32×32 bytes (CIFAR-10 layout).
    pub image: Vec<u8>,
    pub label: usize,
    pub predicted: usize,
}

/// The first convolution's kernels, `[out][in = 3][k][k]` flattened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    pub out: usize,
    pub kernel: usize,
    pub weights: Vec<f32>,
}
