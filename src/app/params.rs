//! Typed chapter parameters. A chapter declares its parameters as a struct with one field per control,
//! named as the control, inside [`typed_params!`](crate::app::params::typed_params) (`typed_params! {
//! #[derive(Debug)] pub struct Params { pub kappa: f64, pub steps: usize, pub nesterov: bool, pub x0: (f64,
//! f64), … } }`), and decodes it once from the normalised state with [`decode`]: the compiler then checks
//! every use, and the decoding checks the struct against the control list (a control without a field is an
//! unknown field, a field without a control a missing one; [`check`] runs this on the defaults, and the
//! chapter tests run it for every chapter).
//!
//! Values are typed by their control: a range is a number (`f64`), an int a whole number (`usize`, or
//! `f64`), a toggle a `bool`, a point `(f64, f64)`, a select or a text box a `String`.
//!
//! Why a macro and not `#[derive(Deserialize)]`: serde's derived code (and a deserializer to feed it) was
//! compiled into the wasm once per chapter, ~4 KB each and 45 KB in all; the macro writes one line per
//! field and the typing is shared ([`FromTyped`], one small function per field type). The fields are checked
//! first, from a constant table of names and types ([`Values::check`], one function for every chapter), and
//! then read without a check each: a struct built field by field, each `?` unwinding what was built,
//! was 17 KB of the wasm over the eleven chapters.

use super::controls::{Control, ControlKind, State};

/// A control's value typed by its control (`Null`: a number that did not parse; never after normalising).
#[derive(Clone, Debug, PartialEq)]
pub enum Typed {
    Num(f64),
    Int(i64),
    Bool(bool),
    Point(f64, f64),
    Text(String),
    Null,
}

/// A field type a control's value decodes into.
pub trait FromTyped: Sized + Default {
    /// The type as an error message names it.
    const EXPECTED: &'static str;
    fn from_typed(v: &Typed) -> Option<Self>;
    /// Whether `v` decodes into this type.
    fn accepts(v: &Typed) -> bool {
        Self::from_typed(v).is_some()
    }
}

/// A field of a parameter struct: its name, the type an error names ([`FromTyped::EXPECTED`]) and which
/// values it accepts ([`FromTyped::accepts`]).
pub type Field = (&'static str, &'static str, fn(&Typed) -> bool);

impl FromTyped for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_typed(v: &Typed) -> Option<f64> {
        match *v {
            Typed::Num(x) => Some(x),
            Typed::Int(i) => Some(i as f64),
            _ => None,
        }
    }
}

impl FromTyped for usize {
    const EXPECTED: &'static str = "a whole number ≥ 0";
    fn from_typed(v: &Typed) -> Option<usize> {
        match *v {
            Typed::Int(i) => usize::try_from(i).ok(),
            _ => None,
        }
    }
}

impl FromTyped for bool {
    const EXPECTED: &'static str = "a toggle";
    fn from_typed(v: &Typed) -> Option<bool> {
        match *v {
            Typed::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl FromTyped for (f64, f64) {
    const EXPECTED: &'static str = "a point";
    fn from_typed(v: &Typed) -> Option<(f64, f64)> {
        match *v {
            Typed::Point(x, y) => Some((x, y)),
            _ => None,
        }
    }
}

impl FromTyped for String {
    const EXPECTED: &'static str = "a text";
    fn from_typed(v: &Typed) -> Option<String> {
        match v {
            Typed::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

/// The state's values typed by their controls, in control order.
pub struct Values(Vec<(&'static str, Typed)>);

impl Values {
    /// Types the state's values by their controls.
    pub fn new(controls: &[Control], st: &State) -> Values {
        let number = |text: &str| text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        Values(
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
                .collect(),
        )
    }

    /// Checks the values against a struct's fields, in this order: an error names the first control that is
    /// no field, else the first field without a control or with a value of another type.
    pub fn check(&self, fields: &[Field]) -> Result<(), String> {
        if let Some((n, _)) = self.0.iter().find(|(n, _)| !fields.iter().any(|f| f.0 == *n)) {
            let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
            return Err(format!("unknown field `{n}`, expected one of {}", crate::checks::join_strs(&names, ", ")));
        }
        for &(name, expected, accepts) in fields {
            let (_, v) = self.0.iter().find(|(n, _)| *n == name).ok_or_else(|| format!("missing field `{name}`"))?;
            if !accepts(v) {
                return Err(format!("the field `{name}` wants {expected}, its control gives {v:?}"));
            }
        }
        Ok(())
    }

    /// The value of control `name` as the field's type, once [`Values::check`] has passed (the type's default
    /// otherwise).
    pub fn field<T: FromTyped>(&self, name: &str) -> T {
        self.0.iter().find(|(n, _)| *n == name).and_then(|(_, v)| T::from_typed(v)).unwrap_or_default()
    }
}

/// A parameter struct decoded from the typed values (written by [`typed_params!`]).
pub trait FromValues: Sized {
    fn from_values(v: &Values) -> Result<Self, String>;
}

/// Declares a chapter's parameter struct and its [`FromValues`]: every field from the control of its name,
/// and no control without a field.
macro_rules! typed_params {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty,)* }) => {
        $(#[$m])*
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
        }

        impl $crate::app::params::FromValues for $name {
            fn from_values(v: &$crate::app::params::Values) -> Result<Self, String> {
                use $crate::app::params::FromTyped;
                const FIELDS: &[$crate::app::params::Field] = &[$((stringify!($f), <$t>::EXPECTED, <$t>::accepts)),*];
                v.check(FIELDS)?;
                Ok($name { $($f: v.field(stringify!($f)),)* })
            }
        }
    };
}
pub(crate) use typed_params;

/// Decodes a chapter's parameters from a normalised state. An error means the struct and the control list
/// disagree (a bug that the chapter tests catch on the defaults), never a user's input: [`super::controls::normalize`]
/// has made every value valid before.
pub fn decode<P: FromValues>(controls: &[Control], st: &State) -> Result<P, String> {
    P::from_values(&Values::new(controls, st)).map_err(disagree)
}

fn disagree(e: String) -> String {
    format!("the chapter's parameters and its controls disagree: {e}")
}

/// Checks a parameter struct against a control list on the defaults: `Ok` when every control has a field of
/// the right type and every field a control.
pub fn check<P: FromValues>(controls: &[Control]) -> Result<(), String> {
    let (st, _) = super::controls::normalize(controls, &Default::default());
    decode::<P>(controls, &st).map(|_: P| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    typed_params! {
        #[derive(Debug, PartialEq)]
        pub struct P {
            pub lr: f64,
            pub steps: usize,
            pub nesterov: bool,
            pub x0: (f64, f64),
            pub problem: String,
        }
    }

    fn controls() -> Vec<Control> {
        vec![
            Control::log_range("lr", "η", 1e-3, 1.0, 0.1),
            Control::int("steps", "T", 1, 100, 50),
            Control::toggle("nesterov", "Nesterov", false),
            Control::point("x0", "start", (1.0, -2.0), -5.0, 5.0),
            Control::select("problem", "problem", &[("quadratic", "Q"), ("rosenbrock", "R")], "rosenbrock"),
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
        assert_eq!(p, P { lr: 0.25, steps: 7, nesterov: true, x0: (0.5, 3.0), problem: "rosenbrock".into() });
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
        // a control of another type than its field: a toggle for the whole number `steps`, a range for the
        // point `x0`
        let mut cs = controls();
        cs[1] = Control::toggle("steps", "T", true);
        let e = check::<P>(&cs).unwrap_err();
        assert!(e.contains("`steps` wants a whole number ≥ 0, its control gives Bool(true)"), "{e}");
        let mut cs = controls();
        cs[3] = Control::range("x0", "start", 0.0, 1.0, 0.5);
        assert!(check::<P>(&cs).unwrap_err().contains("`x0` wants a point"));
    }
}
