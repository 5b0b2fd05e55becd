//! The CIFAR-10 binary layout: validated runs of 3,073-byte records.
//!
//! Each record is one label byte (0–9) followed by 1,024 red, 1,024 green and 1,024 blue bytes of
//! a 32×32 image, row-major. Files hold any number of records (the official ones 10,000, reduced
//! copies fewer), so the count comes from the file length, which must be a multiple of 3,073.

use std::fmt;

use crate::format::thousands;

/// Number of classes.
pub const CLASSES: usize = 10;
/// Image side in pixels.
pub const SIDE: usize = 32;
/// Bytes of one image: three 32×32 channel planes.
pub const IMAGE_BYTES: usize = 3 * SIDE * SIDE;
/// Bytes of one record: the label byte, then the image.
pub const RECORD_BYTES: usize = 1 + IMAGE_BYTES;

/// The files of the official layout, inside `cifar-10-batches-bin/`.
pub const META_FILE: &str = "batches.meta.txt";
pub const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
pub const TEST_FILE: &str = "test_batch.bin";

/// A problem with the content of one file, with the byte offset where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error(
        "{} bytes is not a whole number of {RECORD_BYTES}-byte records: the record at byte offset {} is cut short ({} of {RECORD_BYTES} bytes) — the file is truncated",
        thousands(*len as u64), thousands(*offset as u64), len - offset
    )]
    Truncated { len: usize, offset: usize },
    #[error("the file is empty: it holds no records")]
    Empty,
    #[error("byte offset {} (record {record}): label {label} is not a CIFAR-10 class (0–9)", thousands(*offset as u64))]
    BadLabel {
        offset: usize,
        record: usize,
        label: u8,
    },
    #[error("expected {CLASSES} class names, one a line, found {found}")]
    ClassNames { found: usize },
    #[error(
        "{records} images are too few to keep some of each class for testing: use a whole batch file or the archive"
    )]
    TooFewForTest { records: usize },
}

/// Validated CIFAR-10 records (a batch file's content, a subset, a toy set): a whole number of
/// 3,073-byte records, every label in 0–9.
#[derive(Clone, PartialEq, Eq)]
pub struct Records {
    bytes: Vec<u8>,
}

impl fmt::Debug for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Records({})", self.len())
    }
}

impl Records {
    /// Validates the bytes of one batch file (or any run of records).
    pub fn parse(bytes: Vec<u8>) -> Result<Self, FormatError> {
        let len = bytes.len();
        if len == 0 {
            return Err(FormatError::Empty);
        }
        if !len.is_multiple_of(RECORD_BYTES) {
            return Err(FormatError::Truncated {
                len,
                offset: len - len % RECORD_BYTES,
            });
        }
        for (record, chunk) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
            if chunk[0] as usize >= CLASSES {
                return Err(FormatError::BadLabel {
                    offset: record * RECORD_BYTES,
                    record,
                    label: chunk[0],
                });
            }
        }
        Ok(Self { bytes })
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.bytes.len() / RECORD_BYTES
    }

    /// Always false: an empty batch is rejected by [`Records::parse`].
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The records, each `RECORD_BYTES` long, label first.
    pub fn records(&self) -> impl Iterator<Item = &[u8]> {
        self.bytes.chunks_exact(RECORD_BYTES)
    }

    /// Record `i` (label byte first).
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn record(&self, i: usize) -> &[u8] {
        &self.bytes[i * RECORD_BYTES..(i + 1) * RECORD_BYTES]
    }

    /// Joins records taken from other validated [`Records`] (so already valid).
    ///
    /// # Panics
    /// If nothing is given: a run of records is never empty.
    pub(crate) fn join<'a>(records: impl IntoIterator<Item = &'a [u8]>) -> Self {
        // Sized first: collecting bytes of unknown count grows by doubling (up to 3× the data
        // at once, 90 MB for a 30 MB batch file in the worker).
        let records: Vec<&[u8]> = records.into_iter().collect();
        let mut bytes = Vec::with_capacity(records.iter().map(|r| r.len()).sum());
        for record in records {
            bytes.extend_from_slice(record);
        }
        debug_assert!(bytes.len().is_multiple_of(RECORD_BYTES));
        assert!(!bytes.is_empty(), "a run of records is never empty");
        Self { bytes }
    }

    /// The label of record `i`.
    pub fn label(&self, i: usize) -> usize {
        self.bytes[i * RECORD_BYTES] as usize
    }

    /// The image of record `i`: three 32×32 planes, without the label.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.record(i)[1..]
    }

    /// The raw bytes (records back to back), as a batch file holds them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Images per class.
    pub fn class_counts(&self) -> [usize; CLASSES] {
        let mut counts = [0; CLASSES];
        for record in self.records() {
            counts[record[0] as usize] += 1;
        }
        counts
    }
}

/// Parses `batches.meta.txt`: ten class names, one a line (blank lines ignored).
pub fn parse_class_names(text: &str) -> Result<Vec<String>, FormatError> {
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if names.len() != CLASSES {
        return Err(FormatError::ClassNames { found: names.len() });
    }
    Ok(names)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record with the given label and a recognisable image.
    pub(crate) fn record(label: u8, fill: u8) -> Vec<u8> {
        let mut r = vec![fill; RECORD_BYTES];
        r[0] = label;
        r
    }

    #[test]
    fn counts_records_from_the_length() {
        let bytes: Vec<u8> = (0..7).flat_map(|i| record(i % 10, i)).collect();
        let batch = Records::parse(bytes).unwrap();
        assert_eq!(batch.len(), 7);
        let mut want = [0; CLASSES];
        want[..7].fill(1);
        assert_eq!(batch.class_counts(), want);
    }

    #[test]
    fn rejects_truncated_files_with_the_offset() {
        let mut bytes: Vec<u8> = (0..2).flat_map(|i| record(i, 0)).collect();
        bytes.push(3);
        let err = Records::parse(bytes).unwrap_err();
        assert_eq!(
            err,
            FormatError::Truncated {
                len: 6147,
                offset: 6146
            }
        );
        assert!(err.to_string().contains("byte offset 6,146"), "{err}");
    }

    #[test]
    fn rejects_labels_above_nine_with_the_offset() {
        let bytes: Vec<u8> = [record(1, 0), record(12, 0)].concat();
        let err = Records::parse(bytes).unwrap_err();
        assert_eq!(
            err,
            FormatError::BadLabel {
                offset: 3073,
                record: 1,
                label: 12
            }
        );
        assert!(
            err.to_string()
                .contains("byte offset 3,073 (record 1): label 12"),
            "{err}"
        );
    }

    #[test]
    fn rejects_empty_files() {
        assert_eq!(Records::parse(Vec::new()).unwrap_err(), FormatError::Empty);
    }

    #[test]
    fn class_names_need_ten_lines() {
        let names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
        assert_eq!(parse_class_names(names).unwrap()[9], "truck");
        assert_eq!(
            parse_class_names("cat\ndog\n").unwrap_err(),
            FormatError::ClassNames { found: 2 }
        );
    }
}
