//! Reading CIFAR-10's official `cifar-10-binary.tar.gz` from any byte stream (a file for the CLI,
//! an uploaded `ArrayBuffer` in the worker), streamed and validated: every message names the
//! source, the file inside it and the byte offset where that is known.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use super::cifar::{self, FormatError, META_FILE, RECORD_BYTES, Records, TEST_FILE, TRAIN_FILES};
use super::sniff;
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
        "{name}: not a gzip-compressed tar archive{what} (byte 0 should start the gzip signature 1f 8b, found {found})"
    )]
    NotGzip {
        name: String,
        found: String,
        /// What the file looks like instead (`: it starts like a PNG image`), or nothing.
        what: String,
    },
    #[error(
        "{name}: it unpacks to more than {limit} bytes, more than cifar-10-binary.tar.gz holds (about 184 MB): it is damaged or not CIFAR-10, and reading stopped there"
    )]
    Unpacks { name: String, limit: String },
    #[error(
        "{name}: none of CIFAR-10's files is in it (cifar-10-batches-bin/batches.meta.txt, data_batch_1.bin … data_batch_5.bin, test_batch.bin){seen}. Pick cifar-10-binary.tar.gz, the binary version of CIFAR-10"
    )]
    NoCifarFiles {
        name: String,
        /// What it holds instead (`; it holds a.txt, b.png and 3 more`), or nothing.
        seen: String,
    },
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
    /// The first few entries of an archive (for a message when none is CIFAR-10's), and how
    /// many there were.
    seen: Vec<String>,
    entries: usize,
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

    /// Notes an archive entry's path, for [`SourceError::NoCifarFiles`].
    fn saw(&mut self, path: &str) {
        self.entries += 1;
        if self.seen.len() < SEEN_LISTED {
            self.seen.push(path.chars().take(80).collect());
        }
    }

    fn describe_seen(&self) -> String {
        if self.entries == 0 {
            return String::new();
        }
        let mut text = format!("; it holds {}", self.seen.join(", "));
        if self.entries > self.seen.len() {
            text += &format!(
                " and {} more",
                thousands((self.entries - self.seen.len()) as u64)
            );
        }
        if self.seen.iter().any(|p| p.contains("cifar-10-batches-py")) {
            text += " \u{2014} that is the Python version (cifar-10-python.tar.gz)";
        } else if self.seen.iter().any(|p| p.contains("cifar-10-batches-mat")) {
            text += " \u{2014} that is the MATLAB version";
        }
        text
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
        if self.meta.is_none() && self.test.is_none() && self.train.iter().all(Option::is_none) {
            return Err(SourceError::NoCifarFiles {
                name: name.to_string(),
                seen: self.describe_seen(),
            });
        }
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

/// Entries listed in [`SourceError::NoCifarFiles`].
const SEEN_LISTED: usize = 5;

/// The most bytes an archive may unpack to: room for the layout's six batch files (≈ 184 MB in
/// the official archive, whose other files are a few kB) and one batch file's worth for anything
/// else a tar holds. A gzip bomb stops here, instead of inflating for minutes.
pub const MAX_UNPACKED: u64 = 7 * 10_000 * RECORD_BYTES as u64;

/// Counts the bytes read through it: compressed ones, to say where a corrupt stream stopped;
/// unpacked ones, to stop at `limit` (then `over` is set and reading fails).
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    limit: u64,
    over: Rc<Cell<bool>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        if self.count.get() > self.limit {
            self.over.set(true);
            return Err(io::Error::other("unpacked past the limit"));
        }
        Ok(n)
    }
}

impl<R> Counting<R> {
    fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            count: Rc::default(),
            limit,
            over: Rc::default(),
        }
    }
}

/// Reads and validates a `cifar-10-binary.tar.gz` (or the same tar, uncompressed) from
/// `reader`, streaming (nothing is unpacked to disk; only the layout's files are kept, each
/// growing with the bytes that arrive, never by what a header claims). `name` names the source
/// in messages.
pub fn read_archive(reader: impl Read, name: &str) -> Result<CifarFiles, SourceError> {
    unpaused(read_archive_pausing(reader, name, async || {}))
}

/// Unpacked bytes read between two pauses of [`read_archive_pausing`] (a few tens of ms).
const PIECE: u64 = 4 << 20;

/// [`read_archive`], awaiting `pause()` after every [`PIECE`] of unpacked bytes and every
/// entry: the browser's worker yields there, so the other cells' work goes on while a picked
/// archive is read.
pub async fn read_archive_pausing(
    reader: impl Read,
    name: &str,
    mut pause: impl AsyncFnMut(),
) -> Result<CifarFiles, SourceError> {
    let mut reader = BufReader::new(reader);
    let start = reader.fill_buf().map_err(|source| SourceError::Io {
        name: name.to_string(),
        source,
    })?;
    let gzip = start.starts_with(&[0x1f, 0x8b]);
    if !gzip && !sniff::is_tar(start) {
        let found = if start.is_empty() {
            "an empty file".to_string()
        } else {
            start[..start.len().min(2)]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        return Err(SourceError::NotGzip {
            name: name.to_string(),
            found,
            what: sniff::describe(start)
                .map(|what| format!(": it starts like {what}"))
                .unwrap_or_default(),
        });
    }
    let compressed = Counting::new(reader, u64::MAX);
    let count = compressed.count.clone();
    let unpacked: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(compressed))
    } else {
        Box::new(compressed)
    };
    let unpacked = Counting::new(unpacked, MAX_UNPACKED);
    let over = unpacked.over.clone();
    let mut archive = tar::Archive::new(unpacked);
    let mut raw = RawFiles::default();
    let mut current = String::new();
    let corrupt = |current: &str, e: io::Error| {
        if over.get() {
            return SourceError::Unpacks {
                name: name.to_string(),
                limit: thousands(MAX_UNPACKED),
            };
        }
        SourceError::CorruptArchive {
            name: name.to_string(),
            offset: thousands(count.get()),
            inside: if current.is_empty() {
                String::new()
            } else {
                format!(" inside {current}")
            },
            detail: e.to_string(),
        }
    };
    let entries = archive.entries().map_err(|e| corrupt("", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(&current, e))?;
        let entry_path = entry.path().map_err(|e| corrupt(&current, e))?.into_owned();
        current = entry_path.display().to_string();
        raw.saw(&current);
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
        // Grown as bytes arrive (at most twice what came): a header's size is only a claim.
        let mut bytes = Vec::new();
        let mut kept = (&mut entry).take(limit);
        while (&mut kept)
            .take(PIECE)
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(&current, e))?
            > 0
        {
            pause().await;
        }
        raw.put(&file, bytes);
        pause().await;
    }
    if over.get() {
        return Err(corrupt(&current, io::Error::other("")));
    }
    raw.validate(name)
}

/// The value of a future whose every await completes at once (a pause that does nothing), as
/// the CLI and the tests read an archive.
pub(crate) fn unpaused<T>(future: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
    }
}
