//! A run's curves: the loss of every batch (faint) under its moving average, and the train and
//! test accuracy after each epoch.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::layout::{Mark, legend_band};
use super::palette::{ACCENT, FAINT, GRID, INK, OK, TRAIN};
use super::{Look, caption, spoken, use_canvas};
use crate::format::plain;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The loss curve's data.
#[derive(Debug, Clone, PartialEq)]
pub struct LossCurve {
    pub raw: Vec<f32>,
    pub smooth: Vec<f32>,
    /// Batches in an epoch (dotted lines between epochs), and batches in the whole run.
    pub per_epoch: usize,
    pub total: usize,
}

fn draw_loss(canvas: HtmlCanvasElement, data: &LossCurve, look: Look) -> Result<(), String> {
    let root = CanvasBackend::with_canvas_object(canvas)
        .ok_or("no 2-D canvas context")?
        .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let top = data
        .raw
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f32, f32::max)
        .max(0.1) as f64
        * 1.05;
    let right = data.total.max(data.raw.len()).max(1) as f64;
    let body = legend_band(
        &root,
        &[
            ("each batch".to_string(), Mark::Line(FAINT)),
            ("moving average".to_string(), Mark::Line(INK)),
            (
                "epoch boundary".to_string(),
                Mark::Dashed(RGBColor(190, 190, 190)),
            ),
        ],
        look,
    )?;
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(look.px(36))
        .y_label_area_size(look.px(52))
        .build_cartesian_2d(0f64..right, 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_labels(look.ticks(10))
        .x_desc("batch")
        .y_desc("training loss")
        .label_style(look.font(13))
        .axis_desc_style(look.font(13))
        .y_label_formatter(&|v| plain(*v))
        .x_label_formatter(&|v| plain(v.round()))
        .light_line_style(GRID)
        .draw()
        .map_err(err)?;
    if data.per_epoch > 0 {
        let boundaries = (1..)
            .map(|e| (e * data.per_epoch) as f64)
            .take_while(|&x| x < right);
        for x in boundaries {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, top)],
                    3,
                    4,
                    RGBColor(210, 210, 210).stroke_width(look.line(1)),
                ))
                .map_err(err)?;
        }
    }
    let points = |values: &[f32]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| (i as f64 + 1.0, v as f64))
            .collect()
    };
    chart
        .draw_series(LineSeries::new(
            points(&data.raw),
            FAINT.stroke_width(look.line(1)),
        ))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            points(&data.smooth),
            INK.stroke_width(look.line(2)),
        ))
        .map_err(err)?;
    root.present().map_err(err)
}

#[derive(Properties, PartialEq)]
pub struct LossPlotProps {
    pub data: LossCurve,
}

#[function_component]
pub fn LossPlot(props: &LossPlotProps) -> Html {
    let (canvas, error) = use_canvas(props.data.clone(), draw_loss);
    html! {
        <figure class="plot">
            <canvas ref={canvas} width="640" height="300" data-testid="loss-plot"
                    role="img" aria-label="Training loss of every batch and its moving average"></canvas>
            { spoken::view(&spoken::loss(&props.data), "loss-plot", false) }
            { caption(error, html! { "Training loss of each batch (faint) and its moving average (dark); dashed lines separate epochs." }) }
        </figure>
    }
}

/// Accuracy after each epoch, as fractions.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyCurve {
    pub epochs: usize,
    pub train: Vec<f64>,
    pub test: Vec<f64>,
    /// Mean per-class test accuracy (shown when it differs: long-tailed data).
    pub mean_per_class: Option<Vec<f64>>,
}

fn draw_accuracy(
    canvas: HtmlCanvasElement,
    data: &AccuracyCurve,
    look: Look,
) -> Result<(), String> {
    let root = CanvasBackend::with_canvas_object(canvas)
        .ok_or("no 2-D canvas context")?
        .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let right = data.epochs.max(data.test.len()).max(1) as f64;
    let mut lines = vec![
        ("train (augmented batches)", TRAIN, &data.train),
        ("test", INK, &data.test),
    ];
    if let Some(mean) = &data.mean_per_class {
        lines.push(("test, mean per class", ACCENT, mean));
    }
    let mut entries: Vec<(String, Mark)> = lines
        .iter()
        .map(|(label, colour, _)| (label.to_string(), Mark::Line(*colour)))
        .collect();
    entries.push(("chance (10 %)".to_string(), Mark::Dashed(OK)));
    let body = legend_band(&root, &entries, look)?;
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(look.px(36))
        .y_label_area_size(look.px(52))
        .build_cartesian_2d(0f64..right, 0f64..100f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_labels(look.ticks(10))
        .x_desc("epoch")
        .y_desc("accuracy (%)")
        .label_style(look.font(13))
        .axis_desc_style(look.font(13))
        // One tick an epoch (at most 20), labelled only at whole epochs.
        .x_labels(look.ticks((right as usize).min(20)) + 1)
        .x_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-6 {
                plain(v.round())
            } else {
                String::new()
            }
        })
        .light_line_style(GRID)
        .draw()
        .map_err(err)?;
    let series = |values: &[f64]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as f64 + 1.0, 100.0 * v))
            .collect()
    };
    for (_, colour, values) in lines {
        let points = series(values);
        chart
            .draw_series(
                LineSeries::new(points, colour.stroke_width(look.line(2))).point_size(look.px(3)),
            )
            .map_err(err)?;
    }
    let chance = [(0.0, 10.0), (right, 10.0)];
    chart
        .draw_series(DashedLineSeries::new(
            chance,
            4,
            4,
            OK.stroke_width(look.line(1)),
        ))
        .map_err(err)?;
    root.present().map_err(err)
}

#[derive(Properties, PartialEq)]
pub struct AccuracyPlotProps {
    pub data: AccuracyCurve,
}

#[function_component]
pub fn AccuracyPlot(props: &AccuracyPlotProps) -> Html {
    let (canvas, error) = use_canvas(props.data.clone(), draw_accuracy);
    html! {
        <figure class="plot">
            <canvas ref={canvas} width="640" height="280" data-testid="acc-plot"
                    role="img" aria-label="Training and test accuracy after each epoch"></canvas>
            { spoken::view(&spoken::accuracy(&props.data), "acc-plot", true) }
            { caption(error, html! { "Accuracy after each epoch. Training accuracy is measured on augmented batches while the weights change; test accuracy on the held-out images." }) }
        </figure>
    }
}
