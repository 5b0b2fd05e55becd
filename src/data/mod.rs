//! Images: the CIFAR-10 record layout, the datasets a run draws from and the subsets it trains
//! on, preprocessing and augmentation, the built-in toy set; reading archives (feature `archive`:
//! the CLI and the worker) and files on disk (feature `cli`).

#[cfg(feature = "archive")]
pub mod archive;
#[cfg(all(feature = "archive", any(test, feature = "test-support")))]
pub mod archive_fixture;
pub mod augment;
pub mod bands;
pub mod cifar;
pub mod dataset;
#[cfg(feature = "cli")]
pub mod export;
pub mod long_tail;
pub mod rng;
pub mod site;
#[cfg(feature = "archive")]
pub mod site_codec;
pub mod sniff;
#[cfg(feature = "cli")]
pub mod source;
pub mod subset;
pub mod toy;
#[cfg(feature = "archive")]
pub mod upload;
