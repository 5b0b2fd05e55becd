//! Pixel images on canvases: CIFAR-layout images (3 planes of 32×32 bytes) and the first
//! layer's filters, drawn 1:1 and enlarged by CSS (`image-rendering: pixelated`).

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};
use yew::prelude::*;

use super::{Look, use_canvas};

/// Writes RGBA pixels (width × height) onto `canvas`, resizing it to fit.
pub fn put_rgba(
    canvas: &HtmlCanvasElement,
    rgba: &[u8],
    width: u32,
    height: u32,
) -> Result<(), String> {
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(crate::ui::worker_link::js_error)?
        .ok_or("no 2-D canvas context")?
        .dyn_into()
        .map_err(|_| "not a 2-D context")?;
    let data = ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), width, height)
        .map_err(crate::ui::worker_link::js_error)?;
    context
        .put_image_data(&data, 0.0, 0.0)
        .map_err(crate::ui::worker_link::js_error)
}

/// CIFAR planes (R, G, B, each side × side) → RGBA.
pub fn planes_to_rgba(planes: &[u8], side: usize) -> Vec<u8> {
    let plane = side * side;
    (0..plane)
        .flat_map(|p| [planes[p], planes[plane + p], planes[2 * plane + p], 255])
        .collect()
}

// `&Vec` because `use_canvas` hands its dependency (here the `Vec`) by reference.
#[allow(clippy::ptr_arg)]
fn draw_image(canvas: HtmlCanvasElement, planes: &Vec<u8>, _: Look) -> Result<(), String> {
    put_rgba(&canvas, &planes_to_rgba(planes, 32), 32, 32)
}

#[derive(Properties, PartialEq)]
pub struct PixelImageProps {
    /// 3 planes of 32×32 bytes.
    pub planes: Vec<u8>,
    pub label: AttrValue,
}

/// One 32×32 image.
#[function_component]
pub fn PixelImage(props: &PixelImageProps) -> Html {
    let (canvas, _) = use_canvas(props.planes.clone(), draw_image);
    html! { <canvas ref={canvas} class="pixels" width="32" height="32" role="img" aria-label={props.label.clone()}></canvas> }
}

/// A filter's weights `[3][k][k]` → RGBA, each filter stretched to the full 0–255 range
/// (mid-grey = 0).
pub fn filter_to_rgba(weights: &[f32], kernel: usize) -> Vec<u8> {
    let largest = weights.iter().fold(0f32, |m, w| m.max(w.abs())).max(1e-12);
    let plane = kernel * kernel;
    let byte = |w: f32| (127.5 + 127.5 * w / largest).round().clamp(0.0, 255.0) as u8;
    (0..plane)
        .flat_map(|p| {
            [
                byte(weights[p]),
                byte(weights[plane + p]),
                byte(weights[2 * plane + p]),
                255,
            ]
        })
        .collect()
}

fn draw_filter(canvas: HtmlCanvasElement, data: &(Vec<f32>, usize), _: Look) -> Result<(), String> {
    let (weights, kernel) = data;
    put_rgba(
        &canvas,
        &filter_to_rgba(weights, *kernel),
        *kernel as u32,
        *kernel as u32,
    )
}

#[derive(Properties, PartialEq)]
pub struct FilterImageProps {
    pub weights: Vec<f32>,
    pub kernel: usize,
}

/// One k × k RGB filter.
#[function_component]
pub fn FilterImage(props: &FilterImageProps) -> Html {
    let (canvas, _) = use_canvas((props.weights.clone(), props.kernel), draw_filter);
    html! { <canvas ref={canvas} class="pixels filter" role="img" aria-label="a first-layer filter"></canvas> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planes_interleave_into_rgba() {
        let mut planes = vec![0u8; 3 * 4];
        planes[0] = 10; // R of pixel 0
        planes[4 + 1] = 20; // G of pixel 1
        planes[8 + 3] = 30; // B of pixel 3
        let rgba = planes_to_rgba(&planes, 2);
        assert_eq!(&rgba[..4], &[10, 0, 0, 255]);
        assert_eq!(&rgba[4..8], &[0, 20, 0, 255]);
        assert_eq!(&rgba[12..16], &[0, 0, 30, 255]);
    }

    #[test]
    fn filters_are_stretched_around_mid_grey() {
        let rgba = filter_to_rgba(&[1.0, -1.0, 0.0], 1);
        // kernel 1: plane = 1, so weights [R=1, G=-1, B=0] → 255, 0, 128.
        assert_eq!(&rgba[..4], &[255, 0, 128, 255]);
    }
}
