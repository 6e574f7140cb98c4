//! Small trainings: an MLP on 2-D data (or a CSV's d features), trained with any optimizer of the core.
//!
//! The pieces, each usable alone:
//! - [`mlp`]: the network over one flat parameter vector (layout table, forward/backward, init);
//! - [`data`]: two moons, circles, spirals, XOR and Gaussian blobs from the seed, label and input noise,
//!   the train/test split, and the seeded mini-batch sampler; [`csv`] reads the user's own points;
//! - [`spec`]: [`TrainSpec`], the serde spec with field-path validation;
//! - [`groups`]: param groups (Muon on the hidden matrices, AdamW for the rest);
//! - [`trainer`]: [`Trainer`], stepped in bounded slices, with metrics, heat-map predictions and weights;
//! - [`sharpness`]: λ_max by power iteration on Hessian-vector products, and filter-normalised loss slices;
//! - [`flatness`]: the terms of SAM's generalisation bound (training loss, flatness over a ρ-ball, test loss);
//! - [`hessian`]: the exact batch Hessian (R-operator), for Newton's method on the network;
//! - [`early`]: where early stopping on the test loss would stop a run and which step it would keep;
//! - [`report`]: whole runs for the command line (`optlab train`), as JSON or CSV.
//!
//! ```
//! use optlab::train::{Trainer, TrainSpec};
//! let spec = TrainSpec::from_json(r#"{"data": {"kind": "moons"}, "steps": 200}"#).unwrap();
//! let mut t = Trainer::new(&spec).unwrap();
//! t.step_n(200);
//! let m = t.metrics();
//! assert_eq!((m.step, m.epoch), (200, 8)); // 250 training points, batches of 10
//! ```
//!
//! **Randomness.** The seed drives four independent streams: the data (stream 1), the initial weights
//! (stream 3), the batch order (stream 2) and, with `model.dropout`, the dropout masks (stream 8, one mask per
//! step). Nothing random depends on the optimizer, which is what makes [`compare`] fair.

pub mod cost;
pub mod csv;
pub mod data;
pub mod digits;
pub mod early;
pub mod flatness;
pub mod groups;
pub mod hessian;
/// The network and its passes (in the `optlab-kernels` crate, compiled for speed in the wasm).
pub use optlab_kernels::mlp;
pub mod report;
pub mod sharpness;
pub mod spec;
pub mod trainer;

pub use data::{Bounds, Data, Points};
pub use mlp::{Activation, Init, Loss, Mlp, Mode};
pub use sharpness::{LossSlice, PowerOptions, Sharpness};
pub use spec::{DataKind, DataSpec, ModelSpec, TrainSpec};
pub use trainer::{Metrics, Trainer};

use crate::checks::SpecError;

/// Most runs in one comparison.
pub const MAX_COMPARE: usize = 8;

/// Trainers for a fair comparison: the specs may differ in `label`, `optimizer`, `adamw`, `schedule`,
/// `steps` and `eval_every` only; `data` (with `shuffle`), `model`, `init_params`, `batch_size` and `seed`
/// must be equal, so every trainer
/// starts from the same weights on the same data and draws the same sequence of batches. Errors name the
/// differing field as `[i].field`.
pub fn compare(specs: &[TrainSpec]) -> Result<Vec<Trainer>, SpecError> {
    if specs.is_empty() || specs.len() > MAX_COMPARE {
        return Err(SpecError::new("runs", format!("a comparison needs 1 to {MAX_COMPARE} runs, got {}", specs.len())));
    }
    let first = &specs[0];
    for (i, s) in specs.iter().enumerate().skip(1) {
        let differs = [
            ("data", s.data != first.data),
            ("data.shuffle", s.shuffle() != first.shuffle()),
            ("init_params", s.init_params() != first.init_params()),
            ("model", s.model != first.model),
            ("batch_size", s.batch_size != first.batch_size),
            ("seed", s.seed != first.seed),
        ];
        if let Some((field, _)) = differs.iter().find(|(_, d)| *d) {
            return Err(SpecError::new(
                format!("[{i}].{field}"),
                format!("must equal run 0's {field} for a fair comparison (only the optimizer and its schedule may differ)"),
            ));
        }
    }
    // (one data set for all: the checks above make every run's data the same)
    let mut out: Vec<Trainer> = Vec::with_capacity(specs.len());
    for (i, s) in specs.iter().enumerate() {
        let t = Trainer::sharing(s, out.first());
        out.push(t.map_err(|e| SpecError::new(format!("[{i}].{}", e.path), e.message))?);
    }
    Ok(out)
}
