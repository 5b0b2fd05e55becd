//! A run kept for a reload: the last finished epoch of a training cell's run — its model (the
//! checkpoint `Save model` downloads), the curves so far (the batches' and epochs' reports the
//! page plots) and what it was started with — as the bytes the worker stores in the browser's
//! IndexedDB after each epoch (`worker::keep`), one record per cell.
//!
//! The bytes: a magic, a format version (`u16`), the body's length (`u64`), the body (postcard)
//! and an FNV-1a hash of the body. Whatever the storage gives back is checked before it is read:
//! a record of another version, cut short or changed gets a sentence saying so, never a panic.
//! Plain Rust (no Burn, no web), tested natively.

use serde::{Deserialize, Serialize};

use super::cell::TrainingCell;
use super::progress::{EpochReport, StepReport};
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::knob::{Knob, RunSettings};
use crate::settings::train::TrainSettings;

/// The first bytes of every kept record.
pub const MAGIC: &[u8; 12] = b"lectern-kept";
/// The format version this build writes and reads.
pub const VERSION: u16 = 1;
/// Magic, version and body length.
const HEADER: usize = MAGIC.len() + 2 + 8;

/// The last finished epoch of a run, with what is needed to go on from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptRun {
    pub cell: TrainingCell,
    /// When the run was started (milliseconds since 1970, the browser's clock).
    pub started_at_ms: f64,
    pub data: DatasetKind,
    /// The dataset's name as the page shows it (an uploaded file's name).
    pub data_name: String,
    pub subset: SubsetSettings,
    pub settings: TrainSettings,
    /// Every trained batch's report up to the end of the last finished epoch.
    pub steps: Vec<StepReport>,
    /// One report per finished epoch (the run id is the old run's).
    pub epochs: Vec<EpochReport>,
    /// Training time so far, pauses excluded.
    pub training_seconds: f64,
    /// The model after the last finished epoch, as a checkpoint file's bytes.
    pub checkpoint: Vec<u8>,
}

impl KeptRun {
    /// Epochs finished.
    pub fn epochs_done(&self) -> usize {
        self.epochs.len()
    }

    /// Whether the run had trained all its epochs.
    pub fn finished(&self) -> bool {
        self.epochs_done() >= self.settings.epochs
    }

    /// The record's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let body = postcard::to_allocvec(self).expect("a kept run holds plain data");
        let mut bytes = Vec::with_capacity(HEADER + body.len() + 8);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&fnv1a(&body).to_le_bytes());
        bytes
    }

    /// Reads a record's bytes, or says why they are not one this build can resume.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        const DISCARD: &str = "discard it and start the run again";
        if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
            return Err(format!(
                "the kept run is not a lectern record ({} bytes): {DISCARD}",
                bytes.len()
            ));
        }
        let version = u16::from_le_bytes([bytes[MAGIC.len()], bytes[MAGIC.len() + 1]]);
        if version != VERSION {
            return Err(format!(
                "the kept run was written by another version of lectern (format {version}; this one reads {VERSION}): {DISCARD}"
            ));
        }
        let mut length = [0u8; 8];
        length.copy_from_slice(&bytes[MAGIC.len() + 2..HEADER]);
        let length = u64::from_le_bytes(length);
        let expected = (HEADER as u64).saturating_add(length).saturating_add(8);
        if bytes.len() as u64 != expected {
            return Err(format!(
                "the kept run is cut short or padded ({} bytes where its header says {expected}): {DISCARD}",
                bytes.len()
            ));
        }
        let body = &bytes[HEADER..bytes.len() - 8];
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&bytes[bytes.len() - 8..]);
        if fnv1a(body) != u64::from_le_bytes(stored) {
            return Err(format!(
                "the kept run is damaged (its check sum does not match): {DISCARD}"
            ));
        }
        match postcard::take_from_bytes::<KeptRun>(body) {
            Ok((kept, [])) => Ok(kept),
            Ok((_, rest)) => Err(format!(
                "the kept run has {} bytes left over after it: {DISCARD}",
                rest.len()
            )),
            Err(e) => Err(format!("the kept run is unreadable ({e}): {DISCARD}")),
        }
    }

    /// The training knobs as the page's form writes them, keyed by their URL names (the page
    /// fills the form with these before it resumes the run).
    pub fn form_texts(&self) -> Vec<(&'static str, String)> {
        let run = RunSettings {
            train: self.settings.clone(),
            subset: self.subset,
        };
        Knob::ALL.map(|knob| (knob.key(), knob.text(&run))).to_vec()
    }
}

/// FNV-1a, 64 bits: enough to tell a damaged record from a good one (not a defence against
/// someone forging one: the record never leaves the browser).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_id::RunId;
    use crate::settings::train::Schedule;
    use crate::train::metrics::Confusion;

    fn example() -> KeptRun {
        let step = |i: usize| StepReport {
            iteration: i,
            epoch: i / 4,
            loss: 2.0 - i as f32 * 0.1,
            accuracy: 0.25,
            learning_rate: 0.05,
            images: 32,
            millis: 12.5,
        };
        let epoch = |e: usize| EpochReport {
            run: RunId(7),
            epoch: e,
            train_loss: 1.5,
            train_accuracy: 0.4,
            test: Confusion::new(10),
            learning_rate: 0.05,
            images_per_second: 900.0,
            seconds: 3.0 * e as f64,
        };
        let mut settings = TrainSettings::for_dataset(DatasetKind::Toy);
        settings.epochs = 4;
        KeptRun {
            cell: TrainingCell::ConvNet,
            started_at_ms: 1_796_650_920_000.0,
            data: DatasetKind::Toy,
            data_name: "toy shapes".into(),
            subset: SubsetSettings::for_dataset(DatasetKind::Toy),
            settings,
            steps: (0..8).map(step).collect(),
            epochs: vec![epoch(1), epoch(2)],
            training_seconds: 6.0,
            checkpoint: vec![1, 2, 3, 250, 0, 7],
        }
    }

    #[test]
    fn a_kept_run_round_trips() {
        let kept = example();
        let bytes = kept.encode();
        assert_eq!(&bytes[..MAGIC.len()], MAGIC);
        assert_eq!(KeptRun::decode(&bytes), Ok(kept.clone()));
        assert_eq!(kept.epochs_done(), 2);
        assert!(!kept.finished());
    }

    #[test]
    fn another_version_is_refused_with_both_versions_named() {
        let mut bytes = example().encode();
        bytes[MAGIC.len()] = 2;
        let error = KeptRun::decode(&bytes).unwrap_err();
        assert!(
            error.contains("format 2; this one reads 1") && error.ends_with("start the run again"),
            "{error}"
        );
    }

    #[test]
    fn damaged_short_long_and_foreign_records_are_refused_with_a_sentence() {
        let good = example().encode();
        let mut flipped = good.clone();
        let middle = HEADER + (good.len() - HEADER - 8) / 2;
        flipped[middle] ^= 0x40;
        assert!(KeptRun::decode(&flipped).unwrap_err().contains("damaged"));
        for cut in [0, 5, HEADER, good.len() - 1] {
            let error = KeptRun::decode(&good[..cut]).unwrap_err();
            assert!(
                error.contains("not a lectern record") || error.contains("cut short"),
                "{cut}: {error}"
            );
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(
            KeptRun::decode(&longer)
                .unwrap_err()
                .contains("cut short or padded")
        );
        // A header claiming an enormous body is refused without reading (or allocating) it.
        let mut huge = good.clone();
        huge[MAGIC.len() + 2..HEADER].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(KeptRun::decode(&huge).unwrap_err().contains("cut short"));
        assert!(
            KeptRun::decode(b"{\"json\": true}")
                .unwrap_err()
                .contains("not a lectern record")
        );
        // A body whose hash matches but which is not a kept run: unreadable, not a panic.
        let junk = [0xffu8; 20];
        let mut forged = Vec::new();
        forged.extend_from_slice(MAGIC);
        forged.extend_from_slice(&VERSION.to_le_bytes());
        forged.extend_from_slice(&(junk.len() as u64).to_le_bytes());
        forged.extend_from_slice(&junk);
        forged.extend_from_slice(&fnv1a(&junk).to_le_bytes());
        assert!(KeptRun::decode(&forged).unwrap_err().contains("unreadable"));
    }

    #[test]
    fn every_prefix_and_every_single_byte_change_is_refused_without_a_panic() {
        let good = example().encode();
        for cut in 0..good.len() {
            assert!(KeptRun::decode(&good[..cut]).is_err(), "prefix {cut}");
        }
        for at in 0..good.len() {
            let mut changed = good.clone();
            changed[at] = changed[at].wrapping_add(1);
            assert!(KeptRun::decode(&changed).is_err(), "byte {at}");
        }
    }

    /// The page fills its form from these texts: they must be exactly what the form shows for
    /// the same settings, under the same keys.
    #[cfg(feature = "ui")]
    #[test]
    fn the_form_texts_are_the_forms_own() {
        use crate::ui::training::form::{Field, Form};
        for kind in [DatasetKind::Toy, DatasetKind::Cifar] {
            let mut kept = example();
            kept.settings = TrainSettings::for_dataset(kind);
            kept.settings.schedule = Schedule::Step {
                at_epochs: vec![2, 5],
                factor: 0.5,
            };
            kept.subset = SubsetSettings::for_dataset(kind);
            let form = Form::of(&kept.settings, &kept.subset);
            let texts = kept.form_texts();
            assert_eq!(texts.len(), Field::COUNT, "one text a knob");
            for (key, text) in texts {
                let field = Field::ALL
                    .into_iter()
                    .find(|f| f.key() == key)
                    .unwrap_or_else(|| panic!("{key} is not a form field"));
                assert_eq!(form.text(field), text, "{key}");
            }
        }
    }
}
