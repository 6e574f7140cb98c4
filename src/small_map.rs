//! A map of a few entries (the web session's canvases, their frames and the field images kept for them: at most a
//! few dozen) as a vector searched in order. It replaces `std::collections::HashMap` in the session: the
//! hashed maps compiled hashbrown's table code and SipHash into the wasm, and with them and the text widths'
//! map (now a sorted vector) gone the wasm and its JS glue went from 399.45 to 394.15 KB gzip, where these
//! searches are a few comparisons of short strings.

use std::borrow::Borrow;

pub struct SmallMap<K, V>(Vec<(K, V)>);

impl<K: PartialEq, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap::new()
    }
}

impl<K: PartialEq, V> SmallMap<K, V> {
    pub const fn new() -> Self {
        SmallMap(Vec::new())
    }
    fn index<Q: PartialEq + ?Sized>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        self.0.iter().position(|(k, _)| k.borrow() == key)
    }
    pub fn get<Q: PartialEq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.index(key).map(|i| &self.0[i].1)
    }
    pub fn contains_key<Q: PartialEq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.index(key).is_some()
    }
    /// Sets `key` to `value` (in place when present).
    pub fn insert(&mut self, key: K, value: V) {
        match self.index(&key) {
            Some(i) => self.0[i].1 = value,
            None => self.0.push((key, value)),
        }
    }
    pub fn remove<Q: PartialEq + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
    {
        if let Some(i) = self.index(key) {
            self.0.swap_remove(i);
        }
    }
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }
    pub fn clear(&mut self) {
        self.0.clear();
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::SmallMap;

    #[test]
    fn insert_replaces_get_remove_and_retain() {
        let mut m: SmallMap<String, u32> = SmallMap::new();
        m.insert("a".into(), 1);
        m.insert("b".into(), 2);
        m.insert("a".into(), 3);
        assert_eq!((m.len(), m.get("a"), m.get("b"), m.get("c")), (2, Some(&3), Some(&2), None));
        m.remove("a");
        assert!(!m.contains_key("a") && m.contains_key("b"));
        m.insert("c".into(), 4);
        m.retain(|k, v| {
            *v += 1;
            k != "b"
        });
        assert_eq!((m.len(), m.get("c"), m.get("b")), (1, Some(&5), None));
        m.clear();
        assert!(m.is_empty());
    }
}
