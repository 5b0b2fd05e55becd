//! The worker's datasets: the toy set (generated here), the site's CIFAR-10 subset (fetched
//! with progress), and a file the person picked (parsed from the bytes the page handed over).
//! Each is loaded once and shared by the cells that use it.

use std::io::Cursor;
use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

use super::envelope::scope;
use crate::data::archive::read_archive;
use crate::data::cifar::Records;
use crate::data::dataset::{Cap, Dataset};
use crate::data::site::{META_FILE, SITE_FOLDER, SiteMeta, TEST_FILE, TRAIN_FILE};
use crate::format::thousands;
use crate::protocol::training::{DataSource, DatasetSummary};
use crate::settings::data::DatasetKind;

/// The datasets loaded so far.
#[derive(Default)]
pub struct Datasets {
    toy: Option<Rc<Dataset>>,
    site: Option<Rc<Dataset>>,
    upload: Option<Rc<Dataset>>,
}

impl Datasets {
    pub fn get(&self, kind: DatasetKind) -> Option<Rc<Dataset>> {
        match kind {
            DatasetKind::Toy => self.toy.clone(),
            DatasetKind::Cifar => self.site.clone(),
            DatasetKind::Upload => self.upload.clone(),
        }
    }

    /// Keeps `dataset` (replacing the one of its kind) and returns it.
    pub fn put(&mut self, dataset: Dataset) -> Rc<Dataset> {
        let dataset = Rc::new(dataset);
        let slot = match dataset.kind {
            DatasetKind::Toy => &mut self.toy,
            DatasetKind::Cifar => &mut self.site,
            DatasetKind::Upload => &mut self.upload,
        };
        *slot = Some(dataset.clone());
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

/// Loads `source`; `bytes` are a picked file's. `progress(loaded, total)` is told as bytes of
/// the site's files arrive.
pub async fn load(
    source: &DataSource,
    bytes: Option<Vec<u8>>,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> Result<Dataset, String> {
    match source {
        DataSource::Toy => Ok(Dataset::toy()),
        DataSource::Site => load_site(progress).await,
        DataSource::Upload { name } => {
            let bytes = bytes.ok_or_else(|| format!("{name}: the file's bytes did not arrive"))?;
            parse_upload(name, bytes)
        }
    }
}

/// A picked file: `cifar-10-binary.tar.gz`, or one batch file in the binary layout.
pub fn parse_upload(name: &str, bytes: Vec<u8>) -> Result<Dataset, String> {
    if bytes.is_empty() {
        return Err(format!("{name} is empty"));
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let files = read_archive(Cursor::new(bytes), name).map_err(|e| e.to_string())?;
        return Ok(Dataset::from_splits(
            DatasetKind::Upload,
            name.to_string(),
            files.classes.clone(),
            &files.train,
            &files.test,
            Cap::BROWSER,
        ));
    }
    Dataset::from_single_file(name.to_string(), bytes, None, Cap::BROWSER).map_err(|e| {
        format!(
            "{name} is neither cifar-10-binary.tar.gz nor a CIFAR-10 batch file in the binary layout: {e}"
        )
    })
}

fn missing(what: &str, detail: &str) -> String {
    format!(
        "The site's CIFAR-10 subset is missing or damaged ({SITE_FOLDER}/{what}: {detail}). Make it with `make data CIFAR10=<cifar-10-binary.tar.gz>` and reload; the toy set works without it."
    )
}

async fn load_site(progress: &mut impl FnMut(u64, Option<u64>)) -> Result<Dataset, String> {
    let meta = fetch_bytes(&format!("{SITE_FOLDER}/{META_FILE}"), &mut |_, _| {})
        .await
        .map_err(|e| missing(META_FILE, &e))?;
    let meta: SiteMeta =
        serde_json::from_slice(&meta).map_err(|e| missing(META_FILE, &e.to_string()))?;
    let expected = ((meta.train.records + meta.test.records) * meta.record_bytes) as u64;
    let mut loaded = 0u64;
    let mut fetch = async |file: &str| -> Result<Records, String> {
        let bytes = fetch_bytes(&format!("{SITE_FOLDER}/{file}"), &mut |n, _| {
            progress(loaded + n, Some(expected))
        })
        .await
        .map_err(|e| missing(file, &e))?;
        loaded += bytes.len() as u64;
        Records::parse(bytes).map_err(|e| missing(file, &e.to_string()))
    };
    let train = fetch(TRAIN_FILE).await?;
    let test = fetch(TEST_FILE).await?;
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

/// GETs `url` (relative to the worker's script) as bytes, reading the body as it streams in.
async fn fetch_bytes(
    url: &str,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, String> {
    let response: Response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "the fetch did not return a response".to_string())?;
    if !response.ok() {
        return Err(format!(
            "HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let Some(body) = response.body() else {
        let buffer = JsFuture::from(response.array_buffer().map_err(describe)?)
            .await
            .map_err(describe)?;
        return Ok(Uint8Array::new(&buffer).to_vec());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    let mut reported = 0usize;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(describe)?;
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())
            .map_err(describe)?
            .dyn_into()
            .map_err(|_| "the response body is not bytes".to_string())?;
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
