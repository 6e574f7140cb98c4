//! One-entry caches for the stages of a chapter's compute that read only a few of its controls: a change of
//! another control reuses the stage's last result instead of computing it again (issue 10: "split compute
//! into stages keyed by the controls each depends on"). The key is every input of the stage, so a hit returns
//! exactly what the computation would; the cache is per thread (the page has one) and holds one entry.

use std::cell::RefCell;
use std::thread::LocalKey;

/// A stage's slot: `thread_local! { static S: Slot<K, V> = const { RefCell::new(None) }; }`.
pub type Slot<K, V> = RefCell<Option<(K, V)>>;

/// `f()`, or the value it returned last time for an equal `key`.
pub fn cached<K: PartialEq, V: Clone>(slot: &'static LocalKey<Slot<K, V>>, key: K, f: impl FnOnce() -> V) -> V {
    if let Some(v) = slot.with(|s| s.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
        return v;
    }
    let v = f();
    slot.with(|s| *s.borrow_mut() = Some((key, v.clone())));
    v
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
}
