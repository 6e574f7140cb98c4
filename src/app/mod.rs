//! The app's chapters as pure Rust: each chapter declares its controls and turns a [`State`] into a
//! [`Scene`] (charts, readouts, messages). Nothing here touches the browser, so every chapter is tested
//! natively and its charts render to SVG; `src/web/` only draws scenes on canvases and talks to JS.
//!
//! (A departure from STYLE.md's "one web module per chapter": the per-chapter logic lives here, pure and
//! testable, and `src/web/` stays a single thin adapter.)

mod adaptive;
pub mod common;
pub mod controls;
mod landscapes;
mod lookahead;
pub mod memo;
mod minibatch;
mod momentum;
mod muon;
pub mod params;
mod race;
mod sam;
mod schedules;
pub mod timed;
pub mod training;
mod weight_decay;

pub use controls::{Control, ControlKind, State};
/// The race table's "from step s on" (the first step from which f − f* stays within the tolerance).
pub use muon::msign_input;
pub use race::settled as race_settled;

use crate::plot::field::MapChart;
use crate::plot::LineChart;
use crate::problems::ProblemSpec;
use serde::Serialize;

/// A message for the user: what was wrong and what the app did about it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Message {
    /// "info", "warn" or "error".
    pub level: &'static str,
    pub text: String,
    /// The computed relation the text states, if it states one (see [`Claim`]).
    #[serde(skip)]
    pub claim: Option<Claim>,
}

impl Message {
    pub fn warn(text: impl Into<String>) -> Message {
        Message::at("warn", text.into())
    }
    pub fn error(text: impl Into<String>) -> Message {
        Message::at("error", text.into())
    }
    pub fn info(text: impl Into<String>) -> Message {
        Message::at("info", text.into())
    }
    #[inline(never)]
    fn at(level: &'static str, text: String) -> Message {
        Message { level, text, claim: None }
    }
    /// Records the computed relation this message states (checked by the tests: see [`Claim`]).
    pub fn claiming(mut self, claim: Claim) -> Message {
        self.claim = Some(claim);
        self
    }
}

/// A relation between two numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Rel {
    /// The symbol shown on the page.
    pub fn symbol(self) -> &'static str {
        match self {
            Rel::Lt => "<",
            Rel::Le => "≤",
            Rel::Gt => ">",
            Rel::Ge => "≥",
        }
    }
    /// Whether `a rel b` holds (false when either is not a number).
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Rel::Lt => a < b,
            Rel::Le => a <= b,
            Rel::Gt => a > b,
            Rel::Ge => a >= b,
        }
    }
}

/// A relation a readout or message states between two computed numbers (`lhs rel rhs`). Every text on the
/// page that states a relation (≤, <, >, ≥, "converges", "diverges", "flat", "levels off") carries the
/// numbers it was derived from, so that the tests can check, over random settings, that the page never
/// states a relation its own numbers contradict. Build texts with [`Claim::compare`] so the symbol shown is
/// the one that holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Claim {
    pub lhs: f64,
    pub rel: Rel,
    pub rhs: f64,
}

impl Claim {
    pub fn new(lhs: f64, rel: Rel, rhs: f64) -> Claim {
        Claim { lhs, rel, rhs }
    }
    /// The relation that holds between `a` and `b`: `≤` or `>`.
    pub fn compare(a: f64, b: f64) -> Claim {
        Claim { lhs: a, rel: if a <= b { Rel::Le } else { Rel::Gt }, rhs: b }
    }
    /// Whether the stated relation holds for the numbers it was derived from.
    pub fn holds(&self) -> bool {
        self.rel.holds(self.lhs, self.rhs)
    }
    pub fn symbol(&self) -> &'static str {
        self.rel.symbol()
    }
}

/// One line of a chapter's readout, e.g. ("measured rate", "0.818 per step").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readout {
    pub label: String,
    pub value: String,
    /// "", "good" or "bad" (a diverged run).
    pub tone: &'static str,
    /// The computed relations the value states, if it states any (see [`Claim`]).
    #[serde(skip)]
    pub claims: Vec<Claim>,
}

impl Readout {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Readout {
        Readout::toned(label.into(), value.into(), "")
    }
    pub fn bad(label: impl Into<String>, value: impl Into<String>) -> Readout {
        Readout::toned(label.into(), value.into(), "bad")
    }
    /// (One compiled copy for the hundred readouts the chapters build: the struct is not written out at each.)
    #[inline(never)]
    fn toned(label: String, value: String, tone: &'static str) -> Readout {
        Readout { label, value, tone, claims: Vec::new() }
    }
    /// Records a computed relation the value states (checked by the tests: see [`Claim`]).
    pub fn claiming(mut self, claim: Claim) -> Readout {
        self.claims.push(claim);
        self
    }
}

/// What fills a map's plotting area.
#[derive(Clone, Debug)]
pub enum Field {
    /// Level sets of a 2-D problem (built from its spec with this seed).
    Landscape(ProblemSpec, u64),
    /// A precomputed grid (row 0 at the top), coloured by viridis for values in [0, 1) and grey at ≥ 1.
    Grid { values: Vec<f64>, width: usize, height: usize },
    /// Decision regions: `classes` outputs per cell (`probs[(row·width + col)·classes + k]`, row 0 at the
    /// top), each cell in its predicted class's palette colour (`colors[k]`) shaded by confidence (see
    /// [`training::regions`]).
    Classes { probs: Vec<f64>, classes: usize, colors: Vec<usize>, width: usize, height: usize },
}

/// One chart of a scene. (A scene holds a few charts, built once per drawing: a map's 384 bytes against a line
/// chart's 176 are not worth a box per map.)
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Chart {
    Lines(LineChart),
    Map(MapChart, Field),
}

impl Chart {
    /// What the chart shows now, in words, from its data (the canvas's text alternative).
    pub fn describe(&self) -> String {
        match self {
            Chart::Lines(c) => crate::plot::describe::describe_lines(c),
            Chart::Map(m, _) => crate::plot::describe::describe_map(m),
        }
    }

    /// A 64-bit FNV-1a hash of everything the chart draws (texts, ranges, every point, the field), so that
    /// the browser adapter redraws a canvas only when its chart changed: while a training plays, or when a
    /// control moves one chart of several, the others keep their pixels.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        match self {
            Chart::Lines(c) => {
                h.text(&c.title).text(&c.x_label).text(&c.y_label).word(c.x_log as u64 | (c.y_log as u64) << 1);
                h.range(c.x_range).range(c.y_range);
                for (x, label) in &c.markers {
                    h.word(x.to_bits()).text(label);
                }
                h.word(c.markers.len() as u64);
                for s in &c.series {
                    h.text(&s.name).word(s.mark as u64).word(s.color as u64).pairs(&s.points);
                }
            }
            Chart::Map(m, field) => {
                h.text(&m.title).text(&m.x_label).text(&m.y_label);
                let (x0, x1, y0, y1) = m.bounds;
                h.floats(&[x0, x1, y0, y1]);
                for (x, y, label, c) in &m.markers {
                    h.word(x.to_bits()).word(y.to_bits()).text(label).word(*c as u64);
                }
                h.word(m.markers.len() as u64);
                for ((x0, y0), (x1, y1), c) in &m.arrows {
                    h.floats(&[*x0, *y0, *x1, *y1]).word(*c as u64);
                }
                h.word(m.arrows.len() as u64);
                match &m.scale {
                    Some(sc) => {
                        h.word(1).text(&sc.label).text(&sc.low).text(&sc.high);
                        match &sc.extra {
                            Some((t, [r, g, b])) => h.word(1).text(t).word(u64::from_le_bytes([*r, *g, *b, 0, 0, 0, 0, 0])),
                            None => h.word(0),
                        };
                    }
                    None => {
                        h.word(0);
                    }
                }
                for p in &m.paths {
                    h.text(&p.name).word(p.color as u64 | (p.dashed as u64) << 32).pairs(&p.points);
                }
                for &(x, y, c, filled) in &m.points {
                    h.word(x.to_bits()).word(y.to_bits()).word(c as u64 | (filled as u64) << 32);
                }
                match field {
                    Field::Landscape(p, seed) => {
                        h.text(&p.key()).word(*seed);
                    }
                    Field::Grid { values, width, height } => {
                        h.floats(values).word(*width as u64).word(*height as u64);
                    }
                    Field::Classes { probs, classes, colors, width, height } => {
                        h.floats(probs).word(*classes as u64);
                        for c in colors {
                            h.word(*c as u64);
                        }
                        h.word(colors.len() as u64).word(*width as u64).word(*height as u64);
                    }
                }
            }
        }
        h.0
    }
}

struct Fnv(u64);

impl Fnv {
    fn word(&mut self, v: u64) -> &mut Self {
        self.0 = (self.0 ^ v).wrapping_mul(0x0000_0100_0000_01b3);
        self
    }
    fn text(&mut self, s: &str) -> &mut Self {
        for b in s.bytes() {
            self.word(b as u64);
        }
        self.word(0xff)
    }
    fn floats(&mut self, v: &[f64]) -> &mut Self {
        for x in v {
            self.word(x.to_bits());
        }
        self.word(v.len() as u64)
    }
    fn range(&mut self, r: Option<(f64, f64)>) -> &mut Self {
        match r {
            Some((a, b)) => self.word(1).word(a.to_bits()).word(b.to_bits()),
            None => self.word(0),
        }
    }
    fn pairs(&mut self, v: &[(f64, f64)]) -> &mut Self {
        for (x, y) in v {
            self.word(x.to_bits()).word(y.to_bits());
        }
        self.word(v.len() as u64)
    }
}

/// Everything a chapter shows for one state.
#[derive(Clone, Debug, Default)]
pub struct Scene {
    /// `(canvas id, chart)`, in the order of [`Chapter::canvases`].
    pub charts: Vec<(&'static str, Chart)>,
    pub readout: Vec<Readout>,
    pub messages: Vec<Message>,
    /// The `optlab run` spec reproducing the main runs, when there is one.
    pub spec: Option<crate::spec::Spec>,
    /// Traces for CSV/JSON export (shared with a chapter's cached runs, see [`memo`], rather than copied).
    pub report: Option<std::sync::Arc<crate::run::Report>>,
    /// A training's `optlab train` specs instead (one, or several for a fair comparison), and its metric
    /// histories for export.
    pub train: Option<(Vec<crate::train::TrainSpec>, crate::train::report::TrainReport)>,
    /// Live values to substitute into the formulas, `(name, value)`.
    pub values: Vec<(String, String)>,
}

impl Scene {
    /// A scene with nothing but an error message (a state that could not be decoded: a bug the chapter
    /// tests catch, shown rather than panicking).
    pub fn error(text: impl Into<String>) -> Scene {
        Scene { messages: vec![Message::error(text)], ..Default::default() }
    }

    /// "Copy spec": pretty JSON that `optlab run` accepts, or for a training `optlab train` (one spec, or a
    /// list for a comparison); `None` when the scene has neither.
    pub fn spec_json(&self) -> Option<String> {
        let compact = match (&self.spec, &self.train) {
            (Some(s), _) => serde_json::to_string(s),
            (None, Some((specs, _))) if specs.len() == 1 => serde_json::to_string(&specs[0]),
            (None, Some((specs, _))) => serde_json::to_string(specs),
            (None, None) => return None,
        };
        compact.ok().map(|c| pretty_json(&c))
    }

    /// "PyTorch": the spec of [`Scene::spec_json`] as a self-contained torch script (see [`crate::export`]);
    /// `None` when the scene has no spec, the exporter's message when it cannot write one.
    pub fn torch_script(&self) -> Option<Result<String, String>> {
        let res = match (&self.spec, &self.train) {
            (Some(s), _) => crate::export::export_run(s),
            (None, Some((specs, _))) => crate::export::export_train(specs),
            (None, None) => return None,
        };
        Some(res.map_err(|e| e.to_string()))
    }

    /// "Export": the traces as "csv" or JSON, in the formats of `optlab run` (or `optlab train`).
    pub fn export(&self, format: &str) -> Option<String> {
        match (&self.report, &self.train) {
            (Some(r), _) if format == "csv" => Some(crate::run::to_csv(r)),
            (Some(r), _) => serde_json::to_string(&**r).ok(),
            (None, Some((_, r))) if format == "csv" => Some(crate::train::report::to_csv(r)),
            (None, Some((_, r))) => serde_json::to_string(r).ok(),
            (None, None) => None,
        }
    }
}

/// serde_json's compact text laid out as its `to_string_pretty` would (two-space indents, `": "`, `[]` and `{}`
/// when empty), byte for byte: the specs are then serialized by serde_json's compact formatter only, which the
/// web answers use anyway, instead of a second copy of every spec type's serializer for the pretty one.
pub fn pretty_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if chars.peek() == Some(&if c == '{' { '}' } else { ']' }) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// A canvas of a chapter.
#[derive(Clone, Debug, Serialize)]
pub struct Canvas {
    pub id: &'static str,
    /// Accessible description of what the chart shows.
    pub label: &'static str,
    /// Height / width.
    pub aspect: f64,
    /// Whether a click on it sets something (e.g. the start point).
    pub clickable: bool,
}

/// A formula shown beside the controls (KaTeX source). `{name}` is replaced by the live value of `name`.
#[derive(Clone, Debug, Serialize)]
pub struct Formula {
    pub caption: &'static str,
    pub tex: &'static str,
    /// Shown only while one of these controls has one of its values, `[(name, [values]), …]` (any of them
    /// will do: run A's optimizer or run B's); empty, always shown.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub when: &'static [(&'static str, &'static [&'static str])],
}

impl Formula {
    pub const fn new(caption: &'static str, tex: &'static str) -> Formula {
        Formula { caption, tex, when: &[] }
    }
    /// Shown only while one of the controls `when` names has one of the values given with it.
    pub const fn when_any(mut self, when: &'static [(&'static str, &'static [&'static str])]) -> Formula {
        self.when = when;
        self
    }
    /// Whether the formula is shown in the state `values` (a control's name to its value).
    pub fn shown(&self, value: impl Fn(&str) -> Option<String>) -> bool {
        self.when.is_empty() || self.when.iter().any(|(name, values)| value(name).is_some_and(|v| values.contains(&v.as_str())))
    }
}

/// A chapter's model and view, kept apart: its typed parameters are decoded once from the normalised state,
/// its runs (the optimizer runs and every number derived from them; nothing drawn, nothing worded) are
/// computed from the parameters alone, and its scene (charts, readouts, formula values, messages) is built
/// from the parameters and the runs. [`Chapter::compute`] is [`compute_model`] for the chapters that
/// implement it; tests may call [`Model::runs`] to check the numbers without the view.
pub trait Model {
    type Params;
    type Runs;
    /// The typed parameters of a normalised state (an error names the control that could not be decoded).
    fn params(st: &State) -> Result<Self::Params, String>;
    /// Everything computed: runs, traces, derived quantities. A setting that cannot run is an error message.
    fn runs(p: &Self::Params) -> Result<Self::Runs, Message>;
    /// The view of the runs: charts, readouts, the formulas' live values, the spec and report to copy.
    fn scene(p: &Self::Params, runs: Self::Runs) -> Scene;
}

/// Params → runs → Scene for a chapter's [`Model`].
pub fn compute_model<M: Model>(st: &State) -> Scene {
    let p = match M::params(st) {
        Ok(p) => p,
        Err(e) => return Scene::error(e),
    };
    match M::runs(&p) {
        Ok(r) => M::scene(&p, r),
        Err(m) => Scene { messages: vec![m], ..Default::default() },
    }
}

/// What a click at `(x, y)` on a landscape's `map` sets: the start point x₀, rounded to 0.01 (the default
/// [`Chapter::click`]).
pub fn map_sets_x0(canvas: &str, (x, y): (f64, f64)) -> Vec<(String, String)> {
    if canvas != "map" {
        return Vec::new();
    }
    let r = |v: f64| controls::fmt_num((v * 100.0).round() / 100.0);
    vec![("x0".into(), format!("{},{}", r(x), r(y)))]
}

/// A chapter of the app.
pub trait Chapter: Sync {
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    /// Two to four sentences tying the chapter to the lecture.
    fn intro(&self) -> &'static str;
    /// Short "try this" suggestions; none claims an outcome the plots don't show.
    fn try_this(&self) -> &'static [&'static str];
    fn formulas(&self) -> Vec<Formula>;
    fn controls(&self) -> Vec<Control>;
    /// Checks the chapter's typed parameter struct against its controls (see [`params`]): `Ok` when every
    /// control has a field of its type and every field a control.
    fn check_params(&self) -> Result<(), String>;
    fn canvases(&self) -> Vec<Canvas>;
    /// Computes the scene for a normalised state.
    fn compute(&self, st: &State) -> Scene;
    /// A click at data coordinates `(x, y)` on a clickable `canvas`: the control values it sets. By default a
    /// landscape's `map` sets the start point x₀ (rounded to 0.01).
    fn click(&self, canvas: &str, xy: (f64, f64), _st: &State) -> Vec<(String, String)> {
        map_sets_x0(canvas, xy)
    }
    /// Whether this chapter runs over many frames (a training): the shell then shows play / pause / step /
    /// reset and advances a [`LiveRun`] in bounded slices instead of calling [`Chapter::compute`].
    fn is_live(&self) -> bool {
        false
    }
    /// Starts a live run for this state (nothing computed yet).
    fn start_live(&self, _st: &State) -> Result<Box<dyn LiveRun>, Message> {
        Err(Message::error("this chapter has no live run"))
    }
    /// Controls whose change does not restart the live run (e.g. the speed).
    fn live_ignores(&self) -> &'static [&'static str] {
        &[]
    }
    /// A data file this state needs and the core does not hold yet (a name under `assets/`): the shell fetches
    /// it and hands it over with `Session::provide_asset`, so such data never weighs on the first load.
    fn asset(&self, _st: &State) -> Option<&'static str> {
        None
    }
    /// Kernels the browser times at this state's sizes, off the critical path (see [`timed`]); the web
    /// layer adds [`timed::readouts`] to the readout. None by default.
    fn timed_kernels(&self, _st: &State) -> Option<timed::Request> {
        None
    }
}

/// A computation spread over many frames (see [`Chapter::is_live`]).
pub trait LiveRun {
    /// Advances by at most `steps` steps; returns how many were taken.
    fn advance(&mut self, steps: usize) -> usize;
    /// `(steps done, steps requested)`.
    fn progress(&self) -> (usize, usize);
    /// The scene for the current point of the run, for `st` (which may differ from the start state only in
    /// [`Chapter::live_ignores`] controls).
    fn scene(&mut self, st: &State) -> Scene;
}

/// The part of a state that identifies a live run.
pub fn live_key(c: &dyn Chapter, st: &State) -> String {
    let ignored = c.live_ignores();
    st.values.iter().filter(|(k, _)| !ignored.contains(&k.as_str())).map(|(k, v)| format!("{k}={v}&")).collect()
}

/// Every chapter, in the lecture's order.
pub fn chapters() -> Vec<&'static dyn Chapter> {
    vec![
        &minibatch::Minibatch,
        &landscapes::Landscapes,
        &momentum::Momentum,
        &adaptive::Adaptive,
        &weight_decay::WeightDecay,
        &schedules::Schedules,
        &lookahead::Lookahead,
        &sam::Sam,
        &muon::Muon,
        &race::Race,
        &training::Training,
    ]
}

/// The chapter with this id.
pub fn chapter(id: &str) -> Option<&'static dyn Chapter> {
    chapters().into_iter().find(|c| c.id() == id)
}

/// What the JS shell needs to build a chapter's page.
#[derive(Serialize)]
pub struct ChapterInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub try_this: &'static [&'static str],
    pub formulas: Vec<Formula>,
    pub controls: Vec<Control>,
    pub canvases: Vec<Canvas>,
    pub live: bool,
}

pub fn chapter_info(c: &dyn Chapter) -> ChapterInfo {
    ChapterInfo {
        id: c.id(),
        title: c.title(),
        intro: c.intro(),
        try_this: c.try_this(),
        formulas: c.formulas(),
        controls: c.controls(),
        canvases: c.canvases(),
        live: c.is_live(),
    }
}

/// Draws one chart of a scene on any plotters backend. For a map, `paint_field` receives the plotting
/// area before the axes and paths are drawn over it (the app puts the field image there).
pub fn draw_chart<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    chart: &Chart,
    theme: &crate::plot::Theme,
    paint_field: &mut dyn FnMut(crate::plot::Frame),
) -> Result<crate::plot::Frame, String> {
    match chart {
        Chart::Lines(c) => crate::plot::draw_lines(root, c, theme),
        Chart::Map(m, Field::Landscape(..)) if m.scale.is_none() => {
            // a landscape's colours are log(f − min): say so beside the map
            let mut m = m.clone();
            m.scale = Some(crate::plot::field::ColorScale { label: "f (log)".into(), high: "high".into(), low: "low".into(), extra: None });
            crate::plot::field::draw_map(root, &m, theme, paint_field)
        }
        Chart::Map(m, _) => crate::plot::field::draw_map(root, m, theme, paint_field),
    }
}

/// Computes a chapter's scene from raw control values (URL or inputs): normalises them first, so any
/// input gives a scene and messages, never a panic.
pub fn compute_raw(c: &dyn Chapter, raw: &std::collections::BTreeMap<String, String>) -> (State, Scene) {
    let (st, msgs) = controls::normalize(&c.controls(), raw);
    let mut scene = c.compute(&st);
    let mut all = msgs;
    all.append(&mut scene.messages);
    scene.messages = all;
    (st, scene)
}

#[cfg(test)]
mod fingerprint_tests {
    use super::*;

    #[test]
    fn a_chart_fingerprint_changes_with_anything_drawn_and_only_then() {
        let c = chapter("momentum").expect("momentum");
        let st = controls::normalize(&c.controls(), &Default::default()).0;
        let scene = chapter("momentum").unwrap().compute(&st);
        let again = chapter("momentum").unwrap().compute(&st);
        assert!(!scene.charts.is_empty());
        let mut moved_any = false;
        for ((id, a), (_, b)) in scene.charts.iter().zip(&again.charts) {
            assert_eq!(a.fingerprint(), b.fingerprint(), "{id}: same state, same fingerprint");
            let mut c = a.clone();
            let moved = match &mut c {
                Chart::Lines(l) => l.series.iter_mut().flat_map(|s| s.points.iter_mut()).next().map(|p| p.1 += 1e-12),
                Chart::Map(m, _) => m.paths.iter_mut().flat_map(|s| s.points.iter_mut()).next().map(|p| p.0 += 1e-12),
            };
            moved_any |= moved.is_some();
            if moved.is_some() {
                assert_ne!(a.fingerprint(), c.fingerprint(), "{id}: a moved point changes it");
            }
            let mut d = a.clone();
            match &mut d {
                Chart::Lines(l) => l.title.push('!'),
                Chart::Map(m, _) => m.title.push('!'),
            }
            assert_ne!(a.fingerprint(), d.fingerprint(), "{id}: a changed title changes it");
        }
        assert!(moved_any, "some chart has a point to move");
        // another state of a control that moves the charts gives other fingerprints
        let raw = [("lr".to_string(), "0.3".to_string())].into_iter().collect();
        let st2 = controls::normalize(&c.controls(), &raw).0;
        let other = chapter("momentum").unwrap().compute(&st2);
        assert!(scene.charts.iter().zip(&other.charts).any(|((_, a), (_, b))| a.fingerprint() != b.fingerprint()));
    }
}

#[cfg(test)]
mod spec_json_tests {
    use super::*;

    #[test]
    fn pretty_json_lays_out_as_serde_json_does() {
        let v = serde_json::json!({
            "a": [], "b": {}, "c": [[], {}, [1, 2.5e-300, -0.0]], "d": {"e": {"f": [null, true, false]}},
            "s": "quote \" backslash \\ braces {[,:]} unicode αβ \u{1} tab\t", "": [""], "n": [{"x": [{}]}]
        });
        assert_eq!(pretty_json(&serde_json::to_string(&v).unwrap()), serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(pretty_json("[]"), "[]");
        assert_eq!(pretty_json("{}"), "{}");
    }

    /// "Copy spec" of every chapter's default state and of each option of its drop-downs (one at a time) is
    /// serde_json's pretty text of the scene's spec.
    #[test]
    fn spec_json_is_serde_jsons_pretty_text() {
        let mut checked = 0;
        for c in chapters() {
            let mut raws = vec![std::collections::BTreeMap::new()];
            for ctl in c.controls() {
                if let controls::ControlKind::Select { options, .. } = ctl.kind {
                    raws.extend(options.iter().map(|(v, _)| [(ctl.name.to_string(), v.to_string())].into_iter().collect()));
                }
            }
            for raw in raws {
                let (_, scene) = compute_raw(c, &raw);
                let expected = match (&scene.spec, &scene.train) {
                    (Some(s), _) => serde_json::to_string_pretty(s).ok(),
                    (None, Some((specs, _))) if specs.len() == 1 => serde_json::to_string_pretty(&specs[0]).ok(),
                    (None, Some((specs, _))) => serde_json::to_string_pretty(specs).ok(),
                    (None, None) => None,
                };
                checked += expected.is_some() as usize;
                assert_eq!(scene.spec_json(), expected, "{} {raw:?}", c.id());
            }
        }
        assert!(checked > 50, "{checked} specs checked");
    }
}
