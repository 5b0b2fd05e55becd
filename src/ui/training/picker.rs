//! The dataset picker of a training cell: the built-in toy set, the site's CIFAR-10 subset, or a
//! file the person picks (`cifar-10-binary.tar.gz` or one `.bin` batch), with loading progress.

use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::data::DataState;
use super::files;
use crate::format::{percent, thousands};
use crate::protocol::ToWorker;
use crate::protocol::training::{DataSource, Request, TrainingCell};
use crate::settings::data::DatasetKind;
use crate::ui::worker_link::Worker;

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    pub cell: TrainingCell,
    pub data: DataState,
    /// Told when a load was sent (or a file could not be read: `Err`).
    pub on_load: Callback<Result<DatasetKind, String>>,
    #[prop_or_default]
    pub disabled: bool,
}

fn label(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Toy => "toy shapes (built in, instant)",
        DatasetKind::Cifar => "CIFAR-10 subset (a download)",
        DatasetKind::Upload => "your own file\u{2026}",
    }
}

/// Loads `chosen` once `needs` turns true (the worker is ready and the dataset was never asked
/// for); `on_auto` records that it was.
#[hook]
pub fn use_dataset_autoload(
    cell: TrainingCell,
    needs: bool,
    chosen: DatasetKind,
    on_auto: Callback<()>,
) {
    let worker = use_context::<Worker>().expect("the worker context");
    use_effect_with((needs, chosen), move |&(needs, chosen)| {
        if needs {
            on_auto.emit(());
            let source = match chosen {
                DatasetKind::Cifar => DataSource::Site,
                _ => DataSource::Toy,
            };
            worker.send(ToWorker::training(cell, Request::LoadData(source)));
        }
    });
}

#[function_component]
pub fn DatasetPicker(props: &PickerProps) -> Html {
    let worker = use_context::<Worker>().expect("the worker context");
    let file_input = use_node_ref();
    let cell = props.cell;
    let onchange = {
        let (worker, on_load, file_input) =
            (worker.clone(), props.on_load.clone(), file_input.clone());
        Callback::from(move |e: Event| {
            let source = match e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .as_str()
            {
                "toy" => DataSource::Toy,
                "cifar" => DataSource::Site,
                _ => {
                    if let Some(input) = file_input.cast::<HtmlInputElement>() {
                        input.click();
                    }
                    return;
                }
            };
            on_load.emit(Ok(source.kind()));
            worker.send(ToWorker::training(cell, Request::LoadData(source)));
        })
    };
    let on_file = {
        let (worker, on_load) = (worker.clone(), props.on_load.clone());
        Callback::from(move |e: Event| {
            let Some(file) = files::picked(&e.target_unchecked_into::<HtmlInputElement>()) else {
                return;
            };
            let (worker, on_load) = (worker.clone(), on_load.clone());
            spawn_local(async move {
                match files::read(&file).await {
                    Ok(bytes) => {
                        on_load.emit(Ok(DatasetKind::Upload));
                        let request = Request::LoadData(DataSource::Upload { name: file.name() });
                        worker.send_with_bytes(ToWorker::training(cell, request), bytes);
                    }
                    Err(e) => on_load.emit(Err(e)),
                }
            });
        })
    };
    let d = &props.data;
    let status = match (&d.loading, d.current()) {
        (Some((kind, loaded, total)), _) => {
            let share = total.map(|t| (*loaded as f64 / t.max(1) as f64, t as f64 / 1e6));
            html! {
                <p class="data-status" data-testid="data-status">
                    { format!("Loading {}\u{2026} ", label(*kind)) }
                    if let Some((share, megabytes)) = share {
                        <progress max="1" value={share.to_string()}></progress>
                        { format!(" {} of {megabytes:.1} MB", percent(share, 0)) }
                    } else {
                        { format!("{} kB", thousands(loaded / 1024)) }
                    }
                </p>
            }
        }
        (None, Some(summary)) => {
            let train: usize = summary.train_per_class.iter().sum();
            let test: usize = summary.test_per_class.iter().sum();
            let most = summary.train_per_class.iter().max().copied().unwrap_or(0);
            html! {
                <p class="data-status" data-testid="data-status">
                    { format!("{}: {} training images (up to {} a class), {} test images; classes {}.",
                        summary.name, thousands(train as u64), thousands(most as u64), thousands(test as u64),
                        summary.class_names.join(", ")) }
                </p>
            }
        }
        (None, None) => {
            html! { <p class="data-status" data-testid="data-status">{ "No dataset loaded yet." }</p> }
        }
    };
    html! {
        <div class="picker">
            <label class="knob">
                <span class="knob-label">{ "dataset" }</span>
                <select {onchange} disabled={props.disabled} data-testid="dataset-select">
                    { for [DatasetKind::Toy, DatasetKind::Cifar, DatasetKind::Upload].into_iter().map(|kind| html! {
                        <option value={kind.key()} selected={d.chosen == kind}>{ label(kind) }</option>
                    }) }
                </select>
            </label>
            <label class="file-pick">
                <span>{ "or a file: " }</span>
                <input type="file" ref={file_input} accept=".gz,.tgz,.bin" onchange={on_file}
                       disabled={props.disabled} data-testid="dataset-file" />
            </label>
            { status }
        </div>
    }
}
