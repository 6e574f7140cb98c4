//! Controls and the state they hold. A state is a map from control name (the spec field name) to its
//! text, exactly as it stands in the URL; [`normalize`] turns any map — a hand-edited link included — into
//! a valid state, replacing each bad value by the nearest allowed one and saying so.

use super::Message;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// What kind of input a control is. Every list in it is a `'static` slice, so a chapter's controls are one
/// constant table (see [`table`]): built as code, the eleven lists were 28 KB of the wasm.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlKind {
    /// A slider; `log` sliders move in log10 space. The shell gets its `step` too (see [`ControlKind::step`]).
    #[serde(serialize_with = "range_with_step")]
    Range {
        min: f64,
        max: f64,
        log: bool,
        default: f64,
    },
    /// A whole number slider.
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    /// A drop-down of `(value, label)`. An option listed in `sets` is a preset: picking it sets those
    /// `(control, value)` pairs too (the shell applies them; see [`normalize`] for links).
    Select {
        options: &'static [(&'static str, &'static str)],
        default: &'static str,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        sets: &'static [(&'static str, &'static [(&'static str, &'static str)])],
    },
    Toggle {
        default: bool,
    },
    /// A point "x, y" (set by typing or by clicking on the map).
    Point {
        default: (f64, f64),
        min: f64,
        max: f64,
    },
    /// Free text in a box (a `<textarea>`), e.g. pasted CSV rows; empty by default. At most `max_chars`
    /// characters are accepted; the shell writes the text into the link only while its URL encoding has at
    /// most `url_max` characters (longer text stays in the page, and the shell says so).
    Text {
        max_chars: usize,
        url_max: usize,
        rows: usize,
        placeholder: &'static str,
    },
}

impl ControlKind {
    /// A slider's step: 0.01 in log10 space for a log slider, else [`slider_step`]; `None` for other kinds.
    pub fn step(&self) -> Option<f64> {
        match *self {
            ControlKind::Range { log: true, .. } => Some(0.01),
            ControlKind::Range { min, max, default, .. } => Some(slider_step(min, max, default)),
            _ => None,
        }
    }
}

/// A range as the shell reads it: `{type: "range", min, max, step, log, default}`, the step worked out here
/// (a constant table cannot call [`slider_step`]).
fn range_with_step<S: Serializer>(min: &f64, max: &f64, log: &bool, default: &f64, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Range {
        min: f64,
        max: f64,
        step: f64,
        log: bool,
        default: f64,
    }
    let kind = ControlKind::Range { min: *min, max: *max, log: *log, default: *default };
    Range { min: *min, max: *max, step: kind.step().unwrap_or_default(), log: *log, default: *default }.serialize(s)
}

/// The outcome of [`Control::classify`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Checked {
    Ok { value: String },
    Adjusted { value: String, reason: String },
    Invalid { reason: String },
}

/// One control. `name` is the spec field it sets (the same name in Rust, JSON, URL and the DOM).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Control {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: ControlKind,
    /// Unit or symbol shown after the value (e.g. "η").
    pub unit: &'static str,
    pub help: &'static str,
    /// Shown only when another control has one of these values: `(name, [values])`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<(&'static str, &'static [&'static str])>,
    /// For a text control: checks its content (e.g. parses CSV rows); the error (e.g. "line 3: …") makes
    /// [`Control::check`] refuse the text, so the shell keeps the last valid text and shows the error.
    #[serde(skip)]
    pub validate: Option<fn(&str) -> Result<(), String>>,
}

/// A linear slider's step: the largest 1, 2 or 5 × 10^k of at most 1/200 of the range on whose grid (from
/// `min`) the default lies, and the maximum too where one such step allows it; so a slider moved away and back
/// returns to the default exactly (a step of range/200 put a default of 1 on [0, 3] between 0.990 and 1.005).
pub fn slider_step(min: f64, max: f64, default: f64) -> f64 {
    let target = ((max - min) / 200.0).max(1e-6);
    let on = |v: f64, s: f64| ((v - min) / s - ((v - min) / s).round()).abs() < 1e-6;
    let steps: Vec<f64> = (0..12)
        .flat_map(|i| {
            let p = 10f64.powi(target.log10().floor() as i32 - i);
            [5.0 * p, 2.0 * p, p]
        })
        .filter(|s| *s <= target * (1.0 + 1e-9))
        .collect();
    steps.iter().find(|s| on(default, **s) && on(max, **s)).or_else(|| steps.iter().find(|s| on(default, **s))).copied().unwrap_or(target)
}

/// A chapter's controls from its constant table (`const CONTROLS: &[Control] = &[Control::range(…), …]`):
/// the table is data in the wasm, and this one function copies it.
pub fn table(controls: &[Control]) -> Vec<Control> {
    controls.to_vec()
}

impl Control {
    pub const fn range(name: &'static str, label: &'static str, min: f64, max: f64, default: f64) -> Control {
        Control { name, label, kind: ControlKind::Range { min, max, log: false, default }, unit: "", help: "", when: None, validate: None }
    }
    pub const fn log_range(name: &'static str, label: &'static str, min: f64, max: f64, default: f64) -> Control {
        Control { name, label, kind: ControlKind::Range { min, max, log: true, default }, unit: "", help: "", when: None, validate: None }
    }
    pub const fn int(name: &'static str, label: &'static str, min: i64, max: i64, default: i64) -> Control {
        Control { name, label, kind: ControlKind::Int { min, max, default }, unit: "", help: "", when: None, validate: None }
    }
    pub const fn select(
        name: &'static str,
        label: &'static str,
        options: &'static [(&'static str, &'static str)],
        default: &'static str,
    ) -> Control {
        Control { name, label, kind: ControlKind::Select { options, default, sets: &[] }, unit: "", help: "", when: None, validate: None }
    }
    pub const fn toggle(name: &'static str, label: &'static str, default: bool) -> Control {
        Control { name, label, kind: ControlKind::Toggle { default }, unit: "", help: "", when: None, validate: None }
    }
    pub const fn point(name: &'static str, label: &'static str, default: (f64, f64), min: f64, max: f64) -> Control {
        Control { name, label, kind: ControlKind::Point { default, min, max }, unit: "", help: "", when: None, validate: None }
    }
    /// A text box of `rows` lines taking at most `max_chars` characters, of which at most `url_max` (URL-encoded)
    /// travel in a link.
    pub const fn text(name: &'static str, label: &'static str, max_chars: usize, url_max: usize) -> Control {
        Control {
            name,
            label,
            kind: ControlKind::Text { max_chars, url_max, rows: 6, placeholder: "" },
            unit: "",
            help: "",
            when: None,
            validate: None,
        }
    }
    /// Makes options of a select presets: for each `(option, pairs)` of `presets`, choosing `option` also
    /// sets those `(control, value)` pairs.
    pub const fn sets(mut self, presets: &'static [(&'static str, &'static [(&'static str, &'static str)])]) -> Control {
        if let ControlKind::Select { sets, .. } = &mut self.kind {
            *sets = presets;
        }
        self
    }
    /// The `(control, value)` pairs that choosing `option` sets (empty unless it is a preset).
    pub fn settings_of(&self, option: &str) -> &[(&'static str, &'static str)] {
        match &self.kind {
            ControlKind::Select { sets, .. } => sets.iter().find(|(o, _)| *o == option).map_or(&[], |(_, s)| s),
            _ => &[],
        }
    }
    /// Whether two valid texts of this control mean the same value (`0.03` and `0.030` for a number).
    pub fn same_value(&self, a: &str, b: &str) -> bool {
        match &self.kind {
            ControlKind::Range { .. } | ControlKind::Int { .. } => match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            },
            _ => a == b,
        }
    }
    /// The placeholder of a text box (shown while it is empty).
    pub const fn placeholder(mut self, text: &'static str) -> Control {
        if let ControlKind::Text { placeholder, .. } = &mut self.kind {
            *placeholder = text;
        }
        self
    }
    /// The check of a text box's content (see [`Control::validate`]).
    pub const fn validate(mut self, f: fn(&str) -> Result<(), String>) -> Control {
        self.validate = Some(f);
        self
    }
    pub const fn unit(mut self, unit: &'static str) -> Control {
        self.unit = unit;
        self
    }
    pub const fn help(mut self, help: &'static str) -> Control {
        self.help = help;
        self
    }
    pub const fn when(mut self, name: &'static str, values: &'static [&'static str]) -> Control {
        self.when = Some((name, values));
        self
    }

    /// The default value as URL text.
    pub fn default_text(&self) -> String {
        match &self.kind {
            ControlKind::Range { default, .. } => fmt_num(*default),
            ControlKind::Int { default, .. } => default.to_string(),
            ControlKind::Select { default, .. } => default.to_string(),
            ControlKind::Toggle { default } => default.to_string(),
            ControlKind::Point { default, .. } => format!("{},{}", fmt_num(default.0), fmt_num(default.1)),
            ControlKind::Text { .. } => String::new(),
        }
    }

    /// What a value sent to a control that already holds one does (the slide-deck API): a valid value is
    /// taken, an out-of-range one is clamped (`Adjusted`), and one that is not a value of this control at all
    /// (`Invalid`: not a number, not an option) leaves the current value in place, with the reason.
    pub fn classify(&self, raw: &str) -> Checked {
        let (value, why) = self.check(raw);
        match why {
            None => Checked::Ok { value },
            Some(why) if self.is_invalid(raw) => {
                Checked::Invalid { reason: why.split("; using the default").next().unwrap_or(&why).to_string() }
            }
            Some(reason) => Checked::Adjusted { value, reason },
        }
    }

    /// Whether `raw` is no value of this control at all (as opposed to one outside its range).
    fn is_invalid(&self, raw: &str) -> bool {
        let raw = raw.trim();
        let number = || raw.parse::<f64>().is_ok_and(f64::is_finite);
        match &self.kind {
            ControlKind::Range { .. } | ControlKind::Int { .. } => !number(),
            ControlKind::Select { options, .. } => !options.iter().any(|(v, _)| *v == raw),
            ControlKind::Toggle { .. } => !matches!(raw, "true" | "1" | "on" | "false" | "0" | "off"),
            ControlKind::Point { .. } => {
                raw.split(',').map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite())).filter(Option::is_some).count() != 2
                    || raw.split(',').count() != 2
            }
            ControlKind::Text { max_chars, .. } => raw.chars().count() > *max_chars || self.validate.is_some_and(|f| f(raw).is_err()),
        }
    }

    /// Checks `raw`; returns the value to use and, when it differs, why.
    pub fn check(&self, raw: &str) -> (String, Option<String>) {
        if let ControlKind::Text { max_chars, .. } = &self.kind {
            return self.check_text(raw, *max_chars);
        }
        let raw = raw.trim();
        let shown: String = raw.chars().take(40).collect();
        let shown = if shown.len() < raw.len() { format!("{shown}…") } else { shown };
        // a number too large for a double (`1e999`) parses as infinite
        let what = |whole: &str| {
            if raw.parse::<f64>().is_ok_and(|v| v.is_infinite()) {
                format!("a finite {whole}")
            } else {
                format!("a {whole}")
            }
        };
        let bad = |why: String| (self.default_text(), Some(format!("{}: {why}; using the default {}", self.label, self.default_text())));
        match &self.kind {
            ControlKind::Range { min, max, .. } => match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    let c = v.clamp(*min, *max);
                    if c != v {
                        (
                            fmt_num(c),
                            Some(format!(
                                "{}: {} is outside [{}, {}]; using {}",
                                self.label,
                                shown,
                                fmt_num(*min),
                                fmt_num(*max),
                                fmt_num(c)
                            )),
                        )
                    } else {
                        (raw.to_string(), None)
                    }
                }
                _ => bad(format!("“{shown}” is not {} in [{}, {}]", what("number"), fmt_num(*min), fmt_num(*max))),
            },
            ControlKind::Int { min, max, .. } => match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    let r = v.round().clamp(*min as f64, *max as f64) as i64;
                    if v.fract() == 0.0 && r as f64 != v {
                        (r.to_string(), Some(format!("{}: {} is outside [{min}, {max}]; using {r}", self.label, shown)))
                    } else if r as f64 != v {
                        (r.to_string(), Some(format!("{}: {} is not a whole number in [{min}, {max}]; using {r}", self.label, shown)))
                    } else {
                        (r.to_string(), None)
                    }
                }
                _ => bad(format!("“{shown}” is not {} in [{min}, {max}]", what("whole number"))),
            },
            ControlKind::Select { options, .. } => {
                if options.iter().any(|(v, _)| *v == raw) {
                    (raw.to_string(), None)
                } else {
                    let allowed: Vec<&str> = options.iter().map(|(v, _)| *v).collect();
                    bad(format!("“{shown}” is not one of {}", crate::checks::join_strs(&allowed, ", ")))
                }
            }
            ControlKind::Toggle { .. } => match raw {
                "true" | "1" | "on" => ("true".into(), None),
                "false" | "0" | "off" => ("false".into(), None),
                _ => bad(format!("“{shown}” is not true or false")),
            },
            ControlKind::Text { .. } => unreachable!("checked above"),
            ControlKind::Point { min, max, .. } => {
                let parts: Vec<Option<f64>> = raw.split(',').map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite())).collect();
                match parts.as_slice() {
                    [Some(x), Some(y)] => {
                        let (cx, cy) = (x.clamp(*min, *max), y.clamp(*min, *max));
                        let text = format!("{},{}", fmt_num(cx), fmt_num(cy));
                        if (cx, cy) != (*x, *y) {
                            (
                                text.clone(),
                                Some(format!(
                                    "{}: ({shown}) is outside [{}, {}]²; using ({text})",
                                    self.label,
                                    fmt_num(*min),
                                    fmt_num(*max)
                                )),
                            )
                        } else {
                            (text, None)
                        }
                    }
                    _ => bad(format!("“{shown}” is not two finite numbers “x,y” in [{}, {}]", fmt_num(*min), fmt_num(*max))),
                }
            }
        }
    }
}

impl Control {
    /// A text is kept as it is (no trimming: the box shows exactly what was typed) when it is short enough
    /// and passes the control's check; otherwise the default (empty) is used and the message says why.
    fn check_text(&self, raw: &str, max_chars: usize) -> (String, Option<String>) {
        let n = raw.chars().count();
        if n > max_chars {
            return (
                self.default_text(),
                Some(format!("{}: the text has {n} characters, more than the {max_chars} this box takes (not used)", self.label)),
            );
        }
        match self.validate.map_or(Ok(()), |f| f(raw)) {
            Ok(()) => (raw.to_string(), None),
            Err(why) => (self.default_text(), Some(format!("{}: {why} (not used)", self.label))),
        }
    }
}

/// Short, exact-enough text for a number in a URL or a label.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s.parse::<f64>().map_or(true, |p| ((p - v) / v).abs() > 1e-6) {
        format!("{v:e}")
    } else {
        s
    }
}

/// A chapter's state: every control's value as text (valid once normalised).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct State {
    pub values: BTreeMap<String, String>,
}

impl State {
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
    pub fn f64(&self, name: &str) -> f64 {
        self.get(name).parse().unwrap_or(0.0)
    }
    pub fn usize(&self, name: &str) -> usize {
        self.get(name).parse::<f64>().map_or(0, |v| v.max(0.0) as usize)
    }
    pub fn bool(&self, name: &str) -> bool {
        self.get(name) == "true"
    }
    pub fn point(&self, name: &str) -> (f64, f64) {
        let mut it = self.get(name).split(',').map(|p| p.trim().parse::<f64>().unwrap_or(0.0));
        (it.next().unwrap_or(0.0), it.next().unwrap_or(0.0))
    }
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }
}

/// Builds a valid state for `controls` from raw text values (URL or inputs). Missing values take their
/// defaults silently (old links keep working); bad ones are replaced and reported. Keys that are not
/// controls are ignored here (the shell's own keys like `chapter` and `embed` live beside them).
///
/// **Presets** (select options with [`Control::sets`]): a value the raw map lacks comes from the chosen
/// preset before the default, so `?preset=NAME` alone opens the preset. When a control the preset sets
/// holds another value, the state is no longer the preset and the select falls back to its default
/// (e.g. "custom"), silently: the controls show what is used.
pub fn normalize(controls: &[Control], raw: &BTreeMap<String, String>) -> (State, Vec<Message>) {
    let mut st = State::default();
    let mut msgs = Vec::new();
    let mut check = |c: &Control, st: &mut State| {
        let (v, why) = match raw.get(c.name) {
            Some(r) => c.check(r),
            None => (c.default_text(), None),
        };
        if let Some(w) = why {
            msgs.push(Message::warn(w));
        }
        st.values.insert(c.name.to_string(), v);
    };
    let presets: Vec<&Control> =
        controls.iter().filter(|c| matches!(&c.kind, ControlKind::Select { sets, .. } if !sets.is_empty())).collect();
    for c in &presets {
        check(c, &mut st);
    }
    // the chosen presets' settings; a control set by several takes the last one (a list searched from its
    // end: a map collected from it would sort it, and that sort was a copy of the stable sort in the wasm)
    let implied: Vec<(&str, &str)> = presets.iter().flat_map(|c| c.settings_of(st.get(c.name)).iter().copied()).collect();
    for c in controls.iter().filter(|c| !presets.iter().any(|p| p.name == c.name)) {
        match (raw.contains_key(c.name), implied.iter().rev().find(|(name, _)| *name == c.name).map(|(_, v)| v)) {
            (false, Some(v)) => {
                let (v, _) = c.check(v);
                st.values.insert(c.name.to_string(), v);
            }
            _ => check(c, &mut st),
        }
    }
    for p in &presets {
        let held = p
            .settings_of(st.get(p.name))
            .iter()
            .all(|(name, v)| controls.iter().find(|c| c.name == *name).is_none_or(|c| c.same_value(st.get(name), v)));
        if !held {
            st.values.insert(p.name.to_string(), p.default_text());
        }
    }
    (st, msgs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_fall_back_with_a_message() {
        let cs = vec![
            Control::log_range("lr", "learning rate η", 1e-4, 10.0, 0.1),
            Control::select("problem", "problem", &[("a", "A"), ("b", "B")], "a"),
            Control::point("x0", "start", (1.0, 1.0), -5.0, 5.0),
        ];
        let raw: BTreeMap<String, String> =
            [("lr", "abc"), ("problem", "<script>"), ("x0", "9,1")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let (st, msgs) = normalize(&cs, &raw);
        assert_eq!(st.get("lr"), "0.1");
        assert_eq!(st.get("problem"), "a");
        assert_eq!(st.point("x0"), (5.0, 1.0));
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].text.contains("not a number"));
        let (st, msgs) = normalize(&cs, &BTreeMap::new());
        assert!(msgs.is_empty());
        assert_eq!(st.get("x0"), "1,1");
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn a_range_is_sent_with_its_step() {
        let linear = serde_json::to_string(&Control::range("rho", "ρ", 0.0, 1.0, 0.15).kind).unwrap();
        assert_eq!(linear, r#"{"type":"range","min":0.0,"max":1.0,"step":0.005,"log":false,"default":0.15}"#);
        let log = serde_json::to_string(&Control::log_range("lr", "η", 1e-3, 10.0, 0.1).kind).unwrap();
        assert_eq!(log, r#"{"type":"range","min":0.001,"max":10.0,"step":0.01,"log":true,"default":0.1}"#);
        assert_eq!(Control::int("steps", "T", 1, 10, 5).kind.step(), None);
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn text_is_kept_verbatim_or_refused_with_the_validators_reason() {
        fn no_q(t: &str) -> Result<(), String> {
            if t.contains('q') {
                Err("line 2: q is not allowed".into())
            } else {
                Ok(())
            }
        }
        let c = Control::text("notes", "notes", 10, 100).validate(no_q);
        assert_eq!(c.default_text(), "");
        assert_eq!(c.check(" a\nb \n"), (" a\nb \n".to_string(), None), "no trimming");
        let (v, why) = c.check("a\nq");
        assert_eq!(v, "");
        assert_eq!(why.as_deref(), Some("notes: line 2: q is not allowed (not used)"));
        let (v, why) = c.check("ééééééééééé");
        assert_eq!(v, "");
        assert!(why.unwrap().contains("11 characters, more than the 10"));
        let json = serde_json::to_value(c).unwrap();
        assert_eq!(json["kind"]["type"], "text");
        assert_eq!(json["kind"]["url_max"], 100);
        assert!(json.get("validate").is_none(), "the validator stays in Rust");
    }
}

#[cfg(test)]
mod preset_tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn a_preset_fills_what_a_link_lacks_and_falls_back_when_a_control_differs() {
        let cs = vec![
            Control::select("preset", "preset", &[("custom", "custom"), ("fast", "fast")], "custom")
                .sets(&[("fast", &[("lr", "0.5"), ("steps", "20")])]),
            Control::log_range("lr", "η", 1e-3, 1.0, 0.1),
            Control::int("steps", "steps", 1, 100, 50),
            Control::int("seed", "seed", 0, 9, 0),
        ];
        let (st, msgs) = normalize(&cs, &raw(&[("preset", "fast"), ("seed", "4")]));
        assert!(msgs.is_empty());
        assert_eq!((st.get("preset"), st.get("lr"), st.get("steps"), st.get("seed")), ("fast", "0.5", "20", "4"));
        // the same values spelled differently still are the preset
        let (st, _) = normalize(&cs, &raw(&[("preset", "fast"), ("lr", "0.50"), ("steps", "20")]));
        assert_eq!(st.get("preset"), "fast");
        // a different value: the state is no longer the preset, and the value is kept
        let (st, msgs) = normalize(&cs, &raw(&[("preset", "fast"), ("lr", "0.2")]));
        assert!(msgs.is_empty());
        assert_eq!((st.get("preset"), st.get("lr"), st.get("steps")), ("custom", "0.2", "20"));
        // a bad preset name is reported and nothing is implied
        let (st, msgs) = normalize(&cs, &raw(&[("preset", "nope")]));
        assert_eq!((st.get("preset"), st.get("lr"), msgs.len()), ("custom", "0.1", 1));
        // the shell gets the settings with the select
        let json = serde_json::to_value(cs[0]).unwrap();
        assert_eq!(json["kind"]["sets"], serde_json::json!([["fast", [["lr", "0.5"], ["steps", "20"]]]]));
        assert!(serde_json::to_value(cs[1]).unwrap()["kind"].get("sets").is_none());
    }
}

#[cfg(test)]
mod classify_tests {
    use super::*;

    #[test]
    fn a_bad_value_is_invalid_an_out_of_range_one_adjusted() {
        let lr = Control::log_range("lr", "learning rate η", 1e-3, 10.0, 0.1);
        assert_eq!(lr.classify("0.5"), Checked::Ok { value: "0.5".into() });
        assert!(matches!(lr.classify("1e9"), Checked::Adjusted { value, .. } if value == "10"));
        for bad in ["abc", "NaN", "", "1e999", "<img src=x>"] {
            assert!(
                matches!(lr.classify(bad), Checked::Invalid { ref reason } if reason.contains("learning rate") && !reason.contains("default")),
                "{bad}"
            );
        }
        let sel = Control::select("ns", "ns", &[("a", "A"), ("b", "B")], "a");
        assert!(matches!(sel.classify("c"), Checked::Invalid { .. }));
        let pt = Control::point("x0", "start", (0.0, 0.0), -5.0, 5.0);
        assert!(matches!(pt.classify("9,1"), Checked::Adjusted { value, .. } if value == "5,1"));
        assert!(matches!(pt.classify("1"), Checked::Invalid { .. }));
        let t = Control::toggle("n", "n", false);
        assert!(matches!(t.classify("maybe"), Checked::Invalid { .. }));
    }
}
