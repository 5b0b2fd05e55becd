//! The worker's datasets: the toy set (generated here), the site's CIFAR-10 subset (fetched
//! with progress), and a file the person picked (parsed from the bytes the page handed over).
//! Each is loaded once and shared by the cells that use it.

use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

use super::envelope::scope;
use crate::data::cifar::Records;
use crate::data::dataset::{Cap, Dataset};
use crate::data::site::{META_FILE, SITE_FOLDER, SiteMeta, SplitInfo};
use crate::data::site_codec;
use crate::format::thousands;
use crate::protocol::training::{DataSource, DatasetSummary, TrainingCell};
use crate::settings::data::DatasetKind;

/// The datasets loaded so far: the toy set and the site's subset are shared by the cells; a
/// picked file belongs to the cell it was picked in.
#[derive(Default)]
pub struct Datasets {
    toy: Option<Rc<Dataset>>,
    site: Option<Rc<Dataset>>,
    convnet_upload: Option<Rc<Dataset>>,
    imbalance_upload: Option<Rc<Dataset>>,
}

impl Datasets {
    fn slot(&mut self, cell: TrainingCell, kind: DatasetKind) -> &mut Option<Rc<Dataset>> {
        match (kind, cell) {
            (DatasetKind::Toy, _) => &mut self.toy,
            (DatasetKind::Cifar, _) => &mut self.site,
            (DatasetKind::Upload, TrainingCell::ConvNet) => &mut self.convnet_upload,
            (DatasetKind::Upload, TrainingCell::Imbalance) => &mut self.imbalance_upload,
        }
    }

    /// The dataset of `kind` as `cell` sees it.
    pub fn get(&self, cell: TrainingCell, kind: DatasetKind) -> Option<Rc<Dataset>> {
        match (kind, cell) {
            (DatasetKind::Toy, _) => self.toy.clone(),
            (DatasetKind::Cifar, _) => self.site.clone(),
            (DatasetKind::Upload, TrainingCell::ConvNet) => self.convnet_upload.clone(),
            (DatasetKind::Upload, TrainingCell::Imbalance) => self.imbalance_upload.clone(),
        }
    }

    /// Keeps `dataset` for `cell` (replacing the one of its kind there) and returns it.
    pub fn put(&mut self, cell: TrainingCell, dataset: Dataset) -> Rc<Dataset> {
        let dataset = Rc::new(dataset);
        *self.slot(cell, dataset.kind) = Some(dataset.clone());
        dataset
    }
}

/// What the page shows of a dataset.
pub fn summary(dataset: &Dataset) -> DatasetSummary {
    DatasetSummary {
        source: dataset.kind,
        name: dataset.name.clone(),
        class_names: dataset.class_names.clone(),
        train_per_class: dataset.train_per_class(),
        test_per_class: dataset.test_per_class(),
    }
}

/// Loads `source`; `bytes` are a picked file's, read in pieces with `pause()` awaited between
/// them. `progress(loaded, total)` is told as bytes of the site's files arrive.
pub async fn load(
    source: &DataSource,
    bytes: Option<Vec<u8>>,
    progress: &mut impl FnMut(u64, Option<u64>),
    pause: impl AsyncFnMut(),
) -> Result<Dataset, String> {
    match source {
        DataSource::Toy => Ok(Dataset::toy()),
        DataSource::Site => load_site(progress).await,
        DataSource::Upload { name } => {
            let bytes = bytes.ok_or_else(|| format!("{name}: the file's bytes did not arrive"))?;
            crate::data::upload::read_upload_pausing(name, bytes, Cap::BROWSER, pause).await
        }
    }
}

/// A site file that would not come: not on the server (or damaged), or the download failed.
enum FetchError {
    /// The server answered, but not with the file (HTTP 404…).
    Missing(String),
    /// The network failed or stalled on the way.
    Download(String),
}

fn site_error(what: &str, error: FetchError) -> String {
    match error {
        FetchError::Missing(detail) => format!(
            "The site's CIFAR-10 subset is missing or damaged ({SITE_FOLDER}/{what}: {detail}). Make it with `make data CIFAR10=<cifar-10-binary.tar.gz>` and reload; the toy set works without it."
        ),
        FetchError::Download(detail) => format!(
            "The site's CIFAR-10 subset did not download ({SITE_FOLDER}/{what}: {detail}). Choose the CIFAR-10 subset again to retry; the toy set works meanwhile."
        ),
    }
}

fn missing(what: &str, detail: &str) -> String {
    site_error(what, FetchError::Missing(detail.to_string()))
}

/// Images in all of CIFAR-10 (training and test): no site subset holds more.
const CIFAR_IMAGES: usize = 60_000;

/// A download that brings no byte for this long has stalled.
const STALL_MS: i32 = 20_000;

/// Awaits `promise` (a fetch, or a read of its body), or gives up after [`STALL_MS`] without an
/// answer (neither resolves to `undefined`, which the timer does). The timer is cleared once the
/// race is decided: a download reads its body in many pieces.
async fn within_stall(promise: js_sys::Promise) -> Result<wasm_bindgen::JsValue, FetchError> {
    let handle = std::cell::Cell::new(None);
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        handle.set(
            scope()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, STALL_MS)
                .ok(),
        );
    });
    let first = JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(&promise, &timer))).await;
    if let Some(handle) = handle.get() {
        scope().clear_timeout_with_handle(handle);
    }
    let first = first.map_err(|e| FetchError::Download(describe(e)))?;
    if first.is_undefined() {
        return Err(FetchError::Download(format!(
            "no data for {} s; the network may have dropped",
            STALL_MS / 1000
        )));
    }
    Ok(first)
}

async fn load_site(progress: &mut impl FnMut(u64, Option<u64>)) -> Result<Dataset, String> {
    let meta = fetch_bytes(&format!("{SITE_FOLDER}/{META_FILE}"), &mut |_, _| {})
        .await
        .map_err(|e| site_error(META_FILE, e))?;
    let meta: SiteMeta =
        serde_json::from_slice(&meta).map_err(|e| missing(META_FILE, &e.to_string()))?;
    if meta.format != site_codec::FORMAT {
        return Err(missing(
            META_FILE,
            &format!(
                "written by an older lectern, as \u{201c}{}\u{201d}",
                meta.format
            ),
        ));
    }
    let expected = meta.train.bytes + meta.test.bytes;
    let mut loaded = 0u64;
    let mut fetch = async |split: &SplitInfo| -> Result<Records, String> {
        let bytes = fetch_bytes(&format!("{SITE_FOLDER}/{}", split.file), &mut |n, _| {
            progress(loaded + n, Some(expected))
        })
        .await
        .map_err(|e| site_error(&split.file, e))?;
        loaded += bytes.len() as u64;
        // A meta.json claiming more images than CIFAR-10 has is damaged.
        let records = site_codec::decode(&bytes, split.records.min(CIFAR_IMAGES))
            .map_err(|e| missing(&split.file, &e.to_string()))?;
        Records::parse(records).map_err(|e| missing(&split.file, &e.to_string()))
    };
    let train = fetch(&meta.train).await?;
    let test = fetch(&meta.test).await?;
    let name = format!(
        "the site's CIFAR-10 subset ({} training and {} test images, from {})",
        thousands(train.len() as u64),
        thousands(test.len() as u64),
        meta.source
    );
    Ok(Dataset::from_splits(
        DatasetKind::Cifar,
        name,
        meta.classes,
        &[train],
        &test,
        Cap::NONE,
    ))
}

fn describe(error: wasm_bindgen::JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// GETs `url` (relative to the worker's script) as bytes, reading the body as it streams in;
/// gives up when the network brings nothing for [`STALL_MS`].
async fn fetch_bytes(
    url: &str,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, FetchError> {
    let response: Response = within_stall(scope().fetch_with_str(url))
        .await?
        .dyn_into()
        .map_err(|_| FetchError::Download("the fetch did not return a response".into()))?;
    if !response.ok() {
        return Err(FetchError::Missing(format!(
            "HTTP {} {}",
            response.status(),
            response.status_text()
        )));
    }
    // With Content-Encoding (a server compressing on the wire) the length is of the compressed
    // bytes while the body yields the inflated ones: then the total is unknown.
    let compressed = response
        .headers()
        .get("content-encoding")
        .ok()
        .flatten()
        .is_some();
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|_| !compressed);
    let Some(body) = response.body() else {
        let buffer = response
            .array_buffer()
            .map_err(|e| FetchError::Download(describe(e)))?;
        return Ok(Uint8Array::new(&within_stall(buffer).await?).to_vec());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    let mut reported = 0usize;
    loop {
        let chunk = match within_stall(reader.read()).await {
            Ok(chunk) => chunk,
            Err(stalled) => {
                let _ = reader.cancel();
                return Err(stalled);
            }
        };
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())
            .ok()
            .and_then(|v| v.dyn_into().ok())
            .ok_or_else(|| FetchError::Download("the response body is not bytes".into()))?;
        let start = bytes.len();
        bytes.resize(start + value.length() as usize, 0);
        value.copy_to(&mut bytes[start..]);
        // A progress event every 512 kB or so is plenty for a bar.
        if bytes.len() - reported >= 1 << 19 {
            reported = bytes.len();
            progress(bytes.len() as u64, total);
        }
    }
    progress(bytes.len() as u64, total);
    Ok(bytes)
}
