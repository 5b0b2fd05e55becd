//! Scoring a model on test images in eval mode (no augmentation; BatchNorm's running statistics,
//! no dropout), a chunk at a time.

use burn::prelude::*;

use super::batches::images_tensor;
use crate::compute::{ReadError, read_f32};
use crate::data::augment::ChannelStats;
use crate::data::cifar::{CLASSES, Records};
use crate::nn::convnet::ConvNet;
use crate::train::metrics::Confusion;

/// The confusion matrix of `model` on `test`, inputs normalised with `stats` (no augmentation,
/// eval mode: BatchNorm uses its running statistics, dropout is off). Reads back once a chunk.
pub async fn evaluate(
    model: &ConvNet,
    stats: &ChannelStats,
    test: &Records,
    batch: usize,
    device: &Device,
) -> Result<Confusion, ReadError> {
    let predicted = predict(model, stats, test, batch, device).await?;
    let mut confusion = Confusion::new(CLASSES);
    let labels: Vec<usize> = (0..test.len()).map(|i| test.label(i)).collect();
    confusion.add(&labels, &predicted);
    Ok(confusion)
}

/// The class `model` predicts for each record of `test`, in order.
pub async fn predict(
    model: &ConvNet,
    stats: &ChannelStats,
    test: &Records,
    batch: usize,
    device: &Device,
) -> Result<Vec<usize>, ReadError> {
    let records: Vec<&[u8]> = test.records().collect();
    predict_records(model, stats, &records, batch, device).await
}

/// [`predict`] for any records (e.g. transformed test images).
pub async fn predict_records(
    model: &ConvNet,
    stats: &ChannelStats,
    records: &[&[u8]],
    batch: usize,
    device: &Device,
) -> Result<Vec<usize>, ReadError> {
    // The model without autodiff, and its inputs on the same device without autodiff (no
    // gradients: on burn-ndarray each conv unit then runs as one operation, see `ConvNet::forward`).
    let (model, device) = (model.valid(), device.clone().inner());
    let mut predicted = Vec::with_capacity(records.len());
    for chunk in records.chunks(batch.max(1)) {
        let images = images_tensor(chunk, stats, None, &device);
        let logits = model.forward(images);
        predicted.extend(
            read_f32(logits.argmax(1).float())
                .await?
                .iter()
                .map(|&p| p as usize),
        );
    }
    Ok(predicted)
}
