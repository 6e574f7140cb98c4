//! The one experiment spec: what to minimise, from where, with which optimizers, for how long.
//!
//! JSON for the command line, the tests and the golden fixtures; the app does not send it anywhere: a
//! chapter builds its runs from its own controls (whose values travel in the link as a flat query string,
//! see `app::controls`), and its "Copy spec" button writes the spec of those runs as JSON, which
//! `optlab run` reproduces. Unknown fields are rejected; missing ones take their defaults
//! (`#[serde(default)]`), so old specs keep loading. [`Spec::validate`] checks every value and names the offending field by its
//! path (`runs[0].optimizer.beta2`) with the allowed range.
//!
//! ```json
//! { "problem": {"kind": "quadratic", "a": [[10, 0], [0, 1]], "b": [0, 0]},
//!   "x0": [1.0, 1.0],
//!   "runs": [ {"label": "adam", "optimizer": {"kind": "adam", "lr": 0.01},
//!              "schedule": {"kind": "cosine", "t_max": 50, "eta_min": 0.001}} ],
//!   "steps": 100, "seed": 0 }
//! ```

use crate::optim::schedule::ScheduleSpec;
use crate::optim::OptimizerSpec;
use crate::problems::{Problem, ProblemSpec};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::checks::{check_range, tagged, Problems, SpecError};

/// Largest step count of a run.
pub const MAX_STEPS: usize = 100_000;
/// Most runs in one spec.
pub const MAX_RUNS: usize = 16;
/// Most numbers a whole report may hold (steps × parameters × runs).
pub const MAX_TRACE_VALUES: usize = 20_000_000;
/// Longest run label.
pub const MAX_LABEL: usize = 120;

/// The whole experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub problem: ProblemSpec,
    pub x0: X0,
    pub runs: Vec<RunSpec>,
    #[serde(default = "default_steps")]
    pub steps: usize,
    #[serde(default)]
    pub seed: u64,
}

fn default_steps() -> usize {
    100
}

/// One optimizer (with its schedule) to run on the problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    #[serde(default)]
    pub label: String,
    pub optimizer: OptimizerSpec,
    #[serde(default)]
    pub schedule: ScheduleSpec,
}

/// The start point: a vector, or a list of rows for matrix problems.
#[derive(Clone, Debug, PartialEq)]
pub enum X0 {
    Vector(Vec<f64>),
    Matrix(Vec<Vec<f64>>),
}

impl X0 {
    /// `(rows, cols)`, treating a vector as one column.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            X0::Vector(v) => (v.len(), 1),
            X0::Matrix(m) => (m.len(), m.first().map_or(0, |r| r.len())),
        }
    }

    /// Row-major flattening.
    pub fn flat(&self) -> Vec<f64> {
        match self {
            X0::Vector(v) => v.clone(),
            X0::Matrix(m) => m.iter().flatten().copied().collect(),
        }
    }
}

impl Serialize for X0 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            X0::Vector(v) => v.serialize(s),
            X0::Matrix(m) => m.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for X0 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Vector(Vec<f64>),
            Matrix(Vec<Vec<f64>>),
        }
        Raw::deserialize(d)
            .map(|r| match r {
                Raw::Vector(v) => X0::Vector(v),
                Raw::Matrix(m) => X0::Matrix(m),
            })
            .map_err(|e| {
                // A missing `x0` arrives here too; keep serde's "missing field `x0`" for it, and the JSON
                // reader's "number out of range" for a number past the largest double (`1e999`).
                let text = e.to_string();
                if text.starts_with("missing field") || text.starts_with("number out of range") {
                    e
                } else {
                    serde::de::Error::custom("must be a list of numbers, or a list of rows of numbers for a matrix problem")
                }
            })
    }
}

impl Spec {
    /// Parses JSON and validates it. Errors name the field path.
    pub fn from_json(text: &str) -> Result<Spec, SpecError> {
        // serde would read a list as the struct's fields in order, and then complain about its length
        if text.trim_start().starts_with('[') {
            return Err(SpecError::new("spec", "must be a JSON object {\"problem\": …, \"x0\": […], \"runs\": […]}, got a list"));
        }
        // every field of the wrong type, then every range problem of the others, in one error
        let (spec, errors) = parse_json_all::<Spec>(text)?;
        let mut pr = Problems::new();
        errors.into_iter().for_each(|e| pr.push(e));
        if let Some(s) = &spec {
            pr.check(s.validate().map(|_| ()));
        }
        pr.finish_with(spec)
    }

    /// Checks the whole spec and returns the built problem. Every problem found is reported at once (see
    /// [`SpecError::all`]), in the order of the spec's fields: problem, x0, runs (label, optimizer, schedule of
    /// each), steps. When the problem cannot be built, the runs' optimizers are checked (their fields do not depend
    /// on the shape) for one parameter, so that a huge `x0` allocates nothing.
    pub fn validate(&self) -> Result<Box<dyn Problem>, SpecError> {
        let mut pr = Problems::new();
        let problem = pr.take(self.problem.build(self.seed));
        let shape = problem.as_ref().map(|p| p.shape());
        if let Some(shape) = shape {
            pr.check(self.check_x0(shape));
        }
        if self.runs.is_empty() || self.runs.len() > MAX_RUNS {
            pr.push(SpecError::new("runs", format!("must hold 1 to {MAX_RUNS} runs, got {}", self.runs.len())));
        }
        let opt_shape = shape.unwrap_or((1, 1));
        for (i, run) in self.runs.iter().enumerate().take(MAX_RUNS) {
            let len = run.label.chars().count();
            if len > MAX_LABEL {
                pr.push(SpecError::new(format!("runs[{i}].label"), format!("must be at most {MAX_LABEL} characters, got {len}")));
            }
            pr.check(run.optimizer.build(opt_shape, &format!("runs[{i}].optimizer")).map(|_| ()));
            pr.check(run.schedule.validate(&format!("runs[{i}].schedule")));
        }
        if self.steps > MAX_STEPS {
            pr.push(SpecError::new("steps", format!("must be in [0, {MAX_STEPS}], got {}", self.steps)));
        } else if let Some((rows, cols)) = shape {
            let n = rows * cols;
            if (self.steps + 1).saturating_mul(n + 3).saturating_mul(self.runs.len()) > MAX_TRACE_VALUES {
                pr.push(SpecError::new(
                    "steps",
                    format!("steps × parameters × runs is too large (at most {MAX_TRACE_VALUES} values); lower steps"),
                ));
            }
        }
        pr.finish_with(problem)
    }

    fn check_x0(&self, (rows, cols): (usize, usize)) -> Result<(), SpecError> {
        let count = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
        let want = if cols == 1 && !self.problem.is_matrix() {
            format!("a list of {}", count(rows, "number"))
        } else {
            format!("{} of {}", count(rows, "row"), count(cols, "number"))
        };
        let ok_shape = match &self.x0 {
            X0::Vector(v) => cols == 1 && v.len() == rows,
            X0::Matrix(m) => m.len() == rows && m.iter().all(|r| r.len() == cols),
        };
        if !ok_shape {
            let got = match &self.x0 {
                X0::Vector(v) => format!("a list of {}", count(v.len(), "number")),
                X0::Matrix(m) => match m.iter().position(|r| r.len() != m[0].len()) {
                    Some(i) => format!("rows of different lengths (row 0 has {}, row {i} has {})", m[0].len(), m[i].len()),
                    None => format!("{} of {}", count(m.len(), "row"), count(m.first().map_or(0, Vec::len), "number")),
                },
            };
            return Err(SpecError::new("x0", format!("must be {want} for problem {}, got {got}", self.problem.kind())));
        }
        if let Some(i) = self.x0.flat().iter().position(|v| !v.is_finite()) {
            return Err(SpecError::new("x0", format!("entry {i} is not a finite number")));
        }
        Ok(())
    }

    /// The label of run `i` (its optimizer's kind when none was given).
    pub fn label(&self, i: usize) -> String {
        let r = &self.runs[i];
        if r.label.is_empty() {
            r.optimizer.kind().to_string()
        } else {
            r.label.clone()
        }
    }
}

/// serde's Rust type names in a message as what a spec's author writes ("expected usize" → "expected a whole
/// number ≥ 0").
fn plain_types(message: &str) -> String {
    message
        .replace("expected usize", "expected a whole number ≥ 0")
        .replace("expected u64", "expected a whole number ≥ 0")
        .replace("expected u32", "expected a whole number ≥ 0")
        .replace("expected f64", "expected a number")
}

/// Most fields of the wrong type [`parse_json_all`] lists before it stops looking.
const MAX_TYPE_ERRORS: usize = 32;

/// Parses JSON like [`parse_json`], but a field of the wrong type or an unknown field does not hide the
/// others: it is recorded, removed from the object that holds it (so its default stands in) and the rest is
/// read again, up to [`MAX_TYPE_ERRORS`] times. Returns the value read without the bad fields (to validate
/// the rest), or `None` when a bad field has no default, with every problem found in the order read. Text
/// that is not JSON at all is one error, as in [`parse_json`].
pub fn parse_json_all<T: for<'de> Deserialize<'de>>(text: &str) -> Result<(Option<T>, Vec<SpecError>), SpecError> {
    let first = match parse_json::<T>(text) {
        Ok(v) => return Ok((Some(v), Vec::new())),
        Err(e) => e,
    };
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else { return Err(first) };
    let mut errors = vec![first];
    while errors.len() < MAX_TYPE_ERRORS {
        let last = &errors[errors.len() - 1];
        let Some(removed) = remove_field(&mut value, &last.path, &last.message) else { break };
        match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(v) => return Ok((Some(v), errors)),
            Err(e) => {
                let e = spec_error(e);
                // a field without a default that was removed above is missed now: not a problem of the spec
                if e.message.contains(&format!("missing field `{removed}`")) || errors.iter().any(|x| x.path == e.path) {
                    break;
                }
                errors.push(e);
            }
        }
    }
    Ok((None, errors))
}

/// Removes the field a problem names from the object that holds it: the field at `path`
/// (`runs[0].optimizer.lr`), or for an unknown field the field the message names in the object at `path`;
/// the name removed, or `None` when that is no field present in an object (an element of a list, the whole spec).
fn remove_field(value: &mut serde_json::Value, path: &str, message: &str) -> Option<String> {
    // the tagged-enum reader names the inner field at the start of its message ("beta1: invalid type: …")
    let prefixed = message
        .split_once(": ")
        .map(|(name, _)| name)
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let unknown = message.split_once("unknown field `").and_then(|(_, rest)| rest.split_once('`')).map(|(name, _)| name).or(prefixed);
    let path = match unknown {
        Some(name) if !path.ends_with(&format!(".{name}")) && path != name => format!("{path}.{name}"),
        _ => path.to_string(),
    };
    let mut steps: Vec<(&str, Vec<usize>)> = Vec::new();
    for seg in path.split('.') {
        let (name, rest) = seg.split_once('[').map_or((seg, ""), |(n, r)| (n, r));
        let idx: Option<Vec<usize>> = rest.split('[').filter(|r| !r.is_empty()).map(|r| r.trim_end_matches(']').parse().ok()).collect();
        steps.push((name, idx?));
    }
    let ((last, last_idx), parents) = steps.split_last()?;
    if !last_idx.is_empty() || last.is_empty() {
        return None;
    }
    let mut cur = value;
    for (name, idx) in parents {
        if !name.is_empty() {
            cur = cur.get_mut(*name)?;
        }
        for i in idx {
            cur = cur.get_mut(*i)?;
        }
    }
    cur.as_object_mut()?.remove(*last).map(|_| last.to_string())
}

/// A serde error as a spec error at its field path (the whole `spec` when it has none).
fn spec_error(e: serde_path_to_error::Error<serde_json::Error>) -> SpecError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    // A half-read key shows as `?`; the line and column then locate the error.
    let path = if path == "." || path.is_empty() || path.contains('?') { "spec".to_string() } else { path };
    if inner.is_syntax() || inner.is_eof() {
        let hint =
            if inner.to_string().starts_with("number out of range") { " (a number may be at most about 1.8e308 in size)" } else { "" };
        return SpecError::new(path, format!("not valid JSON: {inner}{hint}"));
    }
    SpecError::new(path, plain_types(&inner.to_string()))
}

/// Parses any serde type from JSON, naming the failing field by its path.
pub fn parse_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, SpecError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(spec_error)?;
    // Text after the one JSON value is an error, not something to ignore.
    de.end().map_err(|e| SpecError::new("spec", format!("not valid JSON: {e}")))?;
    Ok(value)
}
