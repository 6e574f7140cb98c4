use super::{Family, OptimizerConfig, OptimizerSpec, Racer};
use super::{Internal, Key};
use super::{OptState, Optimizer, Oracle, StepError};
use crate::checks::{check_range, Problems, SpecError};
use crate::linalg::{solve, symmetric_eigenvalues};
use serde::{Deserialize, Serialize};

/// Newton's method: `x ← x − lr·(H + τI)⁻¹∇f(x)`.
///
/// With `damping = 0` (the default) `τ = 0`: plain Newton, solving `H d = ∇f` by LU (O(N³) per step, the
/// lecture's point). A singular Hessian, or an objective without one, stops the run with a message.
///
/// With `damping = δ > 0` the Hessian is shifted just enough that its smallest eigenvalue is at least δ:
/// `τ = max(0, δ − λ_min(H))` — the "modified Newton" step with a multiple of the identity added (Nocedal
/// & Wright 2006, §3.4). The step is then defined and points downhill even where `H` is singular or
/// indefinite (a saddle, a network's batch Hessian); where `H ⪰ δI` already it is plain Newton. `λ_min`
/// takes a symmetric eigendecomposition, O(N³) like the solve. The shift of the last step is reported in
/// [`Optimizer::internals`] as `"shift τ"`.
pub struct Newton {
    pub damping: f64,
    shift: f64,
}

impl Newton {
    pub fn new(damping: f64) -> Newton {
        Newton { damping, shift: 0.0 }
    }
}

impl Optimizer for Newton {
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, oracle: &mut dyn Oracle) -> Result<(), StepError> {
        let mut h = oracle.hessian(x).ok_or_else(|| StepError("newton needs a Hessian, and this problem has none".into()))?;
        self.shift = 0.0;
        if self.damping > 0.0 {
            let lambda_min = symmetric_eigenvalues(h.view()).last().copied().unwrap_or(0.0);
            if !lambda_min.is_finite() {
                return Err(StepError("the Hessian has no finite eigenvalues here".into()));
            }
            self.shift = (self.damping - lambda_min).max(0.0);
            h.diag_mut().mapv_inplace(|v| v + self.shift);
        }
        let d = solve(h.view(), g).ok_or_else(|| StepError("the Hessian is singular here, so the Newton step is undefined".into()))?;
        for (xi, di) in x.iter_mut().zip(d) {
            *xi -= lr * di;
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        vec![(Key::top(Internal::Shift), vec![self.shift])]
    }

    fn state(&self) -> OptState {
        OptState::Newton
    }

    fn load_state(&mut self, state: OptState) -> Result<(), StepError> {
        match state {
            OptState::Newton => Ok(()),
            _ => Err(StepError("the saved state is not Newton's".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    struct Quad(Array2<f64>);
    impl Oracle for Quad {
        fn grad(&mut self, x: &[f64], out: &mut [f64]) {
            for (o, r) in out.iter_mut().zip(self.0.rows()) {
                *o = r.iter().zip(x).map(|(a, b)| a * b).sum();
            }
        }
        fn hessian(&mut self, _x: &[f64]) -> Option<Array2<f64>> {
            Some(self.0.clone())
        }
    }

    fn step(damping: f64, h: Array2<f64>, x0: [f64; 2]) -> ([f64; 2], f64) {
        let mut q = Quad(h);
        let mut x = x0;
        let mut g = [0.0; 2];
        q.grad(&x, &mut g);
        let mut n = Newton::new(damping);
        n.step(&mut x, &g, 1.0, &mut q).unwrap();
        (x, n.internals()[0].1[0])
    }

    #[test]
    fn damping_is_plain_newton_where_the_hessian_is_positive_enough() {
        // λ = 1 and 3 ≥ δ = 0.5: no shift, the minimiser in one step
        let (x, shift) = step(0.5, array![[2.0, 1.0], [1.0, 2.0]], [1.0, -2.0]);
        assert_eq!(shift, 0.0);
        assert!(x.iter().all(|v| v.abs() < 1e-12), "{x:?}");
    }

    #[test]
    fn at_a_saddle_the_shift_makes_the_step_go_downhill() {
        // f = (x² − y²)/2: plain Newton jumps to the saddle; the shifted step moves away from it along y
        let h = array![[1.0, 0.0], [0.0, -1.0]];
        let (x, shift) = step(0.1, h.clone(), [1.0, 0.5]);
        assert!((shift - 1.1).abs() < 1e-12, "τ = δ − λ_min = 0.1 + 1");
        assert!((x[0] - (1.0 - 1.0 / 2.1)).abs() < 1e-12 && (x[1] - (0.5 + 0.5 / 0.1)).abs() < 1e-12, "{x:?}");
        let f = |p: [f64; 2]| (p[0] * p[0] - p[1] * p[1]) / 2.0;
        assert!(f(x) < f([1.0, 0.5]));
        let (plain, _) = step(0.0, h, [1.0, 0.5]);
        assert!(plain.iter().all(|v| v.abs() < 1e-12), "plain Newton goes to the saddle: {plain:?}");
        // a singular Hessian: plain Newton refuses, the shifted one steps
        let mut q = Quad(array![[1.0, 0.0], [0.0, 0.0]]);
        let (mut x, g) = ([1.0, 1.0], [1.0, 0.0]);
        assert!(Newton::new(0.0).step(&mut x, &g, 1.0, &mut q).is_err());
        assert!(Newton::new(0.01).step(&mut x, &g, 1.0, &mut q).is_ok());
    }
}

// ---- configuration (the spec's `{"kind": "newton", …}`) and its build

/// Newton's method (see [`Newton`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewtonSpec {
    pub lr: f64,
    /// δ of the modified Newton step (see [`Newton`]); 0 is plain Newton (omitted from JSON then).
    #[serde(skip_serializing_if = "is_zero")]
    pub damping: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Default for NewtonSpec {
    fn default() -> Self {
        NewtonSpec { lr: 1.0, damping: 0.0 }
    }
}

impl OptimizerConfig for NewtonSpec {
    fn base_lr(&self) -> f64 {
        self.lr
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let c = self;
        let _ = (rows, cols, depth);
        Ok({
            let mut pr = Problems::new();
            pr.check(check_range(path, "lr", c.lr, 0.0, 10.0));
            pr.check(check_range(path, "damping", c.damping, 0.0, 1e6));
            pr.finish()?;
            Box::new(Newton::new(c.damping))
        })
    }

    /// One Hessian, an LU solve (⅔N³) and, when damped, the symmetric eigenvalues (about 4/3·N³ for the
    /// tridiagonal reduction).
    fn cost(&self, (rows, cols): (usize, usize)) -> super::StepCost {
        let n = (rows * cols) as f64;
        let eig = if self.damping > 0.0 { 4.0 / 3.0 } else { 0.0 };
        super::StepCost { gradients: 1.0, hessians: 1.0, own: super::FACTOR_NS * (2.0 / 3.0 + eig) * n.powi(3) + super::ELEMENTWISE * n }
    }
}

impl Family for NewtonSpec {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    /// Newton at its full step 1 everywhere, its step size capped at 10 when the race scales it.
    fn racers() -> Vec<Racer> {
        vec![Racer {
            max_lr: 10.0,
            ..Racer::new("Newton", |lr| OptimizerSpec::Newton(NewtonSpec { lr, ..NewtonSpec::default() }), [1.0; 5])
        }]
    }
}
