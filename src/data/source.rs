//! Reading CIFAR-10 from where it lies on disk: the official `cifar-10-binary.tar.gz` (streamed,
//! never unpacked) or an extracted `cifar-10-batches-bin/` folder.

use std::fs::File;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::archive::{CifarFiles, RawFiles, SourceError, read_archive};
use super::cifar::{META_FILE, TEST_FILE, TRAIN_FILES};

/// Reads and validates a `.tar.gz` archive or a folder (the `cifar-10-batches-bin` folder
/// itself, or one that contains it).
pub fn open(path: &Path) -> Result<CifarFiles, SourceError> {
    let meta = std::fs::metadata(path).map_err(|source| io_err(path, source))?;
    if meta.is_dir() {
        read_dir(path)?.validate(&path.display().to_string())
    } else {
        let file = File::open(path).map_err(|source| io_err(path, source))?;
        read_archive(file, &path.display().to_string())
    }
}

/// A file's sha256, in lowercase hex (what `sha256sum` prints).
pub fn sha256_hex(path: &Path) -> Result<String, SourceError> {
    let mut file = File::open(path).map_err(|source| io_err(path, source))?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(|source| io_err(path, source))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Checks a file's sha256 (`actual`, from [`sha256_hex`]) against an expected hex digest.
pub fn verify_sha256(path: &Path, actual: &str, expected: &str) -> Result<(), SourceError> {
    if actual.eq_ignore_ascii_case(expected.trim()) {
        Ok(())
    } else {
        Err(SourceError::Checksum {
            name: path.display().to_string(),
            expected: expected.trim().to_ascii_lowercase(),
            actual: actual.to_string(),
        })
    }
}

fn io_err(path: &Path, source: io::Error) -> SourceError {
    SourceError::Io {
        name: path.display().to_string(),
        source,
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
