//! The site's CIFAR-10 subset as `lectern data` writes it into `static/data` and the worker
//! fetches it: `train.lcz` and `test.lcz` (CIFAR-10 records, encoded by `site_codec` to about
//! half their size), and `meta.json`.

use serde::{Deserialize, Serialize};

// Not `.gz`: some hosts would then label them `Content-Encoding: gzip` and the browser would
// inflate them on the way.
pub const TRAIN_FILE: &str = "train.lcz";
pub const TEST_FILE: &str = "test.lcz";
pub const META_FILE: &str = "meta.json";
/// Where the site serves them, relative to the page.
pub const SITE_FOLDER: &str = "static/data";

/// What one written split holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitInfo {
    pub file: String,
    pub records: usize,
    /// The file's size: what a student downloads (absent in the older, unencoded layout).
    #[serde(default)]
    pub bytes: u64,
    pub per_class: Vec<usize>,
}

/// `meta.json`: the description of the written subset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteMeta {
    /// How the files are encoded (`site_codec::FORMAT`).
    pub format: String,
    pub record_bytes: usize,
    pub classes: Vec<String>,
    pub train: SplitInfo,
    pub test: SplitInfo,
    /// File name of the source archive or folder.
    pub source: String,
}
