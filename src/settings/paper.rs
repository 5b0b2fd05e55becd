//! The paper cell's experiment knobs: the cue-conflict proxy and the patch shuffle.

use serde::{Deserialize, Serialize};

use super::{Range, SettingsError};

/// σ of the Gaussian that splits an image into its low band (shape, colour) and high band
/// (texture), in pixels.
pub const SIGMA: Range = Range::real("\u{3c3}", 0.5, 4.0);
/// Side of the tiles the high band is shuffled in (cue conflict), in pixels.
pub const TEXTURE_TILE: usize = 8;
/// Grids of the patch-shuffle experiment: the image cut into n × n tiles.
pub const SHUFFLE_GRIDS: [usize; 3] = [2, 4, 8];

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PaperSettings {
    pub sigma: f64,
    /// Run the cue conflict on greyscale images (colour cannot carry the decision).
    pub grey: bool,
    /// Seeds the pairing, the tile shuffles and the noise.
    pub seed: u64,
}

impl Default for PaperSettings {
    fn default() -> Self {
        Self {
            sigma: 1.5,
            grey: false,
            seed: 1,
        }
    }
}

impl PaperSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        SIGMA.check(self.sigma)?;
        Ok(())
    }
}
