//! The paper cell's experiments (Geirhos et al., ICLR 2019, asked of a small CIFAR ConvNet, as a
//! proxy): image transforms and pairings (plain Rust), what the experiments found (`results`),
//! and running them on a model (`experiment`, with Burn).

#[cfg(feature = "compute")]
pub mod experiment;
pub mod reading;
pub mod results;
pub mod transforms;
