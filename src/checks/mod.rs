//! Spec errors, range checks and the externally tagged enum reader: the leaf of the crate, importing nothing
//! of it, so that `problems`, `optim` and `train` validate their configs without depending on [`crate::spec`].

pub mod tagged;

/// A bad value in a spec: where it is and what is allowed; when a validator found several (see [`Problems`]),
/// the first one, with the others in `also`, in the order the spec's fields were checked.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub path: String,
    pub message: String,
    /// The problems found after this one (each without an `also` of its own).
    pub also: Vec<SpecError>,
}

impl SpecError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError { path: path.into(), message: message.into(), also: Vec::new() }
    }

    /// One error holding every problem of `errors` (flattened, in order), or `None` when there is none.
    pub fn join(errors: Vec<SpecError>) -> Option<SpecError> {
        let mut flat = Vec::new();
        for mut e in errors {
            let also = std::mem::take(&mut e.also);
            flat.push(e);
            flat.extend(also);
        }
        let mut it = flat.into_iter();
        let mut first = it.next()?;
        first.also = it.collect();
        Some(first)
    }

    /// Every problem: this one, then `also`.
    pub fn all(&self) -> impl Iterator<Item = &SpecError> {
        std::iter::once(self).chain(self.also.iter())
    }

    /// How many problems this error holds.
    pub fn count(&self) -> usize {
        1 + self.also.len()
    }

    /// Applies `f` to the path of every problem.
    pub fn map_paths(mut self, f: impl Fn(&str) -> String) -> SpecError {
        self.path = f(&self.path);
        for e in &mut self.also {
            e.path = f(&e.path);
        }
        self
    }

    /// Every problem as `path: message`, one per line.
    pub fn lines(&self) -> Vec<String> {
        self.all().map(|e| format!("{}: {}", e.path, e.message)).collect()
    }
}

/// `path: message` of each problem, joined by "; " (one line; the command line prints [`SpecError::lines`] one per line).
impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", join_strs(&self.lines(), "; "))
    }
}

/// `parts.join(sep)`, as one small loop, for lists of `&str` and of `String`: the wasm then holds no copy of
/// std's `join` (1 KB of code for each element type; std's for `String`s alone was 1.9 KB unoptimised).
pub fn join_strs<S: AsRef<str>>(parts: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part.as_ref());
    }
    out
}

/// `path.trim_start_matches("[0].")` as a loop of prefix tests (a single spec's field paths without its list
/// index): the wasm then holds no pattern search for the trim (1 KB of code).
pub fn without_first_index(mut path: &str) -> &str {
    while let Some(rest) = path.strip_prefix("[0].") {
        path = rest;
    }
    path
}

/// Collects the problems of a spec instead of stopping at the first: each check's result is recorded, and
/// [`Problems::finish`] returns them all as one [`SpecError`] before anything is built from the values.
#[derive(Debug, Default)]
pub struct Problems(Vec<SpecError>);

impl Problems {
    pub fn new() -> Self {
        Problems(Vec::new())
    }

    /// Records the problems of `r`, if any; whether it passed.
    pub fn check(&mut self, r: Result<(), SpecError>) -> bool {
        self.take(r).is_some()
    }

    /// The value of `r`, or `None` with its problems recorded.
    pub fn take<T>(&mut self, r: Result<T, SpecError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records a problem.
    pub fn push(&mut self, e: SpecError) {
        self.0.push(e);
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was recorded, else every problem in the order recorded.
    pub fn finish(self) -> Result<(), SpecError> {
        SpecError::join(self.0).map_or(Ok(()), Err)
    }

    /// [`Problems::finish`], then `value` (which is `Some` whenever nothing was recorded: it came from [`Problems::take`]).
    pub fn finish_with<T>(self, value: Option<T>) -> Result<T, SpecError> {
        self.finish()?;
        Ok(value.expect("a value taken by Problems::take is Some when no problem was recorded"))
    }
}

impl std::error::Error for SpecError {}

/// A number as a message shows it: as Rust prints it, but in exponent form from 1e15 on (never 300 digits).
pub fn shown(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e15 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// `path.field` must be a finite number in `[lo, hi]`.
pub fn check_range(path: &str, field: &str, v: f64, lo: f64, hi: f64) -> Result<(), SpecError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(SpecError::new(format!("{path}.{field}"), format!("must be in [{}, {}], got {}", shown(lo), shown(hi), shown(v))))
    }
}

/// `path.field` must be a finite number in `[0, 1)`.
pub fn check_half_open(path: &str, field: &str, v: f64) -> Result<(), SpecError> {
    if v.is_finite() && (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(SpecError::new(format!("{path}.{field}"), format!("must be in [0, 1), got {}", shown(v))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_strs_is_join() {
        for parts in [&[][..], &["a"], &["a", "b"], &["", "x", ""], &["αβ", "γ", "δ"]] {
            for sep in ["", ", ", " "] {
                assert_eq!(join_strs(parts, sep), parts.join(sep));
                let owned: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
                assert_eq!(join_strs(&owned, sep), owned.join(sep));
            }
        }
    }

    #[test]
    fn without_first_index_is_trim_start_matches() {
        for p in ["", "[0]", "[0].", "[0].lr", "[0].[0].x", "[1].lr", "a[0].b", "[0].[0].", "[0][0].x", "[0].[1].y"] {
            assert_eq!(without_first_index(p), p.trim_start_matches("[0]."));
        }
    }

    #[test]
    fn problems_keep_every_error_in_order_flattened_and_stop_nothing_until_finish() {
        let mut pr = Problems::new();
        assert!(pr.check(check_range("opt", "lr", 0.1, 0.0, 1.0)));
        assert!(!pr.check(check_range("opt", "lr", -1.0, 0.0, 1.0)));
        // a nested validator's own list is flattened into this one, in place
        let nested = SpecError::join(vec![SpecError::new("opt.inner.a", "x"), SpecError::new("opt.inner.b", "y")]);
        assert_eq!(pr.take::<()>(Err(nested.expect("two problems"))), None);
        pr.push(SpecError::new("steps", "z"));
        let e = pr.finish().expect_err("three problems");
        assert_eq!(e.count(), 4);
        assert_eq!(e.lines(), ["opt.lr: must be in [0, 1], got -1", "opt.inner.a: x", "opt.inner.b: y", "steps: z"]);
        assert!(e.also.iter().all(|p| p.also.is_empty()), "the rest hold no lists of their own");
        assert_eq!(e.to_string(), e.lines().join("; "));
        let e = e.map_paths(|p| format!("[2].{p}"));
        assert_eq!(e.all().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["[2].opt.lr", "[2].opt.inner.a", "[2].opt.inner.b", "[2].steps"]);
        assert_eq!(Problems::new().finish(), Ok(()));
        assert_eq!(SpecError::join(Vec::new()), None);
        assert_eq!(shown(1e300), "1e300");
        assert_eq!(shown(123456.5), "123456.5");
    }
}
