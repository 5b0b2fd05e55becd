//! The CPU compute bundle: the same worker without Burn's WebGPU backend (see `lectern::worker`),
//! loaded when the browser has no usable WebGPU adapter or the CPU was asked for.

fn main() {
    lectern::worker::start();
}
