//! The subset of CIFAR-10 the site loads, written atomically into `static/data`.
//!
//! `train.lcz` and `test.lcz` hold CIFAR-10 records encoded by `site_codec` (about half the bytes
//! of the record layout); decoded in the browser, the same validated reader parses them.
//! `meta.json` says what they hold, their sizes and where they came from.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::archive::CifarFiles;
use super::cifar::{CLASSES, RECORD_BYTES, Records};
use super::site::{META_FILE, SiteMeta, SplitInfo, TEST_FILE, TRAIN_FILE};
use super::site_codec;
use super::subset::take_per_class;

/// Training images per class the site keeps by default (5,000 images, 15 MB as records, ~8 MB
/// encoded).
pub const DEFAULT_TRAIN_PER_CLASS: usize = 500;
/// Test images per class the site keeps by default (1,000 images, 3 MB as records, ~1.6 MB
/// encoded).
pub const DEFAULT_TEST_PER_CLASS: usize = 100;

/// The chosen records: the first `per_class` of each class, in file order (the official files
/// are shuffled, so this is a uniform, reproducible choice), encoded as the site serves them.
#[derive(Debug, Clone)]
pub struct SiteSubset {
    pub meta: SiteMeta,
    /// `train.lcz`'s bytes.
    pub train: Vec<u8>,
    /// `test.lcz`'s bytes.
    pub test: Vec<u8>,
}

impl SiteSubset {
    /// Picks up to `train_per_class` and `test_per_class` images of each class. A source with
    /// fewer gives all it has; the counts in `meta` say what was kept.
    pub fn select(
        files: &CifarFiles,
        source_name: &str,
        train_per_class: usize,
        test_per_class: usize,
    ) -> Self {
        let (train, train_counts) = take_per_class(
            files.train.iter().flat_map(Records::records),
            &[train_per_class; CLASSES],
        );
        let (test, test_counts) = take_per_class(files.test.records(), &[test_per_class; CLASSES]);
        let (train, test): (Vec<u8>, Vec<u8>) = (train.concat(), test.concat());
        let (train_file, test_file) = (site_codec::encode(&train), site_codec::encode(&test));
        let split = |file: &str, records: &[u8], encoded: &[u8], per_class: Vec<usize>| SplitInfo {
            file: file.to_string(),
            records: records.len() / RECORD_BYTES,
            bytes: encoded.len() as u64,
            per_class,
        };
        let meta = SiteMeta {
            format: site_codec::FORMAT.into(),
            record_bytes: RECORD_BYTES,
            classes: files.classes.clone(),
            train: split(TRAIN_FILE, &train, &train_file, train_counts),
            test: split(TEST_FILE, &test, &test_file, test_counts),
            source: source_name.to_string(),
        };
        Self {
            meta,
            train: train_file,
            test: test_file,
        }
    }

    /// Writes `train.bin`, `test.bin` and `meta.json` into `out`, replacing what was there only
    /// once everything is written: a failure leaves the old `out` as it was.
    pub fn write_atomically(&self, out: &Path) -> io::Result<()> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        let name = out
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "output path has no name"))?
            .to_string_lossy()
            .into_owned();
        let pid = std::process::id();
        let staging = parent.join(format!(".{name}.new-{pid}"));
        let previous = parent.join(format!(".{name}.old-{pid}"));
        let _ = fs::remove_dir_all(&staging);
        let written = (|| {
            fs::create_dir_all(&staging)?;
            fs::write(staging.join(&self.meta.train.file), &self.train)?;
            fs::write(staging.join(&self.meta.test.file), &self.test)?;
            let json = serde_json::to_string_pretty(&self.meta).map_err(io::Error::other)?;
            fs::write(staging.join(META_FILE), json + "\n")
        })();
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        let had_previous = out.exists();
        if had_previous {
            fs::rename(out, &previous)?;
        }
        if let Err(e) = fs::rename(&staging, out) {
            if had_previous {
                let _ = fs::rename(&previous, out);
            }
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        if had_previous {
            fs::remove_dir_all(&previous)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::cifar::tests::record;

    fn files() -> CifarFiles {
        let batch = |labels: &[u8]| {
            Records::parse(labels.iter().flat_map(|&l| record(l, l)).collect()).unwrap()
        };
        let all: Vec<u8> = (0..10).collect();
        CifarFiles {
            classes: (0..10).map(|i| format!("class{i}")).collect(),
            train: vec![
                batch(&all),
                batch(&all),
                batch(&[0, 0, 1]),
                batch(&all),
                batch(&all),
            ],
            test: batch(&all),
        }
    }

    #[test]
    fn keeps_the_first_images_of_each_class() {
        let subset = SiteSubset::select(&files(), "toy.tar.gz", 2, 5);
        assert_eq!(subset.meta.train.per_class, vec![2; 10]);
        assert_eq!(subset.meta.train.records, 20);
        // A source with fewer test images than asked gives all it has.
        assert_eq!(subset.meta.test.per_class, vec![1; 10]);
        let kept = Records::parse(site_codec::decode(&subset.train, 20).unwrap()).unwrap();
        assert_eq!(kept.class_counts(), [2; 10]);
    }

    #[test]
    fn writes_files_and_replaces_the_old_folder() {
        let dir = crate::scratch::ScratchDir::new();
        let out = dir.path().join("data");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("stale.txt"), "old").unwrap();
        let subset = SiteSubset::select(&files(), "toy.tar.gz", 1, 1);
        subset.write_atomically(&out).unwrap();
        assert!(!out.join("stale.txt").exists());
        let train = fs::read(out.join(TRAIN_FILE)).unwrap();
        assert_eq!(train.len() as u64, subset.meta.train.bytes);
        assert_eq!(
            site_codec::decode(&train, 10).unwrap().len(),
            10 * RECORD_BYTES
        );
        let meta: SiteMeta =
            serde_json::from_str(&fs::read_to_string(out.join(META_FILE)).unwrap()).unwrap();
        assert_eq!(meta, subset.meta);
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the data folder remains");
    }
}
