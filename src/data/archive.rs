//! Reading CIFAR-10's official `cifar-10-binary.tar.gz` from any byte stream (a file for the CLI,
//! an uploaded `ArrayBuffer` in the worker), streamed and validated: every message names the
//! source, the file inside it and the byte offset where that is known.

use std::io::{self, BufRead, BufReader, Read};

use super::cifar::{self, FormatError, META_FILE, RECORD_BYTES, Records, TEST_FILE, TRAIN_FILES};
use crate::format::thousands;

/// The validated content of a CIFAR-10 source.
#[derive(Debug, Clone)]
pub struct CifarFiles {
    /// Class names in label order.
    pub classes: Vec<String>,
    /// `data_batch_1.bin` … `data_batch_5.bin`, in that order.
    pub train: Vec<Records>,
    /// `test_batch.bin`.
    pub test: Records,
}

/// Why a source could not be read. Every message names the file, and the byte offset where
/// that is known.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{name}: {source}")]
    Io { name: String, source: io::Error },
    #[error(
        "{name}: not a gzip-compressed tar archive (byte 0 should start the gzip signature 1f 8b, found {found})"
    )]
    NotGzip { name: String, found: String },
    #[error(
        "{name}: the archive is truncated or corrupt: reading stopped at compressed byte offset {offset}{inside} ({detail})"
    )]
    CorruptArchive {
        name: String,
        offset: String,
        inside: String,
        detail: String,
    },
    #[error(
        "{name}: no {file} in it — is this the CIFAR-10 *binary* version (cifar-10-binary.tar.gz)?"
    )]
    Missing { name: String, file: String },
    #[error("{name}: {file}: {error}")]
    Format {
        name: String,
        file: String,
        error: FormatError,
    },
    #[error(
        "{name}: {file} says it holds {size} bytes, more than any CIFAR-10 file in the binary layout ({limit} at most): the archive is damaged or not CIFAR-10"
    )]
    TooLarge {
        name: String,
        file: String,
        size: String,
        limit: String,
    },
    #[error("{name}: {file} is not UTF-8 text")]
    NotText { name: String, file: String },
    #[error("{name}: {split} set has no image of class {class} ({class_name})")]
    MissingClass {
        name: String,
        split: &'static str,
        class: usize,
        class_name: String,
    },
    #[error(
        "{name}: sha256 is {actual}, expected {expected}: the file is not the archive it should be"
    )]
    Checksum {
        name: String,
        expected: String,
        actual: String,
    },
}

impl CifarFiles {
    /// Number of training records.
    pub fn train_len(&self) -> usize {
        self.train.iter().map(Records::len).sum()
    }
}

/// The files as found, before validation.
#[derive(Default)]
pub(crate) struct RawFiles {
    meta: Option<Vec<u8>>,
    train: [Option<Vec<u8>>; 5],
    test: Option<Vec<u8>>,
}

impl RawFiles {
    /// Keeps `bytes` if `name` (a file name, no folder) is one of the layout's files.
    pub(crate) fn wants(&self, name: &str) -> bool {
        name == META_FILE || name == TEST_FILE || TRAIN_FILES.contains(&name)
    }

    /// The most bytes the layout allows `name` (one of the files [`Self::wants`]): a batch file
    /// holds at most 10,000 records; the class names are a few lines of text.
    pub(crate) fn limit(name: &str) -> u64 {
        if name == META_FILE {
            1 << 16
        } else {
            10_000 * RECORD_BYTES as u64
        }
    }

    pub(crate) fn put(&mut self, name: &str, bytes: Vec<u8>) {
        if name == META_FILE {
            self.meta = Some(bytes);
        } else if name == TEST_FILE {
            self.test = Some(bytes);
        } else if let Some(i) = TRAIN_FILES.iter().position(|f| *f == name) {
            self.train[i] = Some(bytes);
        }
    }

    pub(crate) fn validate(self, name: &str) -> Result<CifarFiles, SourceError> {
        let missing = |file: &str| SourceError::Missing {
            name: name.to_string(),
            file: format!("cifar-10-batches-bin/{file}"),
        };
        let format = |file: &str, error| SourceError::Format {
            name: name.to_string(),
            file: file.to_string(),
            error,
        };
        let meta = self.meta.ok_or_else(|| missing(META_FILE))?;
        let meta = String::from_utf8(meta).map_err(|_| SourceError::NotText {
            name: name.to_string(),
            file: META_FILE.into(),
        })?;
        let classes = cifar::parse_class_names(&meta).map_err(|e| format(META_FILE, e))?;
        let mut train = Vec::with_capacity(TRAIN_FILES.len());
        for (file_name, bytes) in TRAIN_FILES.iter().zip(self.train) {
            let bytes = bytes.ok_or_else(|| missing(file_name))?;
            train.push(Records::parse(bytes).map_err(|e| format(file_name, e))?);
        }
        let test = self.test.ok_or_else(|| missing(TEST_FILE))?;
        let test = Records::parse(test).map_err(|e| format(TEST_FILE, e))?;

        let files = CifarFiles {
            classes,
            train,
            test,
        };
        let mut train_counts = [0; cifar::CLASSES];
        for batch in &files.train {
            for (total, n) in train_counts.iter_mut().zip(batch.class_counts()) {
                *total += n;
            }
        }
        for (split, counts) in [
            ("training", train_counts),
            ("test", files.test.class_counts()),
        ] {
            if let Some(class) = counts.iter().position(|&n| n == 0) {
                return Err(SourceError::MissingClass {
                    name: name.to_string(),
                    split,
                    class,
                    class_name: files.classes[class].clone(),
                });
            }
        }
        Ok(files)
    }
}

/// Counts the bytes read through it, to say where a corrupt stream stopped.
struct Counting<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Reads and validates a `cifar-10-binary.tar.gz` from `reader`, streaming (nothing is unpacked
/// to disk; only the layout's files are kept). `name` names the source in messages.
pub fn read_archive(reader: impl Read, name: &str) -> Result<CifarFiles, SourceError> {
    let mut reader = BufReader::new(reader);
    let magic = reader.fill_buf().map_err(|source| SourceError::Io {
        name: name.to_string(),
        source,
    })?;
    if magic.len() < 2 || magic[..2] != [0x1f, 0x8b] {
        let found = if magic.is_empty() {
            "an empty file".to_string()
        } else {
            magic[..magic.len().min(2)]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        return Err(SourceError::NotGzip {
            name: name.to_string(),
            found,
        });
    }
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let counting = Counting {
        inner: reader,
        count: count.clone(),
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(counting));
    let mut raw = RawFiles::default();
    let mut current = String::new();
    let corrupt = |current: &str, e: io::Error| SourceError::CorruptArchive {
        name: name.to_string(),
        offset: thousands(count.get()),
        inside: if current.is_empty() {
            String::new()
        } else {
            format!(" inside {current}")
        },
        detail: e.to_string(),
    };
    let entries = archive.entries().map_err(|e| corrupt("", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(&current, e))?;
        let entry_path = entry.path().map_err(|e| corrupt(&current, e))?.into_owned();
        current = entry_path.display().to_string();
        let Some(file) = entry_path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if !raw.wants(&file) {
            continue;
        }
        // Checked before anything is allocated: a damaged header may claim gigabytes (and in the
        // browser a failed allocation ends the worker).
        let limit = RawFiles::limit(&file);
        if entry.size() > limit {
            return Err(SourceError::TooLarge {
                name: name.to_string(),
                file: current.clone(),
                size: thousands(entry.size()),
                limit: thousands(limit),
            });
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        (&mut entry)
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(&current, e))?;
        raw.put(&file, bytes);
    }
    raw.validate(name)
}
