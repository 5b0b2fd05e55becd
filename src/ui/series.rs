//! An append-only series (a loss curve, the epochs of a run) that a reducer step extends without
//! copying: states share one buffer, and each remembers how much of it is its own.

use std::cell::RefCell;
use std::rc::Rc;

#[derive(Debug, Clone)]
pub struct Series<T> {
    items: Rc<RefCell<Vec<T>>>,
    len: usize,
}

impl<T> Default for Series<T> {
    fn default() -> Self {
        Self {
            items: Rc::new(RefCell::new(Vec::new())),
            len: 0,
        }
    }
}

impl<T> Series<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends (dropping anything a newer state appended to the shared buffer beyond this one).
    pub fn push(&mut self, item: T) {
        let mut items = self.items.borrow_mut();
        items.truncate(self.len);
        items.push(item);
        self.len += 1;
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Reads this state's items.
    pub fn with<R>(&self, read: impl FnOnce(&[T]) -> R) -> R {
        read(&self.items.borrow()[..self.len])
    }
}

impl<T: Clone> Series<T> {
    pub fn last(&self) -> Option<T> {
        self.with(|items| items.last().cloned())
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.with(<[T]>::to_vec)
    }
}

/// Two states are equal when they see the same items of the same buffer.
impl<T> PartialEq for Series<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.items, &other.items) && self.len == other.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_share_one_buffer_and_see_their_own_part() {
        let mut a: Series<u32> = Series::default();
        a.push(1);
        let before = a.clone();
        a.push(2);
        assert_eq!(before.to_vec(), vec![1]);
        assert_eq!(a.to_vec(), vec![1, 2]);
        assert_ne!(before, a);
        assert_eq!(a, a.clone());
        let mut cut = a.clone();
        cut.truncate(1);
        cut.push(9);
        assert_eq!(cut.to_vec(), vec![1, 9]);
        assert_eq!(cut.last(), Some(9));
        assert!(Series::<u8>::default().is_empty());
    }
}
