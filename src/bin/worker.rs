//! The compute bundle: Burn in a dedicated Web Worker (see `lectern::worker`).

fn main() {
    lectern::worker::start();
}
