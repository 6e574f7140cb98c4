//! Reading `{"kind": ..., fields...}` objects without losing the field path of an error.
//!
//! serde's derived internally tagged enums buffer the whole object before choosing the variant, so an error
//! inside it (`"lr": "fast"`) is reported at the object (`runs[0].optimizer`) instead of the field
//! (`runs[0].optimizer.lr`). Here the enum is read through an *externally* tagged twin (a
//! `#[serde(remote = ...)]` derive) fed straight from the map: when `kind` comes first, as in every spec
//! optlab writes, the variant's fields are read in place and keep their paths. When it does not, the object
//! is buffered (as serde would) and an inner error names its field inside the message instead.
//! Serialisation stays the derived internally tagged one.

use serde::de::value::MapDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, VariantAccess, Visitor};
use std::marker::PhantomData;

/// An enum whose externally tagged twin can read it from a `kind`-first map.
pub trait ByKind: Sized {
    /// What the object is, for messages ("an optimizer").
    const WHAT: &'static str;
    /// Calls the twin's derived `deserialize`, which asks for `deserialize_enum`.
    fn deserialize_enum<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// `Deserialize::deserialize` for a [`ByKind`] enum.
pub fn deserialize<'de, T: ByKind, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(KindVisitor(PhantomData))
}

struct KindVisitor<T>(PhantomData<T>);

impl<'de, T: ByKind> Visitor<'de> for KindVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} object with a \"kind\" field", T::WHAT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let first: Option<String> = map.next_key()?;
        match first.as_deref() {
            None => Err(de::Error::missing_field("kind")),
            Some("kind") => T::deserialize_enum(KindFirst(map)),
            Some(_) => {
                // Buffer the object with `kind` moved to the front and read that instead.
                let mut entries = vec![(first.expect("matched Some"), map.next_value::<serde_json::Value>()?)];
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    entries.push(entry);
                }
                let pos = entries.iter().position(|(k, _)| k == "kind").ok_or_else(|| de::Error::missing_field("kind"))?;
                let kind = entries.remove(pos);
                entries.insert(0, kind);
                let buffered = MapDeserializer::<_, serde_json::Error>::new(entries.into_iter());
                let mut track = serde_path_to_error::Track::new();
                let inner = serde_path_to_error::Deserializer::new(buffered, &mut track);
                inner.deserialize_map(KindVisitor::<T>(PhantomData)).map_err(|e| {
                    let path = track.path().to_string();
                    if path.is_empty() || path == "." || path == "?" {
                        de::Error::custom(e)
                    } else {
                        de::Error::custom(format!("{path}: {e}"))
                    }
                })
            }
        }
    }
}

/// The rest of a map whose `kind` key has just been read, seen as an externally tagged enum.
struct KindFirst<A>(A);

impl<'de, A: MapAccess<'de>> Deserializer<'de> for KindFirst<A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("expected an object with a \"kind\" field"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for KindFirst<A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(mut self, seed: S) -> Result<(S::Value, Self), A::Error> {
        // Read the kind's value as the variant name, so an unknown kind is reported at `….kind`.
        let variant = self.0.next_value_seed(seed)?;
        Ok((variant, self))
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for KindFirst<A> {
    type Error = A::Error;

    fn unit_variant(mut self) -> Result<(), A::Error> {
        match self.0.next_key::<String>()? {
            None => Ok(()),
            Some(key) => Err(de::Error::unknown_field(&key, &[])),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        seed.deserialize(de::value::MapAccessDeserializer::new(self.0))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("tuple variants are not used in specs"))
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }
}
