//! A batch as the model sees it: records → a normalised (and, in training, augmented) image
//! tensor, labels → one-hot targets.

use burn::prelude::*;

use crate::data::augment::{Augmentation, ChannelStats, normalize_into};
use crate::data::cifar::{CLASSES, IMAGE_BYTES};

/// Images (records) → a normalised `[n, 3, 32, 32]` tensor, augmented when `aug` gives
/// (seed, epoch, the images' indices).
pub fn images_tensor(
    records: &[&[u8]],
    stats: &ChannelStats,
    aug: Option<(u64, u64, &[usize])>,
    device: &Device,
) -> Tensor<4> {
    let values = image_values(records, stats, aug);
    Tensor::<4>::from_data(TensorData::new(values, [records.len(), 3, 32, 32]), device)
}

/// [`images_tensor`]'s numbers, `[n, 3, 32, 32]` in order, as plain values.
pub fn image_values(
    records: &[&[u8]],
    stats: &ChannelStats,
    aug: Option<(u64, u64, &[usize])>,
) -> Vec<f32> {
    let mut values = vec![0f32; records.len() * IMAGE_BYTES];
    for (i, (record, out)) in records
        .iter()
        .zip(values.chunks_mut(IMAGE_BYTES))
        .enumerate()
    {
        let augmentation = match aug {
            Some((seed, epoch, indices)) => Augmentation::for_image(seed, epoch, indices[i] as u64),
            None => Augmentation::NONE,
        };
        normalize_into(&record[1..], stats, augmentation, out);
    }
    values
}

/// Labels as one-hot rows `[n, classes]`.
pub fn one_hot(labels: &[usize], device: &Device) -> Tensor<2> {
    let values: Vec<f32> = labels
        .iter()
        .flat_map(|&l| (0..CLASSES).map(move |c| (c == l) as u8 as f32))
        .collect();
    Tensor::<2>::from_data(TensorData::new(values, [labels.len(), CLASSES]), device)
}
