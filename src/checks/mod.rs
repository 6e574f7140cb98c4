//! Spec errors, range checks and the externally tagged enum reader: the leaf of the crate, importing nothing
//! of it, so that `problems`, `optim` and `train` validate their configs without depending on [`crate::spec`].

pub mod tagged;

/// A bad value in a spec: where it is and what is allowed.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub path: String,
    pub message: String,
}

impl SpecError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError { path: path.into(), message: message.into() }
    }
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for SpecError {}

/// `path.field` must be a finite number in `[lo, hi]`.
pub fn check_range(path: &str, field: &str, v: f64, lo: f64, hi: f64) -> Result<(), SpecError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(SpecError::new(format!("{path}.{field}"), format!("must be in [{lo}, {hi}], got {v}")))
    }
}

/// `path.field` must be a finite number in `[0, 1)`.
pub fn check_half_open(path: &str, field: &str, v: f64) -> Result<(), SpecError> {
    if v.is_finite() && (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(SpecError::new(format!("{path}.{field}"), format!("must be in [0, 1), got {v}")))
    }
}
