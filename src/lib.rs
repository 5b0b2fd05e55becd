//! lectern: an in-browser deep-learning notebook.
//!
//! The library holds the web-free core (`data`, `compute`, and the message `protocol`), the UI
//! bundle's components (`ui`, feature `ui`) and the compute worker (`worker`, feature `worker`).
//! See ARCHITECTURE.md for the map and its invariants.

#[cfg(feature = "compute")]
pub mod compute;
pub mod data;
pub mod nn;
pub mod protocol;
pub mod theory;
pub mod train;
#[cfg(feature = "ui")]
pub mod ui;
#[cfg(feature = "worker")]
pub mod worker;
