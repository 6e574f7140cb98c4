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
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// The state's values as JSON typed by their controls.
fn typed(controls: &[Control], st: &State) -> Value {
    let mut m = Map::new();
    for c in controls {
        let text = st.get(c.name);
        let v = match &c.kind {
            ControlKind::Range { .. } => text.trim().parse::<f64>().ok().filter(|v| v.is_finite()).map_or(Value::Null, |v| json!(v)),
            ControlKind::Int { .. } => {
                text.trim().parse::<f64>().ok().filter(|v| v.is_finite()).map_or(Value::Null, |v| json!(v.round() as i64))
            }
            ControlKind::Toggle { .. } => json!(text == "true"),
            ControlKind::Point { .. } => {
                let (x, y) = st.point(c.name);
                json!([x, y])
            }
            ControlKind::Select { .. } | ControlKind::Text { .. } => json!(text),
        };
        m.insert(c.name.to_string(), v);
    }
    Value::Object(m)
}

/// Decodes a chapter's parameters from a normalised state. An error means the struct and the control list
/// disagree (a bug that the chapter tests catch on the defaults), never a user's input: [`super::controls::normalize`]
/// has made every value valid before.
pub fn decode<P: DeserializeOwned>(controls: &[Control], st: &State) -> Result<P, String> {
    serde_json::from_value(typed(controls, st)).map_err(|e| format!("the chapter's parameters and its controls disagree: {e}"))
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
