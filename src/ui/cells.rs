//! The notebook's four cells, in order.

/// One notebook cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellId {
    Theory,
    ConvNet,
    Imbalance,
    Paper,
}

impl CellId {
    pub const ALL: [CellId; 4] = [
        CellId::Theory,
        CellId::ConvNet,
        CellId::Imbalance,
        CellId::Paper,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(index: usize) -> Option<Self> {
        Self::ALL.get(index).copied()
    }

    /// Anchor id (`#theory`) and suffix of the `data-testid` (`section-theory`).
    pub fn anchor(self) -> &'static str {
        match self {
            CellId::Theory => "theory",
            CellId::ConvNet => "convnet",
            CellId::Imbalance => "imbalance",
            CellId::Paper => "paper",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            CellId::Theory => "1 · Theory: a two-layer ReLU network",
            CellId::ConvNet => "2 · A ConvNet on CIFAR-10",
            CellId::Imbalance => "3 · Class imbalance",
            CellId::Paper => "4 · The paper: texture vs shape",
        }
    }

    pub fn intro(self) -> &'static str {
        match self {
            CellId::Theory => {
                "A network h(x) from the real line to the real line, with two hidden ReLU layers of \
                 two units. We step through its forward pass, see where ReLU's derivative switches \
                 units off, and use the chain rule with those active masks to find the tangent line \
                 Wx + b of h at any point — then ask why dead ReLUs are rarer in practice than on paper."
            }
            CellId::ConvNet => {
                "A scaled-down convolutional network — two blocks of two conv → BatchNorm → ReLU \
                 layers, each followed by max-pooling, then dropout and a linear head — trained on a \
                 subset of CIFAR-10 right here in your browser, in a background worker, with live \
                 loss and accuracy curves."
            }
            CellId::Imbalance => {
                "Real data is long-tailed: a few classes have most of the images. On a long-tailed \
                 CIFAR-10 subset we compare cross-entropy, focal loss and the class-balanced losses \
                 of Cui et al. (CVPR 2019), whose weights (1 − β)/(1 − βⁿ) grow for rare classes, and \
                 read per-class accuracies the way a write-up reports them."
            }
            CellId::Paper => {
                "Geirhos et al. (ICLR 2019) showed that ImageNet-trained CNNs classify by texture \
                 more than by shape — unlike people. We retell the argument and test our own small \
                 ConvNet for the same bias."
            }
        }
    }
}
