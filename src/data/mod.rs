//! CIFAR-10: the binary layout, reading it from an archive or folder, and the subset the site uses.

pub mod augment;
pub mod cifar;
#[cfg(feature = "cli")]
pub mod export;
pub mod long_tail;
pub mod rng;
#[cfg(feature = "cli")]
pub mod source;
pub mod toy;
