//! Reading CIFAR-10 from where it lies: the official `cifar-10-binary.tar.gz` (streamed, never
//! unpacked to disk) or an extracted `cifar-10-batches-bin/` folder.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::cifar::{self, Batch, FormatError, META_FILE, TEST_FILE, TRAIN_FILES};

/// The validated content of a CIFAR-10 source.
#[derive(Debug, Clone)]
pub struct CifarFiles {
    /// Class names in label order.
    pub classes: Vec<String>,
    /// `data_batch_1.bin` … `data_batch_5.bin`, in that order.
    pub train: Vec<Batch>,
    /// `test_batch.bin`.
    pub test: Batch,
}

/// Why a source could not be read. Every message names the file, and the byte offset where
/// that is known.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{path}: not a gzip-compressed tar archive (byte 0 should start the gzip signature 1f 8b, found {found})"
    )]
    NotGzip { path: PathBuf, found: String },
    #[error(
        "{path}: the archive is truncated or corrupt: reading stopped at compressed byte offset {offset}{inside} ({detail})"
    )]
    CorruptArchive {
        path: PathBuf,
        offset: String,
        inside: String,
        detail: String,
    },
    #[error(
        "{path}: no {file} in it — is this the CIFAR-10 *binary* version (cifar-10-binary.tar.gz)?"
    )]
    Missing { path: PathBuf, file: String },
    #[error("{path}: {file}: {error}")]
    Format {
        path: PathBuf,
        file: String,
        error: FormatError,
    },
    #[error("{path}: {file} is not UTF-8 text")]
    NotText { path: PathBuf, file: String },
    #[error("{path}: {split} set has no image of class {class} ({name})")]
    MissingClass {
        path: PathBuf,
        split: &'static str,
        class: usize,
        name: String,
    },
    #[error(
        "{path}: sha256 is {actual}, expected {expected}: the file is not the archive it should be"
    )]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
}

impl CifarFiles {
    /// Reads and validates a `.tar.gz` archive or a folder (the `cifar-10-batches-bin` folder
    /// itself, or one that contains it).
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let meta = std::fs::metadata(path).map_err(|source| io_err(path, source))?;
        let raw = if meta.is_dir() {
            read_dir(path)?
        } else {
            read_archive(path)?
        };
        raw.validate(path)
    }

    /// Number of training records.
    pub fn train_len(&self) -> usize {
        self.train.iter().map(Batch::len).sum()
    }
}

/// Checks a file's sha256 against an expected hex digest.
pub fn verify_sha256(path: &Path, expected: &str) -> Result<(), SourceError> {
    let mut file = File::open(path).map_err(|source| io_err(path, source))?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(|source| io_err(path, source))?;
    let actual: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual.eq_ignore_ascii_case(expected.trim()) {
        Ok(())
    } else {
        Err(SourceError::Checksum {
            path: path.to_path_buf(),
            expected: expected.trim().to_ascii_lowercase(),
            actual,
        })
    }
}

fn io_err(path: &Path, source: io::Error) -> SourceError {
    SourceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The files as found, before validation.
#[derive(Default)]
struct RawFiles {
    meta: Option<Vec<u8>>,
    train: [Option<Vec<u8>>; 5],
    test: Option<Vec<u8>>,
}

impl RawFiles {
    /// Keeps `bytes` if `name` (a file name, no folder) is one of the layout's files.
    fn wants(&self, name: &str) -> bool {
        name == META_FILE || name == TEST_FILE || TRAIN_FILES.contains(&name)
    }

    fn put(&mut self, name: &str, bytes: Vec<u8>) {
        if name == META_FILE {
            self.meta = Some(bytes);
        } else if name == TEST_FILE {
            self.test = Some(bytes);
        } else if let Some(i) = TRAIN_FILES.iter().position(|f| *f == name) {
            self.train[i] = Some(bytes);
        }
    }

    fn validate(self, path: &Path) -> Result<CifarFiles, SourceError> {
        let missing = |file: &str| SourceError::Missing {
            path: path.to_path_buf(),
            file: format!("cifar-10-batches-bin/{file}"),
        };
        let format = |file: &str, error| SourceError::Format {
            path: path.to_path_buf(),
            file: file.to_string(),
            error,
        };
        let meta = self.meta.ok_or_else(|| missing(META_FILE))?;
        let meta = String::from_utf8(meta).map_err(|_| SourceError::NotText {
            path: path.to_path_buf(),
            file: META_FILE.into(),
        })?;
        let classes = cifar::parse_class_names(&meta).map_err(|e| format(META_FILE, e))?;
        let mut train = Vec::with_capacity(TRAIN_FILES.len());
        for (name, bytes) in TRAIN_FILES.iter().zip(self.train) {
            let bytes = bytes.ok_or_else(|| missing(name))?;
            train.push(Batch::parse(bytes).map_err(|e| format(name, e))?);
        }
        let test = self.test.ok_or_else(|| missing(TEST_FILE))?;
        let test = Batch::parse(test).map_err(|e| format(TEST_FILE, e))?;

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
                    path: path.to_path_buf(),
                    split,
                    class,
                    name: files.classes[class].clone(),
                });
            }
        }
        Ok(files)
    }
}

fn read_dir(path: &Path) -> Result<RawFiles, SourceError> {
    let nested = path.join("cifar-10-batches-bin");
    let dir = if nested.is_dir() {
        nested
    } else {
        path.to_path_buf()
    };
    let mut raw = RawFiles::default();
    for name in std::iter::once(META_FILE)
        .chain(TRAIN_FILES)
        .chain([TEST_FILE])
    {
        let file = dir.join(name);
        match std::fs::read(&file) {
            Ok(bytes) => raw.put(name, bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(io_err(&file, source)),
        }
    }
    Ok(raw)
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

fn read_archive(path: &Path) -> Result<RawFiles, SourceError> {
    let mut file = File::open(path).map_err(|source| io_err(path, source))?;
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic).map_err(|source| io_err(path, source))?;
    if got < 2 || magic != [0x1f, 0x8b] {
        let found = if got == 0 {
            "an empty file".to_string()
        } else {
            magic[..got]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        return Err(SourceError::NotGzip {
            path: path.to_path_buf(),
            found,
        });
    }
    let file = File::open(path).map_err(|source| io_err(path, source))?;
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let counting = Counting {
        inner: BufReader::new(file),
        count: count.clone(),
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(counting));
    let mut raw = RawFiles::default();
    let mut current = String::new();
    let corrupt = |current: &str, e: io::Error| SourceError::CorruptArchive {
        path: path.to_path_buf(),
        offset: cifar::thousands(count.get()),
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
        let Some(name) = entry_path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if !raw.wants(&name) {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(&current, e))?;
        raw.put(&name, bytes);
    }
    Ok(raw)
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
