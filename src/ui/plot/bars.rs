//! Bar charts over the ten classes: one series (images per class), several runs side by side
//! (per-class accuracy), and the class-balanced weights on a log scale.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::layout::{Mark, class_names, legend_band};
use super::palette::{ACCENT, FAINT, GRID, INK, RUNS};
use super::{Look, caption, spoken, use_canvas};
use crate::format::plain;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Bars over classes: one value per class for each series.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub classes: Vec<String>,
    /// (legend label, one value per class).
    pub series: Vec<(String, Vec<f64>)>,
    pub y_desc: String,
    /// Values are fractions shown as percentages (0–100 %).
    pub percent: bool,
}

fn draw_bars(canvas: HtmlCanvasElement, data: &Bars, look: Look) -> Result<(), String> {
    let root = CanvasBackend::with_canvas_object(canvas)
        .ok_or("no 2-D canvas context")?
        .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let scale = if data.percent { 100.0 } else { 1.0 };
    let top = if data.percent {
        100.0
    } else {
        data.series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.1
    };
    let n = data.classes.len().max(1);
    let groups = data.series.len().max(1);
    let colour = |s: usize| {
        if groups == 1 {
            INK
        } else {
            RUNS[s % RUNS.len()]
        }
    };
    let body = if groups > 1 {
        let entries: Vec<(String, Mark)> = data
            .series
            .iter()
            .enumerate()
            .map(|(s, (label, _))| (label.clone(), Mark::Swatch(colour(s))))
            .collect();
        legend_band(&root, &entries, look)?
    } else {
        root.clone()
    };
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(look.px(34))
        .y_label_area_size(look.px(56))
        .build_cartesian_2d(0f64..n as f64, 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_labels(look.ticks(10))
        .disable_x_mesh()
        // The class names are written under the plot by `layout::class_names`.
        .x_labels(n + 1)
        .x_label_formatter(&|_| String::new())
        .y_desc(data.y_desc.as_str())
        .y_label_formatter(&|v| plain(*v))
        .label_style(look.font(12))
        .axis_desc_style(look.font(13))
        .light_line_style(GRID)
        .draw()
        .map_err(err)?;
    let width = 0.8 / groups as f64;
    for (s, (_, values)) in data.series.iter().enumerate() {
        let left = |i: usize| i as f64 + 0.1 + s as f64 * width;
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                Rectangle::new(
                    [(left(i), 0.0), (left(i) + width * 0.92, v * scale)],
                    colour(s).filled(),
                )
            }))
            .map_err(err)?;
    }
    let (x, y) = chart.plotting_area().get_pixel_range();
    class_names(&root, x, y.end + 6, &data.classes, look)?;
    root.present().map_err(err)
}

#[derive(Properties, PartialEq)]
pub struct BarChartProps {
    pub data: Bars,
    pub testid: AttrValue,
    pub caption: Html,
    #[prop_or(260)]
    pub height: u32,
}

#[function_component]
pub fn BarChart(props: &BarChartProps) -> Html {
    let (canvas, error) = use_canvas(props.data.clone(), draw_bars);
    html! {
        <figure class="plot">
            <canvas ref={canvas} width="640" height={props.height.to_string()} data-testid={props.testid.clone()}
                    role="img" aria-label={props.data.y_desc.clone()}></canvas>
            { spoken::view(&spoken::bars(&props.data), &props.testid, false) }
            { caption(error, props.caption.clone()) }
        </figure>
    }
}

/// Images per class with their effective numbers and class-balanced weights.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassWeights {
    pub classes: Vec<String>,
    pub counts: Vec<usize>,
    /// E_n = (1 − βⁿ)/(1 − β).
    pub effective: Vec<f64>,
    /// Normalised to sum to the number of classes.
    pub weights: Vec<f64>,
}

/// A tick's label on an axis that plots log₁₀ of the values: the value there, to two significant
/// digits (`1`, `3.2`, `10`, `0.032`).
fn log_tick(exponent: f64) -> String {
    let value = 10f64.powf(exponent);
    let unit = 10f64.powf(value.log10().floor() - 1.0);
    plain((value / unit).round() * unit)
}

/// The counts, effective numbers and weights span orders of magnitude, so the chart plots log₁₀
/// of each on a plain axis labelled with the values themselves (rather than plotters' log-scale
/// axis, a second instantiation of its whole chart code in the UI bundle).
fn draw_weights(canvas: HtmlCanvasElement, data: &ClassWeights, look: Look) -> Result<(), String> {
    let root = CanvasBackend::with_canvas_object(canvas)
        .ok_or("no 2-D canvas context")?
        .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let values = data
        .counts
        .iter()
        .map(|&c| c as f64)
        .chain(data.effective.iter().copied())
        .chain(data.weights.iter().copied())
        .filter(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = values.fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo.is_finite() {
        (lo / 2.0, hi * 2.0)
    } else {
        (0.1, 10.0)
    };
    let log = |v: f64| v.max(lo).log10();
    let n = data.classes.len().max(1);
    let body = legend_band(
        &root,
        &[
            ("images n".to_string(), Mark::Swatch(FAINT)),
            ("effective number E\u{2099}".to_string(), Mark::Line(INK)),
            ("class weight (normalised)".to_string(), Mark::Line(ACCENT)),
        ],
        look,
    )?;
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(look.px(34))
        .y_label_area_size(look.px(56))
        .build_cartesian_2d(0f64..n as f64, log(lo)..log(hi))
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_labels(look.ticks(10))
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| log_tick(*v))
        .y_desc("log scale")
        .label_style(look.font(12))
        .axis_desc_style(look.font(13))
        .light_line_style(GRID)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(data.counts.iter().enumerate().map(|(i, &c)| {
            Rectangle::new(
                [(i as f64 + 0.2, log(lo)), (i as f64 + 0.8, log(c as f64))],
                FAINT.filled(),
            )
        }))
        .map_err(err)?;
    let centre = |values: &[f64]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as f64 + 0.5, log(v)))
            .collect()
    };
    for (colour, values) in [(INK, &data.effective), (ACCENT, &data.weights)] {
        let points = centre(values);
        chart
            .draw_series(
                LineSeries::new(points, colour.stroke_width(look.line(2))).point_size(look.px(3)),
            )
            .map_err(err)?;
    }
    let (x, y) = chart.plotting_area().get_pixel_range();
    class_names(&root, x, y.end + 6, &data.classes, look)?;
    root.present().map_err(err)
}

#[derive(Properties, PartialEq)]
pub struct WeightsChartProps {
    pub data: ClassWeights,
    pub caption: Html,
}

#[function_component]
pub fn WeightsChart(props: &WeightsChartProps) -> Html {
    let (canvas, error) = use_canvas(props.data.clone(), draw_weights);
    html! {
        <figure class="plot">
            <canvas ref={canvas} width="640" height="300" data-testid="cb-weights-plot" role="img"
                    aria-label="Images, effective numbers and class-balanced weights per class, log scale"></canvas>
            { spoken::view(&spoken::weights(&props.data), "cb-weights-plot", false) }
            { caption(error, props.caption.clone()) }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::log_tick;

    #[test]
    fn log_axis_ticks_read_as_values_to_two_significant_digits() {
        let ticks: Vec<String> = [-1.5, -1.0, 0.0, 0.5, 1.5, 2.0, 3.0]
            .into_iter()
            .map(log_tick)
            .collect();
        assert_eq!(ticks, ["0.032", "0.1", "1", "3.2", "32", "100", "1000"]);
    }
}
