//! A file the person picked in the page: `cifar-10-binary.tar.gz` (or that tar uncompressed),
//! or one batch file in the binary layout; anything else is named for what it is.

use std::io::Cursor;

use super::archive::{read_archive_pausing, unpaused};
use super::dataset::{Cap, Dataset};
use super::sniff;
use crate::settings::data::DatasetKind;

/// Reads a picked file into a dataset keeping at most `cap` images a class, or says in one
/// sentence what the file is and what to pick instead.
pub fn read_upload(name: &str, bytes: Vec<u8>, cap: Cap) -> Result<Dataset, String> {
    unpaused(read_upload_pausing(name, bytes, cap, async || {}))
}

/// [`read_upload`], awaiting `pause()` between pieces of an archive (see
/// [`read_archive_pausing`]).
pub async fn read_upload_pausing(
    name: &str,
    bytes: Vec<u8>,
    cap: Cap,
    pause: impl AsyncFnMut(),
) -> Result<Dataset, String> {
    if bytes.is_empty() {
        return Err(format!("{name} is empty"));
    }
    if bytes.starts_with(&[0x1f, 0x8b]) || sniff::is_tar(&bytes) {
        let files = read_archive_pausing(Cursor::new(bytes), name, pause)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(Dataset::from_splits(
            DatasetKind::Upload,
            name.to_string(),
            files.classes.clone(),
            &files.train,
            &files.test,
            cap,
        ));
    }
    if let Some(what) = sniff::describe(&bytes) {
        return Err(format!(
            "{name} is {what}, not CIFAR-10: pick cifar-10-binary.tar.gz or one of its batch files (data_batch_1.bin \u{2026} test_batch.bin)"
        ));
    }
    Dataset::from_single_file(name.to_string(), bytes, None, cap).map_err(|e| {
        format!(
            "{name} is neither cifar-10-binary.tar.gz nor a CIFAR-10 batch file in the binary layout: {e}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy::toy_records;

    #[test]
    fn a_picked_png_is_called_a_png_image_not_a_truncated_batch() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.resize(5000, 0);
        let err = read_upload("cat.png", png, Cap::BROWSER).unwrap_err();
        assert_eq!(
            err,
            "cat.png is a PNG image, not CIFAR-10: pick cifar-10-binary.tar.gz or one of its batch files (data_batch_1.bin \u{2026} test_batch.bin)"
        );
        assert!(!err.contains("truncated"), "{err}");
    }

    #[test]
    fn a_batch_file_and_its_damage_are_still_told_apart() {
        let records = toy_records(6, 3);
        let dataset = read_upload("data_batch_1.bin", records.clone(), Cap::BROWSER).unwrap();
        assert_eq!(dataset.train.len() + dataset.test.len(), 60);
        let err =
            read_upload("data_batch_1.bin", records[..100].to_vec(), Cap::BROWSER).unwrap_err();
        assert!(err.contains("the file is truncated"), "{err}");
    }

    /// `cifar-10-binary.tar.gz`'s layout with `per_batch` toy records in each batch file.
    fn archive(per_batch: usize) -> Vec<u8> {
        let batch = toy_records(per_batch / 10, 3);
        crate::data::archive_fixture::cifar_archive(&batch, flate2::Compression::fast())
    }

    #[test]
    fn a_picked_archive_is_read_in_pieces_with_a_pause_between_them_and_the_same_result() {
        // Six batch files of 3,000 records (9.2 MB each): at least three pieces apiece.
        let bytes = archive(3_000);
        let mut pauses = 0;
        let paused = unpaused(read_upload_pausing(
            "cifar-10-binary.tar.gz",
            bytes.clone(),
            Cap::BROWSER,
            async || pauses += 1,
        ))
        .unwrap();
        let whole = read_upload("cifar-10-binary.tar.gz", bytes, Cap::BROWSER).unwrap();
        assert!(pauses >= 6 * 3, "{pauses} pauses");
        assert_eq!(
            (&paused.class_names, &paused.train, &paused.test),
            (&whole.class_names, &whole.train, &whole.test)
        );
        assert_eq!(
            paused.train.len(),
            10 * 1000,
            "capped at the browser's 1,000 a class"
        );
    }
}
