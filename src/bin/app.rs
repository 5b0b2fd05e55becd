//! The UI bundle: the notebook page (see `lectern::ui`). No Burn here — compute runs in the worker.

fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<lectern::ui::app::App>::new().render();
}
