//! What a trained model shows besides its accuracy: a few test images with its answers, and the
//! first layer's filters.

use burn::prelude::*;

use super::engine::predict_records;
use super::shown::{Filters, Sample};
use crate::compute::{ReadError, read_f32};
use crate::data::augment::ChannelStats;
use crate::data::cifar::{CLASSES, Records};
use crate::nn::convnet::ConvNet;

/// Test images shown per class.
pub const SAMPLES_PER_CLASS: usize = 3;

/// The first [`SAMPLES_PER_CLASS`] test images of each class, with `model`'s answers, in label
/// order.
pub async fn samples(
    model: &ConvNet,
    stats: &ChannelStats,
    test: &Records,
    device: &Device,
) -> Result<Vec<Sample>, ReadError> {
    let mut taken = [0usize; CLASSES];
    let mut chosen: Vec<usize> = Vec::new();
    for i in 0..test.len() {
        let label = test.label(i);
        if taken[label] < SAMPLES_PER_CLASS {
            taken[label] += 1;
            chosen.push(i);
        }
    }
    chosen.sort_by_key(|&i| test.label(i));
    let records: Vec<&[u8]> = chosen.iter().map(|&i| test.record(i)).collect();
    let predicted = predict_records(model, stats, &records, records.len(), device).await?;
    Ok(chosen
        .iter()
        .zip(predicted)
        .map(|(&i, predicted)| Sample {
            image: test.image(i).to_vec(),
            label: test.label(i),
            predicted,
        })
        .collect())
}

/// The first convolution's kernels.
pub async fn filters(model: &ConvNet) -> Result<Filters, ReadError> {
    let weights = model.first_layer_weights();
    let [out, _, kernel, _] = weights.dims();
    let weights = read_f32(weights.flatten::<1>(0, 3)).await?;
    Ok(Filters {
        out,
        kernel,
        weights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use crate::data::toy::toy_records;
    use crate::nn::convnet::ConvNetConfig;

    #[test]
    fn samples_cover_every_class_in_order_and_filters_have_the_kernel_shape() {
        let device = ndarray_device();
        let model = ConvNetConfig::new().with_widths([4, 8]).init(&device);
        let test = Records::parse(toy_records(5, 2)).unwrap();
        let stats = ChannelStats::of(test.records().map(|r| &r[1..]));
        let shown = pollster::block_on(samples(&model, &stats, &test, &device)).unwrap();
        assert_eq!(shown.len(), SAMPLES_PER_CLASS * CLASSES);
        assert!(shown.windows(2).all(|w| w[0].label <= w[1].label));
        assert!(
            shown
                .iter()
                .all(|s| s.image.len() == 3072 && s.predicted < CLASSES)
        );
        let f = pollster::block_on(filters(&model)).unwrap();
        assert_eq!((f.out, f.kernel, f.weights.len()), (4, 3, 4 * 3 * 9));
    }
}
