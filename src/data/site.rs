//! The site's CIFAR-10 subset as `lectern data` writes it into `static/data` and the worker
//! fetches it: `train.bin` and `test.bin` in the CIFAR-10 record layout, and `meta.json`.

use serde::{Deserialize, Serialize};

pub const TRAIN_FILE: &str = "train.bin";
pub const TEST_FILE: &str = "test.bin";
pub const META_FILE: &str = "meta.json";
/// Where the site serves them, relative to the page.
pub const SITE_FOLDER: &str = "static/data";

/// What one written split holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitInfo {
    pub file: String,
    pub records: usize,
    pub per_class: Vec<usize>,
}

/// `meta.json`: the description of the written subset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteMeta {
    pub format: String,
    pub record_bytes: usize,
    pub classes: Vec<String>,
    pub train: SplitInfo,
    pub test: SplitInfo,
    /// File name of the source archive or folder.
    pub source: String,
}
