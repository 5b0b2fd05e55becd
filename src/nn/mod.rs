//! Neural-network pieces for the ConvNet and class-imbalance cells. `class_balance` is plain
//! Rust; the Burn models and losses join it with the training core.

#[cfg(feature = "compute")]
pub mod batch_norm_kernel;
pub mod class_balance;
#[cfg(feature = "compute")]
pub mod conv_kernel;
#[cfg(feature = "compute")]
pub mod conv_same;
#[cfg(feature = "compute")]
pub mod conv_unit_inference;
#[cfg(feature = "compute")]
pub mod convnet;
#[cfg(feature = "compute")]
mod kernels;
#[cfg(feature = "compute")]
pub mod losses;
#[cfg(feature = "compute")]
pub mod pool_kernel;
