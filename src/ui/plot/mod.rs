//! plotters-canvas figures and pixel images, one component each, sharing [`use_canvas`]: a
//! canvas redrawn whenever its data change (in place, so it never flickers).

pub mod bars;
pub mod curves;
pub mod images;
pub mod layout;
pub mod palette;
pub mod spoken;
pub mod theory_plot;

use plotters::style::FontFamily;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Whether the page is in large type (projector mode), for the figures below it (a context).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LargeType(pub bool);

/// How a figure draws its text and lines: 1.6 times larger in large type, so a chart's labels
/// can be read from the back of a room as its HTML can (the canvas keeps its pixel size).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    large: bool,
}

impl Look {
    pub const NORMAL: Look = Look { large: false };
    pub const LARGE: Look = Look { large: true };

    /// `px` (a size in the normal look: text, a label band, a gap) in this look.
    pub fn px(self, px: u32) -> u32 {
        if self.large { px * 8 / 5 } else { px }
    }

    /// The figures' sans-serif font at `px` (normal look).
    pub fn font(self, px: u32) -> (FontFamily<'static>, u32) {
        (FontFamily::SansSerif, self.px(px))
    }

    /// How many axis labels fit where the normal look fits `n`: half as many in large type.
    pub fn ticks(self, n: usize) -> usize {
        if self.large { n.div_ceil(2) } else { n }
    }

    /// A line `width` pixels wide in the normal look: one and a half times in large type.
    pub fn line(self, width: u32) -> u32 {
        if self.large { width * 3 / 2 + 1 } else { width }
    }
}

/// The look of the figures now (large type or not).
#[hook]
pub fn use_look() -> Look {
    match use_context::<LargeType>() {
        Some(LargeType(true)) => Look::LARGE,
        _ => Look::NORMAL,
    }
}

/// A canvas and why drawing it failed, if it did. `draw` runs after every render whose `deps`
/// or look (large type) differ from the last drawing's.
#[hook]
pub fn use_canvas<D>(
    deps: D,
    draw: fn(HtmlCanvasElement, &D, Look) -> Result<(), String>,
) -> (NodeRef, Option<String>)
where
    D: PartialEq + Clone + 'static,
{
    let canvas = use_node_ref();
    let error = use_state(|| None::<String>);
    let look = use_look();
    {
        let (canvas, error) = (canvas.clone(), error.clone());
        use_effect_with((deps, look), move |(deps, look)| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                let result = draw(element, deps, *look).err();
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

#[cfg(test)]
mod tests {
    use super::Look;

    #[test]
    fn large_type_enlarges_a_figures_text_and_lines_and_thins_its_ticks() {
        assert_eq!(Look::NORMAL.px(12), 12);
        assert_eq!(Look::LARGE.px(12), 19);
        assert_eq!(Look::LARGE.font(15).1, 24);
        assert_eq!((Look::NORMAL.line(2), Look::LARGE.line(2)), (2, 4));
        assert_eq!((Look::NORMAL.ticks(10), Look::LARGE.ticks(10)), (10, 5));
    }
}
