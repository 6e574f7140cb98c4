//! Optimizers.
//!
//! Following optax, most optimizers are a [`Chain`] of tiny [`Transform`]s that turn a gradient into an
//! update; the chain *is* the lecture's explanation:
//!
//! | optimizer | chain |
//! |---|---|
//! | SGD (+L2, momentum, Nesterov) | `add_decayed_weights(wd) → momentum → scale(−lr)` |
//! | AdaGrad | `add_decayed_weights(wd) → scale_by_adagrad → scale(−lr/(1+(t−1)·lr_decay))` |
//! | RMSProp | `add_decayed_weights(wd) → scale_by_rms → momentum → scale(−lr)` |
//! | Adam (+L2) | `add_decayed_weights(wd) → scale_by_adam → scale(−lr)` |
//! | AdamW | `scale_by_adam → add_decayed_weights(wd) → scale(−lr)` |
//! | Muon | `muon_momentum → orthogonalize → scale(shape) → add_decayed_weights(wd) → scale(−lr)` |
//!
//! The L2 penalty and decoupled weight decay are the *same* transform in a different place of the chain.
//! Lookahead and SAM wrap any optimizer; Newton's method asks the objective for its Hessian.

pub mod config;
mod lookahead;
mod newton;
mod sam;
pub mod schedule;
pub mod transforms;

pub use config::OptimizerSpec;
pub use lookahead::Lookahead;
pub use newton::Newton;
pub use sam::{dual_ascent, Sam};
pub use transforms::{Chain, Transform};

use ndarray::Array2;

/// What an optimizer may ask of the objective during one step. Every call within one step sees the same
/// mini-batch (SAM's two gradients are taken on one batch, as in the SAM reference code).
pub trait Oracle {
    /// Gradient at `x` into `out`.
    fn grad(&mut self, x: &[f64], out: &mut [f64]);
    /// Hessian at `x` (row-major over the flattened parameters), where the objective has one.
    fn hessian(&mut self, x: &[f64]) -> Option<Array2<f64>>;
}

/// Why a step could not be taken. The run stops there and reports it; nothing panics.
#[derive(Clone, Debug, PartialEq)]
pub struct StepError(pub String);

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stateful optimizer over a flat parameter vector (matrices are flattened row-major).
pub trait Optimizer {
    /// One step: `x` is replaced by the next iterate. `g` is the gradient at `x` on this step's batch and
    /// `lr` the scheduled learning rate for this step.
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, oracle: &mut dyn Oracle) -> Result<(), StepError>;

    /// Named internal vectors after the last step, for plots (effective step sizes, SAM's ε̂, Lookahead's
    /// slow weights). Empty by default.
    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        Vec::new()
    }
}
