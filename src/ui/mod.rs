//! The UI bundle: Yew components and plots. It never depends on Burn; compute happens in the
//! worker, reached only through [`worker_link`].

pub mod app;
pub mod components;
pub mod math;
pub mod plot;
pub mod state;
pub mod theory;
pub mod url;
pub mod worker_link;
