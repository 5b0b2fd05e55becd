//! The UI bundle: Yew components and plots. It never depends on Burn; compute happens in the
//! worker, reached only through [`worker_link`] (a [`worker_link::Worker`] in a Yew context).
//!
//! One folder per cell (`theory/`, `convnet/`, `imbalance/`, `paper/`), each with its `state`
//! (a struct with its own actions and replies, the cell component's reducer), listed once in
//! [`cells`]; `training/` holds what the two training cells share; `components/` and `plot/` the
//! reusable pieces.

pub mod app;
pub mod cells;
pub mod components;
pub mod convnet;
pub mod heard;
pub mod imbalance;
pub mod keys;
pub mod local_store;
pub mod math;
pub mod paper;
pub mod plot;
pub mod series;
pub mod state;
pub mod theory;
pub mod training;
pub mod url;
pub mod worker_link;
