use super::{Optimizer, Oracle, StepError};
use crate::linalg::solve;

/// Newton's method: `x ← x − lr·H(x)⁻¹∇f(x)`, solving `H d = ∇f` by LU (O(N³) per step, the lecture's
/// point). A singular Hessian, or an objective without one, stops the run with a message.
pub struct Newton;

impl Optimizer for Newton {
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, oracle: &mut dyn Oracle) -> Result<(), StepError> {
        let h = oracle
            .hessian(x)
            .ok_or_else(|| StepError("newton needs a Hessian, and this problem has none".into()))?;
        let d = solve(h.view(), g).ok_or_else(|| StepError("the Hessian is singular here, so the Newton step is undefined".into()))?;
        for (xi, di) in x.iter_mut().zip(d) {
            *xi -= lr * di;
        }
        Ok(())
    }
}
