//! The work model of a training, in estimated native nanoseconds: the page sizes its per-frame slices with
//! it, and `optlab train` refuses a spec whose estimate passes its limit (see `--no-limit`).

use super::{Mlp, TrainSpec, Trainer};

/// Estimated native nanoseconds of a forward pass of one row: a multiply-add costs about 1 ns in these
/// small products, an evaluation of tanh or GELU about 20 (ReLU about 1), and so does each softmax
/// exponential (measured: 0.46 µs per row for the default 2-8-8-2 tanh network). A backward pass costs
/// about twice a forward one.
pub fn row_cost(mlp: &Mlp) -> f64 {
    let layers = mlp.layers();
    let macs: usize = layers.iter().map(|l| l.fan_in * l.fan_out).sum();
    let units: usize = layers.iter().take(layers.len().saturating_sub(1)).map(|l| l.fan_out).sum();
    let act = match mlp.activation {
        super::Activation::Relu => 1.0,
        _ => 20.0,
    };
    (macs as f64 + act * units as f64 + 20.0 * mlp.classes() as f64).max(1.0)
}

/// Estimated native nanoseconds of one training step: a forward and backward pass over the batch for each
/// gradient the optimizer asks for (two for SAM) and the optimizer's own arithmetic on every layer's weights
/// (Newton–Schulz for Muon, see [`crate::optim::StepCost`]); for Newton also the 2N batch gradients of its
/// Hessian and about 3N³ for its eigenvalues and the solve (measured: 2.5 ms per step for N = 114, B = 10).
pub fn step_cost(spec: &TrainSpec, mlp: &Mlp) -> f64 {
    let grad = 3.0 * spec.batch_size as f64 * row_cost(mlp);
    if super::groups::newton_of(&spec.optimizer).is_some() {
        let n = mlp.n_params() as f64;
        return grad * (1.0 + 2.0 * n) + 3.0 * n.powi(3);
    }
    let gradients = spec.optimizer.cost((1, 1)).gradients;
    let own: f64 = mlp.layers().iter().map(|l| spec.optimizer.cost((l.fan_out, l.fan_in)).own + l.fan_out as f64).sum();
    grad * gradients + own
}

/// Estimated native nanoseconds of one evaluation of the metrics: a forward pass over every row of the
/// training and test splits.
pub fn eval_cost(rows: usize, mlp: &Mlp) -> f64 {
    rows as f64 * row_cost(mlp)
}

/// Estimated native nanoseconds for the trainer to reach its spec's `steps` from where it is: the steps and
/// the evaluations every `eval_every` steps.
pub fn remaining_work(t: &Trainer) -> f64 {
    let spec = t.spec();
    let left = spec.steps.saturating_sub(t.step()) as f64;
    let evals = (left / spec.eval_every.max(1) as f64).ceil() + 1.0;
    let rows = t.data().train.len() + t.data().test.len();
    left * step_cost(spec, t.mlp()) + evals * eval_cost(rows, t.mlp())
}
