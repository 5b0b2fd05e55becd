//! plotters-canvas figures, one component each.

pub mod theory_plot;
