//! The notebook shell's visual pieces, one small function component each.

pub mod cell;
pub mod key_help;
pub mod status_bar;
pub mod toc;
