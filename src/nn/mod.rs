//! Neural-network pieces for the ConvNet and class-imbalance cells. `class_balance` is plain
//! Rust; the Burn models and losses join it with the training core.

pub mod class_balance;
#[cfg(feature = "compute")]
pub mod conv_kernel;
#[cfg(feature = "compute")]
pub mod convnet;
#[cfg(feature = "compute")]
pub mod losses;
