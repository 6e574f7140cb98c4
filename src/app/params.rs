//! Typed chapter parameters. A chapter declares its parameters as a struct with one field per control,
//! named as the control (`#[derive(Deserialize)] #[serde(deny_unknown_fields)] struct MomentumParams { kappa:
//! f64, steps: usize, nesterov: bool, x0: (f64, f64), … }`), and decodes it once from the normalised state
//! with [`decode`]: the compiler then checks every use, and the decoding checks the struct against the
//! control list (a control without a field is an unknown field, a field without a control a missing one;
//! [`check`] runs this on the defaults, and the chapter tests run it for every chapter).
//!
//! Values are typed by their control: a range is a number, an int a whole number, a toggle a bool, a point
//! `(x, y)`, a select or a text box a string (a select may decode into an enum with serde names).

use super::controls::{Control, ControlKind, State};
use serde::de::value::{SeqDeserializer, StrDeserializer};
use serde::de::{DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use std::fmt;

/// A control's value typed by its control (`Null`: a number that did not parse; never after normalising).
enum Typed {
    Num(f64),
    Int(i64),
    Bool(bool),
    Point(f64, f64),
    Text(String),
    Null,
}

/// The state's values typed by their controls, in control order.
fn typed(controls: &[Control], st: &State) -> Vec<(&'static str, Typed)> {
    let number = |text: &str| text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    controls
        .iter()
        .map(|c| {
            let text = st.get(c.name);
            let v = match &c.kind {
                ControlKind::Range { .. } => number(text).map_or(Typed::Null, Typed::Num),
                ControlKind::Int { .. } => number(text).map_or(Typed::Null, |v| Typed::Int(v.round() as i64)),
                ControlKind::Toggle { .. } => Typed::Bool(text == "true"),
                ControlKind::Point { .. } => {
                    let (x, y) = st.point(c.name);
                    Typed::Point(x, y)
                }
                ControlKind::Select { .. } | ControlKind::Text { .. } => Typed::Text(text.to_string()),
            };
            (c.name, v)
        })
        .collect()
}

/// Decodes a chapter's parameters from a normalised state. An error means the struct and the control list
/// disagree (a bug that the chapter tests catch on the defaults), never a user's input: [`super::controls::normalize`]
/// has made every value valid before.
///
/// The values go straight from the typed controls into the struct's derived `Deserialize` (the small
/// deserializer below), not through `serde_json::Value`: that route compiled a large `Value` deserializer into
/// the wasm once per chapter (about 47 KB of the release wasm for the 11 chapters).
pub fn decode<P: DeserializeOwned>(controls: &[Control], st: &State) -> Result<P, String> {
    let values = typed(controls, st);
    P::deserialize(Record(&values)).map_err(|e| format!("the chapter's parameters and its controls disagree: {e}"))
}

/// The error of [`decode`]: serde's message (`missing field `steps``, `unknown field `momentum`, expected …`).
#[derive(Debug)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl serde::de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError(msg.to_string())
    }
}

/// The whole state as a map from control names to typed values.
struct Record<'a>(&'a [(&'static str, Typed)]);

impl<'de> serde::Deserializer<'de> for Record<'_> {
    type Error = DecodeError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_map(Fields { rest: self.0.iter(), value: None })
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct Fields<'a> {
    rest: std::slice::Iter<'a, (&'static str, Typed)>,
    value: Option<&'a Typed>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = DecodeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DecodeError> {
        let Some((name, value)) = self.rest.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(StrDeserializer::<DecodeError>::new(name)).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DecodeError> {
        seed.deserialize(self.value.take().unwrap_or(&Typed::Null))
    }
}

impl<'de> serde::Deserializer<'de> for &Typed {
    type Error = DecodeError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Typed::Num(v) => visitor.visit_f64(*v),
            Typed::Int(v) => visitor.visit_i64(*v),
            Typed::Bool(v) => visitor.visit_bool(*v),
            Typed::Point(x, y) => visitor.visit_seq(SeqDeserializer::<_, DecodeError>::new([*x, *y].into_iter())),
            Typed::Text(s) => visitor.visit_str(s),
            Typed::Null => visitor.visit_unit(),
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Typed::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }
    /// A select decodes into an enum of unit variants by their serde names.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self {
            Typed::Text(s) => visitor.visit_enum(IntoDeserializer::<DecodeError>::into_deserializer(s.as_str())),
            _ => self.deserialize_any(visitor),
        }
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// Checks a parameter struct against a control list on the defaults: `Ok` when every control has a field of
/// the right type and every field a control.
pub fn check<P: DeserializeOwned>(controls: &[Control]) -> Result<(), String> {
    let (st, _) = super::controls::normalize(controls, &Default::default());
    decode::<P>(controls, &st).map(|_: P| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct P {
        lr: f64,
        steps: usize,
        nesterov: bool,
        x0: (f64, f64),
        problem: Problem,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Problem {
        Quadratic,
        Rosenbrock,
    }

    fn controls() -> Vec<Control> {
        vec![
            Control::log_range("lr", "η", 1e-3, 1.0, 0.1),
            Control::int("steps", "T", 1, 100, 50),
            Control::toggle("nesterov", "Nesterov", false),
            Control::point("x0", "start", (1.0, -2.0), -5.0, 5.0),
            Control::select("problem", "problem", vec![("quadratic", "Q"), ("rosenbrock", "R")], "rosenbrock"),
        ]
    }

    #[test]
    fn a_state_decodes_into_typed_parameters() {
        let cs = controls();
        let raw = [("lr", "0.25"), ("steps", "7"), ("nesterov", "true"), ("x0", "0.5,3")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let (st, _) = super::super::controls::normalize(&cs, &raw);
        let p: P = decode(&cs, &st).unwrap();
        assert_eq!(p, P { lr: 0.25, steps: 7, nesterov: true, x0: (0.5, 3.0), problem: Problem::Rosenbrock });
        check::<P>(&cs).unwrap();
    }

    #[test]
    fn a_control_without_a_field_or_a_field_without_a_control_is_caught() {
        let mut cs = controls();
        cs.push(Control::range("momentum", "β", 0.0, 1.0, 0.5));
        let e = check::<P>(&cs).unwrap_err();
        assert!(e.contains("unknown field `momentum`"), "{e}");
        let cs: Vec<Control> = controls().into_iter().filter(|c| c.name != "steps").collect();
        let e = check::<P>(&cs).unwrap_err();
        assert!(e.contains("missing field `steps`"), "{e}");
        // a select option the enum does not know
        let mut cs = controls();
        cs[4] = Control::select("problem", "problem", vec![("saddle", "S")], "saddle");
        assert!(check::<P>(&cs).unwrap_err().contains("saddle"));
    }
}
