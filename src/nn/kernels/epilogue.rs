//! The step a forward loop applies to each output tile while it is still in registers: a
//! per-channel scale and shift, then ReLU (BatchNorm's running statistics or the bias, folded in).

use super::lanes::{F32x4, scale_shift_relu};

/// A per-output-channel `scale` and `shift` and then ReLU, applied to each output tile while it
/// is still in registers (inference: BatchNorm's running statistics, or the bias, folded in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScaleShiftRelu<'a> {
    scale: &'a [f32],
    shift: &'a [f32],
}

impl<'a> ScaleShiftRelu<'a> {
    /// One `scale` and `shift` value for each of `channels` output channels.
    pub(crate) fn new(scale: &'a [f32], shift: &'a [f32], channels: usize) -> Self {
        assert!(
            scale.len() == channels && shift.len() == channels,
            "scale and shift must hold {channels} values, got {} and {}",
            scale.len(),
            shift.len()
        );
        Self { scale, shift }
    }

    /// The step the forward loops apply to each output's four lanes of channel `oc` before they
    /// store them, for the `o` output channels padded to `channels` ≥ o (scale 1 and shift 0 for
    /// the channels past `o`, whose outputs are dropped).
    pub(crate) fn in_registers(
        self,
        o: usize,
        channels: usize,
    ) -> impl Fn(usize, F32x4) -> F32x4 + use<> {
        assert_eq!(
            self.scale.len(),
            o,
            "conv forward: `then` is for other channels"
        );
        let lanes = |values: &[f32], none: f32| -> Vec<F32x4> {
            (0..channels)
                .map(|oc| F32x4::splat(values.get(oc).copied().unwrap_or(none)))
                .collect()
        };
        let (scale, shift) = (lanes(self.scale, 1.0), lanes(self.shift, 0.0));
        move |oc, v| v.scale_shift_relu(scale[oc], shift[oc])
    }

    /// `out [n, o, h, w]` put through it in place, one value at a time.
    pub(crate) fn apply(self, out: &mut [f32], plane: usize) {
        let o = self.scale.len();
        for (i, values) in out.chunks_exact_mut(plane).enumerate() {
            let (s, t) = (self.scale[i % o], self.shift[i % o]);
            for v in values {
                *v = scale_shift_relu(*v, s, t);
            }
        }
    }
}
