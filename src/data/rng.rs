//! SplitMix64: a tiny, fast, seedable generator for every random data choice (augmentation,
//! shuffling, the toy dataset, the dead-ReLU demo's points and weights, the paper cell's
//! pairings and tiles) that gives the same numbers on every platform and backend.

/// The generator's state.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// An independent stream for one (seed, a, b) triple, e.g. (run seed, epoch, image index):
    /// the same triple always gives the same numbers, whatever was drawn before.
    pub fn stream(seed: u64, a: u64, b: u64) -> Self {
        Self(seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in [0, 1) with 24 bits, as an f32.
    pub fn unit_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [0, 1) with 53 bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.unit_f64().max(1e-300);
        let v = self.unit_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Fisher–Yates: a uniformly random order of `items`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below((i + 1) as u64) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |s: &mut SplitMix64| (0..4).map(|_| s.next_u64()).collect::<Vec<_>>();
        assert_eq!(
            draw(&mut SplitMix64::stream(1, 2, 3)),
            draw(&mut SplitMix64::stream(1, 2, 3))
        );
        assert_ne!(
            draw(&mut SplitMix64::stream(1, 2, 3)),
            draw(&mut SplitMix64::stream(1, 2, 4))
        );
    }

    #[test]
    fn normal_draws_have_mean_zero_and_unit_spread() {
        let mut rng = SplitMix64(5);
        let xs: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }

    #[test]
    fn a_shuffle_is_a_permutation() {
        let mut items: Vec<usize> = (0..50).collect();
        SplitMix64(9).shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
    }
}
