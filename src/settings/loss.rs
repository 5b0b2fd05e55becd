//! The losses of the class-imbalance study, by name: cross-entropy, focal loss (Lin et al.
//! 2017) and the class-balanced losses of Cui et al. (CVPR 2019). `nn::losses` computes them.

use serde::{Deserialize, Serialize};

use super::{Range, SettingsError};

/// β of the class-balanced weights (1 − β)/(1 − βⁿ).
pub const BETA: Range = Range::below("\u{3b2}", 0.0, 1.0);
/// γ of the focal modulator (1 − p)^γ.
pub const GAMMA: Range = Range::real("\u{3b3}", 0.0, 10.0);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossKind {
    /// Softmax cross-entropy.
    CrossEntropy,
    /// Sigmoid focal loss, γ.
    Focal,
    /// Class-balanced softmax cross-entropy, β.
    CbSoftmax,
    /// Class-balanced sigmoid cross-entropy, β.
    CbSigmoid,
    /// Class-balanced sigmoid focal loss, β and γ.
    CbFocal,
}

impl LossKind {
    pub const ALL: [LossKind; 5] = [
        LossKind::CrossEntropy,
        LossKind::Focal,
        LossKind::CbSoftmax,
        LossKind::CbSigmoid,
        LossKind::CbFocal,
    ];

    /// The short name used in URLs, the CLI and exported tables: `ce`, `cb-focal`, …
    pub fn key(self) -> &'static str {
        match self {
            LossKind::CrossEntropy => "ce",
            LossKind::Focal => "focal",
            LossKind::CbSoftmax => "cb-softmax",
            LossKind::CbSigmoid => "cb-sigmoid",
            LossKind::CbFocal => "cb-focal",
        }
    }

    /// What the page calls it.
    pub fn label(self) -> &'static str {
        match self {
            LossKind::CrossEntropy => "cross-entropy",
            LossKind::Focal => "focal",
            LossKind::CbSoftmax => "CB softmax",
            LossKind::CbSigmoid => "CB sigmoid",
            LossKind::CbFocal => "CB focal",
        }
    }

    /// Reads a [`LossKind::key`].
    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.key() == text)
            .ok_or_else(|| SettingsError::Invalid {
                name: "loss",
                reason: format!(
                    "\u{201c}{text}\u{201d} is not a loss: use ce, focal, cb-softmax, cb-sigmoid or cb-focal"
                ),
            })
    }

    /// Whether the loss weighs classes by (1 − β)/(1 − βⁿ).
    pub fn uses_beta(self) -> bool {
        matches!(
            self,
            LossKind::CbSoftmax | LossKind::CbSigmoid | LossKind::CbFocal
        )
    }

    /// Whether the loss has a focal modulator (1 − p)^γ.
    pub fn uses_gamma(self) -> bool {
        matches!(self, LossKind::Focal | LossKind::CbFocal)
    }
}

/// A loss and its parameters (β and γ are kept when a loss does not use them, so switching
/// back and forth on the page keeps what was typed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LossSettings {
    pub kind: LossKind,
    pub beta: f64,
    pub gamma: f64,
}

impl Default for LossSettings {
    fn default() -> Self {
        Self {
            kind: LossKind::CrossEntropy,
            beta: 0.9999,
            gamma: 1.0,
        }
    }
}

impl LossSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        BETA.check(self.beta)?;
        GAMMA.check(self.gamma)?;
        Ok(())
    }

    /// `CB focal (β = 0.9999, γ = 1)`: the loss with the parameters it uses.
    pub fn describe(&self) -> String {
        use crate::format::plain;
        match (self.kind.uses_beta(), self.kind.uses_gamma()) {
            (true, true) => format!(
                "{} (\u{3b2} = {}, \u{3b3} = {})",
                self.kind.label(),
                plain(self.beta),
                plain(self.gamma)
            ),
            (true, false) => format!("{} (\u{3b2} = {})", self.kind.label(), plain(self.beta)),
            (false, true) => format!("{} (\u{3b3} = {})", self.kind.label(), plain(self.gamma)),
            (false, false) => self.kind.label().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_names_are_refused() {
        for kind in LossKind::ALL {
            assert_eq!(LossKind::parse(kind.key()), Ok(kind));
        }
        assert_eq!(LossKind::parse(" CB-Focal "), Ok(LossKind::CbFocal));
        let err = LossKind::parse("hinge").unwrap_err().to_string();
        assert!(err.contains("hinge") && err.contains("cb-focal"), "{err}");
    }

    #[test]
    fn beta_and_gamma_are_range_checked() {
        let mut s = LossSettings::default();
        assert_eq!(s.validate(), Ok(()));
        s.beta = 1.0;
        assert!(s.validate().unwrap_err().to_string().contains("[0, 1)"));
        s.beta = 0.99;
        s.gamma = -1.0;
        assert!(s.validate().unwrap_err().to_string().starts_with("\u{3b3}"));
    }

    #[test]
    fn descriptions_name_only_the_parameters_used() {
        let s = LossSettings {
            kind: LossKind::CbFocal,
            beta: 0.9999,
            gamma: 1.0,
        };
        assert_eq!(s.describe(), "CB focal (\u{3b2} = 0.9999, \u{3b3} = 1)");
        let ce = LossSettings::default();
        assert_eq!(ce.describe(), "cross-entropy");
    }
}
