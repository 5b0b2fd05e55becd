//! plotters-canvas figures and pixel images, one component each, sharing [`use_canvas`]: a
//! canvas redrawn whenever its data change (in place, so it never flickers).

pub mod bars;
pub mod curves;
pub mod images;
pub mod layout;
pub mod theory_plot;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// A canvas and why drawing it failed, if it did. `draw` runs after every render whose `deps`
/// differ from the last drawing's.
#[hook]
pub fn use_canvas<D>(
    deps: D,
    draw: fn(HtmlCanvasElement, &D) -> Result<(), String>,
) -> (NodeRef, Option<String>)
where
    D: PartialEq + Clone + 'static,
{
    let canvas = use_node_ref();
    let error = use_state(|| None::<String>);
    {
        let (canvas, error) = (canvas.clone(), error.clone());
        use_effect_with(deps, move |deps| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                let result = draw(element, deps).err();
                if *error != result {
                    error.set(result);
                }
            }
        });
    }
    (canvas, (*error).clone())
}

/// The figure's caption, or why it could not be drawn.
pub fn caption(error: Option<String>, text: Html) -> Html {
    match error {
        Some(e) => {
            html! { <figcaption class="note">{ format!("The figure could not be drawn: {e}") }</figcaption> }
        }
        None => html! { <figcaption>{ text }</figcaption> },
    }
}

/// Colours shared by the figures.
pub mod palette {
    use plotters::style::RGBColor;

    pub const INK: RGBColor = RGBColor(29, 53, 87);
    pub const ACCENT: RGBColor = RGBColor(214, 120, 0);
    pub const FAINT: RGBColor = RGBColor(170, 185, 210);
    pub const GRID: RGBColor = RGBColor(235, 235, 235);
    pub const OK: RGBColor = RGBColor(31, 122, 74);
    /// One colour per compared run (cycled).
    pub const RUNS: [RGBColor; 6] = [
        RGBColor(29, 53, 87),
        RGBColor(214, 120, 0),
        RGBColor(31, 122, 74),
        RGBColor(164, 38, 44),
        RGBColor(110, 80, 160),
        RGBColor(90, 100, 112),
    ];
}
