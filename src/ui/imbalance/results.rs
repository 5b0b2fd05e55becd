//! The imbalance lab's results: the table of finished runs (one row a run, the best of each
//! column marked), its reading and chart, and their exports (CSV, Markdown, PNG).

use std::rc::Rc;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::state::ImbalanceAction;
use super::table::{self, Row, SUMMARY_COLUMNS, best_per_column, reading, to_csv, to_markdown};
use crate::format::plain;
use crate::ui::components::button::button;
use crate::ui::plot::bars::{BarChart, Bars};
use crate::ui::worker_link::{download_text, offer_download};

/// Offers the canvas with `testid` as a PNG download.
fn save_png(testid: &str, name: &str) -> Result<(), String> {
    let canvas: HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("[data-testid=\"{testid}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|e| wasm_bindgen::JsCast::dyn_into(e).ok())
        .ok_or("the chart is not on the page")?;
    let url = canvas
        .to_data_url()
        .map_err(crate::ui::worker_link::js_error)?;
    offer_download(&url, name)
}

/// "Histogram PNG": saves the chart with `testid` as `name`.
fn png_button(
    testid: &'static str,
    chart: &'static str,
    name: &'static str,
    dispatch: &Callback<ImbalanceAction>,
) -> Html {
    let dispatch = dispatch.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        if let Err(e) = save_png(testid, name) {
            dispatch.emit(ImbalanceAction::Note(e));
        }
    });
    html! { <button type="button" class="small" {onclick} data-testid={format!("{testid}-png")}
    title={format!("save the {} chart as {name}", chart.to_ascii_lowercase())}>{ format!("{chart} PNG") }</button> }
}

/// The results section: what `rows` hold, and what can be done with them (`busy`: a queue runs,
/// so the table is not cleared). Inlined into the cell: the UI bundle compresses better so
/// (0.4 kB less gzip).
#[inline(always)]
pub fn results(rows: &Rc<Vec<Row>>, busy: bool, dispatch: &Callback<ImbalanceAction>) -> Html {
    let export = |format: &'static str| {
        let (rows, dispatch) = (rows.clone(), dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            let result = match format {
                "csv" => download_text(&to_csv(&rows), "lectern-imbalance.csv", "text/csv"),
                _ => download_text(&to_markdown(&rows), "lectern-imbalance.md", "text/markdown"),
            };
            if let Err(e) = result {
                dispatch.emit(ImbalanceAction::Note(e));
            }
        })
    };
    let on_clear = dispatch.reform(|_: MouseEvent| ImbalanceAction::ClearRows);
    let best = best_per_column(rows);
    let table = (!rows.is_empty()).then(|| {
        let names = rows[0].class_names.clone();
        html! {
            <div class="results-table-wrap">
                <table class="results-table" data-testid="results-table">
                    <thead><tr>
                        <th>{ "loss" }</th><th>{ "lr" }</th>
                        { for names.iter().map(|n| html! { <th scope="col" class="rot"><span>{ n.clone() }</span></th> }) }
                        { for SUMMARY_COLUMNS.iter().map(|n| html! { <th scope="col" class="rot"><span>{ *n }</span></th> }) }
                        <th></th>
                    </tr></thead>
                    <tbody>
                    { for rows.iter().enumerate().map(|(i, r)| {
                        let remove = {
                            let (dispatch, run) = (dispatch.clone(), r.run);
                            Callback::from(move |_: MouseEvent| dispatch.emit(ImbalanceAction::RemoveRow(run)))
                        };
                        let values = r.per_class.iter().map(|&a| Some(a)).chain(r.summary());
                        html! {
                            <tr class={r.diverged.is_some().then_some("diverged")} title={r.diverged.clone()}>
                                <th scope="row">{ r.label() }{ if r.diverged.is_some() { " \u{2014} NaN" } else { "" } }</th>
                                <td class="num">{ plain(r.learning_rate) }</td>
                                { for values.enumerate().map(|(c, v)| {
                                    let is_best = best.get(c).is_some_and(|b| b.contains(&i));
                                    // Best: bold and shaded, and said in words to a screen reader.
                                    html! { <td class={if is_best { "num best" } else { "num" }}>{ table::cell(v) }
                                        if is_best { <span class="visually-hidden">{ " (best)" }</span> }</td> }
                                }) }
                                <td><button type="button" class="small" onclick={remove} aria-label="remove this run">{ "\u{d7}" }</button></td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
            </div>
        }
    });
    let chart = (!rows.is_empty()).then(|| {
        let names = rows[0].class_names.clone();
        html! {
            <BarChart testid="results-chart" height={320} data={Bars {
                classes: names,
                series: rows.iter().rev().take(6).rev().map(|r| (r.label(), r.per_class.clone())).collect(),
                y_desc: "test accuracy (%)".into(),
                percent: true,
            }} caption={html! { "Per-class test accuracy of the latest runs (up to six)." }} />
        }
    });
    html! {
        <section class="results">
            <h3>{ "Results" }</h3>
            if rows.is_empty() {
                <p class="hint">{ "Finished runs collect here, one row per run: per-class test accuracy, then the mean per class and the many- (> 100 images), medium- and few-shot (< 20) means, the best of each column marked." }</p>
            }
            { table.unwrap_or_default() }
            if let Some(text) = reading(rows) {
                <p class="reading" data-testid="results-reading">{ text }</p>
            }
            { chart.unwrap_or_default() }
            <div class="controls">
                { button("export-csv", "Export CSV", None, rows.is_empty(), export("csv")) }
                { button("export-md", "Export Markdown", None, rows.is_empty(), export("md")) }
                { png_button("class-histogram", "Histogram", "lectern-class-histogram.png", dispatch) }
                { png_button("cb-weights-plot", "Weights", "lectern-cb-weights.png", dispatch) }
                { png_button("results-chart", "Accuracy", "lectern-per-class-accuracy.png", dispatch) }
                { button("results-clear", "Clear table", None, rows.is_empty() || busy, on_clear) }
            </div>
            if !rows.is_empty() {
                <p class="hint">{ "Accuracies in %. Rows stay in this browser (its local storage) until removed or cleared." }</p>
            }
        </section>
    }
}
