//! plotters-canvas figures and pixel images, one component each, sharing [`use_canvas`]: a
//! canvas redrawn whenever its data change (in place, so it never flickers).

pub mod bars;
pub mod curves;
pub mod images;
pub mod layout;
pub mod palette;
pub mod spoken;
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
