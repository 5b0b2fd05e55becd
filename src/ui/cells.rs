//! The notebook's cells, in order: the one list ([`CELLS`]) that the cells on the page, the keys
//! 1 … N, the key help and the table of contents are made from. A cell is a module with its own
//! component (holding its own reducer) and a [`CellSpec`]; adding a cell adds a line here.

use yew::{Html, Properties};

use super::{convnet, imbalance, paper, theory};

/// What the notebook knows of a cell.
pub struct CellSpec {
    /// Anchor id (`#theory`) and suffix of the `data-testid` (`section-theory`).
    pub anchor: &'static str,
    /// The heading, after the cell's number.
    pub title: &'static str,
    pub intro: &'static str,
    /// The cell's component.
    pub view: fn(CellProps) -> Html,
    /// Its keys, working while it is the active cell (the key help lists them).
    pub keys: &'static [CellKey],
}

/// A key of a cell's own: pressing it presses the first of `buttons` (their `data-testid`s) that
/// is enabled, exactly as a click would.
pub struct CellKey {
    /// `KeyboardEvent.key`: `" "` for the space bar, `"s"`.
    pub key: &'static str,
    /// As the key help shows it.
    pub shown: &'static str,
    pub what: &'static str,
    pub buttons: &'static [&'static str],
}

/// What the shell tells every cell; a cell re-renders when it changes, never for another cell.
#[derive(Properties, PartialEq, Clone)]
pub struct CellProps {
    /// Whether the keyboard moves from this cell (its own keys, such as ← / →, apply then).
    pub active: bool,
    /// The backend's label once the worker is ready.
    pub backend: Option<String>,
}

/// The cells, in the page's order.
pub static CELLS: &[CellSpec] = &[theory::CELL, convnet::CELL, imbalance::CELL, paper::CELL];

/// One notebook cell: its place in [`CELLS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CellId(usize);

impl CellId {
    pub const FIRST: CellId = CellId(0);
    pub const LAST: CellId = CellId(CELLS.len() - 1);

    pub fn all() -> impl Iterator<Item = CellId> {
        (0..CELLS.len()).map(CellId)
    }

    pub fn index(self) -> usize {
        self.0
    }

    pub fn from_index(index: usize) -> Option<Self> {
        (index < CELLS.len()).then_some(CellId(index))
    }

    pub fn spec(self) -> &'static CellSpec {
        &CELLS[self.0]
    }

    pub fn anchor(self) -> &'static str {
        self.spec().anchor
    }

    /// `2 · A ConvNet on CIFAR-10`.
    pub fn title(self) -> String {
        format!("{} \u{b7} {}", self.0 + 1, self.spec().title)
    }
}

/// `impl Reducible` for a cell's state with `fn apply(&mut self, action)`: the action applied to
/// a copy of the state (the component's handle still holds the old one).
macro_rules! reducible {
    ($state:ty, $action:ty) => {
        impl yew::Reducible for $state {
            type Action = $action;

            fn reduce(self: std::rc::Rc<Self>, action: $action) -> std::rc::Rc<Self> {
                let mut next = (*self).clone();
                next.apply(action);
                std::rc::Rc::new(next)
            }
        }
    };
}
pub(crate) use reducible;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cells_are_numbered_in_order_with_distinct_anchors() {
        let anchors: Vec<&str> = CellId::all().map(CellId::anchor).collect();
        assert_eq!(anchors[..4], ["theory", "convnet", "imbalance", "paper"]);
        for (i, anchor) in anchors.iter().enumerate() {
            assert!(!anchors[..i].contains(anchor), "{anchor} twice");
        }
        assert_eq!(
            CellId::from_index(1).unwrap().title(),
            "2 \u{b7} A ConvNet on CIFAR-10"
        );
        assert_eq!(CellId::from_index(CELLS.len()), None);
        assert_eq!(CellId::LAST.index(), CELLS.len() - 1);
        for cell in CellId::all() {
            assert!(cell.spec().intro.len() > 80, "{}", cell.anchor());
        }
    }

    #[test]
    fn a_cells_keys_are_its_own() {
        // The shell's keys go first (`app::action_for_key`): a cell's key must not be one of
        // them, nor one that typing or the theory cell's steps use, nor twice in one cell.
        let taken = [
            "j",
            "k",
            "t",
            "Tab",
            "Enter",
            "Escape",
            "ArrowLeft",
            "ArrowRight",
        ];
        for cell in CellId::all() {
            let keys = cell.spec().keys;
            for (i, k) in keys.iter().enumerate() {
                let what = format!("{} key {:?}", cell.anchor(), k.key);
                assert!(!taken.contains(&k.key), "{what} is the shell's");
                assert!(
                    crate::ui::app::action_for_key(k.key).is_none(),
                    "{what} is the shell's"
                );
                assert!(!keys[..i].iter().any(|o| o.key == k.key), "{what} twice");
                assert!(
                    !k.buttons.is_empty() && !k.what.is_empty(),
                    "{what} presses nothing"
                );
            }
        }
        let convnet = CellId::from_index(1).unwrap().spec();
        assert_eq!(convnet.keys[0].buttons, ["train-pause", "train-start"]);
    }
}
