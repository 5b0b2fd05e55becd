//! The notebook's reusable visual pieces, one small function component each.

pub mod button;
pub mod cell;
pub mod key_help;
pub mod knob;
pub mod number_field;
pub mod status_bar;
pub mod toc;
