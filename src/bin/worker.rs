//! The full compute bundle: Burn on WebGPU or the CPU in a dedicated Web Worker (see
//! `lectern::worker`).

fn main() {
    lectern::worker::start();
}
