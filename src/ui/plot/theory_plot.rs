//! h(x) with its kinks, the tangent lines at the assignment's points and at x0, drawn with
//! plotters on a canvas; redrawn whenever x0, the weights or the range change.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::layout::{Mark, legend_band, triangle};
use super::{Look, use_look};
use crate::format::display;
use crate::theory::{Network, Slope};
use crate::ui::theory::state::PRESETS;

#[derive(Properties, PartialEq)]
pub struct TheoryPlotProps {
    pub network: Network,
    pub x0: f64,
    pub range: (f64, f64),
}

/// Lines to draw at `x`: one tangent, or both one-sided lines at a kink.
fn lines_at(network: &Network, x: f64) -> Vec<(f64, f64)> {
    let h = network.forward(x).h;
    match network.derivative(x) {
        Slope::Defined(w) => vec![(w, h - w * x)],
        Slope::Kink { left, right } => vec![(left, h - left * x), (right, h - right * x)],
    }
}

/// The points where h is drawn: the ends of the range and every kink inside it (h is linear
/// in between, so this polyline is exact).
pub fn curve_points(network: &Network, (from, to): (f64, f64)) -> Vec<(f64, f64)> {
    std::iter::once(from)
        .chain(network.kinks().into_iter().filter(|&k| k > from && k < to))
        .chain(std::iter::once(to))
        .map(|x| (x, network.forward(x).h))
        .collect()
}

fn draw(canvas: HtmlCanvasElement, props: &TheoryPlotProps, look: Look) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no 2-D canvas context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (from, to) = props.range;
    let curve = curve_points(&props.network, props.range);
    let (mut lo, mut hi) = curve
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, y)| {
            (lo.min(y), hi.max(y))
        });
    if hi - lo < 1e-9 {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.12;
    let (lo, hi) = (lo - pad, hi + pad);

    // The assignment's points other than x₀ get dashed tangents (x₀'s own is drawn solid).
    let others: Vec<f64> = PRESETS.into_iter().filter(|&p| p != props.x0).collect();
    let ink = RGBColor(29, 53, 87);
    let accent = RGBColor(214, 120, 0);
    let preset_colour = RGBColor(150, 170, 200);
    let kinks: Vec<(f64, f64)> = props
        .network
        .kinks()
        .into_iter()
        .filter(|&k| k >= from && k <= to)
        .map(|k| (k, props.network.forward(k).h))
        .collect();
    let mut entries = vec![
        ("h(x)".to_string(), Mark::Line(ink)),
        ("tangent at x\u{2080}".to_string(), Mark::Line(accent)),
        (
            format!(
                "tangents at x\u{2080} = {}",
                others
                    .iter()
                    .map(|&p| display(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Mark::Dashed(preset_colour),
        ),
    ];
    if !kinks.is_empty() {
        entries.push(("kink".to_string(), Mark::Triangle(RED)));
    }
    let body = legend_band(&root, &entries, look)?;

    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .x_label_area_size(look.px(40))
        .y_label_area_size(look.px(56))
        .build_cartesian_2d(from..to, lo..hi)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .y_labels(look.ticks(10))
        .x_desc("x")
        .y_desc("h(x)")
        .label_style(look.font(15))
        .axis_desc_style(look.font(15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;

    let clip = |(w, b): (f64, f64)| vec![(from, w * from + b), (to, w * to + b)];
    let preset_style = preset_colour.stroke_width(look.line(1));
    for &p in &others {
        for line in lines_at(&props.network, p) {
            chart
                .draw_series(DashedLineSeries::new(clip(line), 6, 4, preset_style))
                .map_err(|e| e.to_string())?;
        }
    }
    chart
        .draw_series(LineSeries::new(
            curve.clone(),
            ink.stroke_width(look.line(3)),
        ))
        .map_err(|e| e.to_string())?;
    for line in lines_at(&props.network, props.x0) {
        chart
            .draw_series(LineSeries::new(
                clip(line),
                accent.stroke_width(look.line(2)),
            ))
            .map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(kinks.iter().map(|&p| {
            EmptyElement::at(p) + Polygon::new(triangle(look.px(7) as i32), RED.filled())
        }))
        .map_err(|e| e.to_string())?;
    let h0 = props.network.forward(props.x0).h;
    if props.x0 >= from && props.x0 <= to {
        chart
            .draw_series(std::iter::once(Circle::new(
                (props.x0, h0),
                look.px(6),
                accent.filled(),
            )))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

#[function_component]
pub fn TheoryPlot(props: &TheoryPlotProps) -> Html {
    let canvas = use_node_ref();
    let error = use_state(|| None::<String>);
    let look = use_look();
    {
        let canvas = canvas.clone();
        let error = error.clone();
        let deps = (props.network, props.x0, props.range, look);
        use_effect_with(deps, move |&(network, x0, range, look)| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                let props = TheoryPlotProps { network, x0, range };
                let result = draw(element, &props, look).err();
                if *error != result {
                    error.set(result);
                }
            }
        });
    }
    html! {
        <figure class="plot">
            <canvas ref={canvas} width="720" height="380" data-testid="theory-plot"
                    aria-label="Plot of h(x) with its kinks and tangent lines" role="img"></canvas>
            { super::spoken::view(&super::spoken::theory(&props.network, props.x0, props.range), "theory-plot", false) }
            if let Some(e) = &*error {
                <figcaption class="note">{ format!("The plot could not be drawn: {e}") }</figcaption>
            } else {
                <figcaption>{ "h(x) is linear between its kinks (red); dashed: tangents at the assignment's x\u{2080} = 2, \u{2212}1, 1; orange: at your x\u{2080}." }</figcaption>
            }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_bends_exactly_at_the_kinks() {
        let points = curve_points(&Network::default(), (-4.0, 3.0));
        assert_eq!(
            points,
            vec![(-4.0, 0.0), (-2.0, 0.0), (0.0, 3.0), (3.0, 21.0)]
        );
    }

    #[test]
    fn a_kink_gets_both_one_sided_lines() {
        assert_eq!(
            lines_at(&Network::default(), 0.0),
            vec![(1.5, 3.0), (6.0, 3.0)]
        );
        assert_eq!(lines_at(&Network::default(), 2.0), vec![(6.0, 3.0)]);
    }
}
