//! The theory cell's mathematics, exact and web-free: the assignment's 2-layer ReLU network, its
//! derivative by the chain rule with active masks, tangent lines, kinks, and checking a
//! student's work.

pub mod check;
pub mod network;
pub mod numbers;

pub use network::{Forward, Network, Piece, Slope, Tangent};
pub use numbers::TheoryError;
