//! One-entry caches for the stages of a chapter's compute that read only a few of its controls: a change of
//! another control reuses the stage's last result instead of computing it again (issue 10: "split compute
//! into stages keyed by the controls each depends on"). The key is every input of the stage, so a hit returns
//! exactly what the computation would; the cache is per thread (the page has one) and holds one entry.
//!
//! The page shows one chapter at a time, so a chapter's entries are of no use while another is shown: the
//! session calls [`forget_all`] when it computes another chapter than the last, and the caches of all chapters
//! are never live at once (wasm memory only grows, to the most ever live; the Muon chapter's runs alone are
//! 2 MB at its largest settings).

use std::cell::RefCell;
use std::thread::LocalKey;

/// A stage's slot: `thread_local! { static S: Slot<K, V> = const { RefCell::new(None) }; }`.
pub type Slot<K, V> = RefCell<Option<(K, V)>>;

/// A slot that has held a value, by its address, with what empties it.
type Emptier = (usize, Box<dyn Fn()>);

thread_local! {
    /// Every slot that has held a value on this thread.
    static FILLED: RefCell<Vec<Emptier>> = const { RefCell::new(Vec::new()) };
}

/// `f()`, or the value it returned last time for an equal `key`.
pub fn cached<K: PartialEq + 'static, V: Clone + 'static>(slot: &'static LocalKey<Slot<K, V>>, key: K, f: impl FnOnce() -> V) -> V {
    if let Some(v) = slot.with(|s| s.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
        return v;
    }
    // the old entry goes first, so the old and the new value are never both live
    slot.with(|s| *s.borrow_mut() = None);
    let v = f();
    slot.with(|s| *s.borrow_mut() = Some((key, v.clone())));
    let id = slot as *const LocalKey<Slot<K, V>> as usize;
    FILLED.with(|all| {
        let mut all = all.borrow_mut();
        if !all.iter().any(|(a, _)| *a == id) {
            all.push((id, Box::new(move || slot.with(|s| *s.borrow_mut() = None))));
        }
    });
    v
}

/// Empties every slot on this thread (each is filled again by its next [`cached`]).
pub fn forget_all() {
    FILLED.with(|all| all.borrow().iter().for_each(|(_, empty)| empty()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! { static SQUARES: Slot<u64, u64> = const { RefCell::new(None) }; }

    #[test]
    fn a_hit_returns_the_stored_value_and_a_new_key_recomputes() {
        let calls = Cell::new(0);
        let sq = |k: u64| {
            cached(&SQUARES, k, || {
                calls.set(calls.get() + 1);
                k * k
            })
        };
        assert_eq!((sq(3), sq(3), calls.get()), (9, 9, 1));
        assert_eq!((sq(4), calls.get()), (16, 2));
        assert_eq!((sq(3), calls.get()), (9, 3), "one entry: 3 was replaced by 4");
    }

    thread_local! { static CUBES: Slot<u64, u64> = const { RefCell::new(None) }; }

    #[test]
    fn forget_all_empties_every_filled_slot() {
        let calls = Cell::new(0);
        let count = |slot: &'static LocalKey<Slot<u64, u64>>, k: u64| {
            cached(slot, k, || {
                calls.set(calls.get() + 1);
                k
            })
        };
        count(&SQUARES, 2);
        count(&CUBES, 2);
        count(&CUBES, 2);
        assert_eq!(calls.get(), 2);
        forget_all();
        assert!(SQUARES.with(|s| s.borrow().is_none()) && CUBES.with(|s| s.borrow().is_none()));
        count(&SQUARES, 2);
        count(&CUBES, 2);
        assert_eq!(calls.get(), 4, "both computed again");
    }
}
