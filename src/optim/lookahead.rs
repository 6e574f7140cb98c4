use super::{Adam, Family, OptimizerConfig, OptimizerSpec, Racer, Sgd};
use super::{Internal, Key};
use super::{OptState, Optimizer, Oracle, StepError};
use crate::checks::{check_range, Problems, SpecError};
use serde::{Deserialize, Serialize};

/// Lookahead (Zhang, Lucas, Ba & Hinton 2019): k fast steps forward, one step back.
///
/// The inner optimizer runs on the fast weights `x`; every `k` steps `x ← αx + (1−α)·slow` and
/// `slow ← x`. Slow weights start at `x₀`; the inner optimizer's state is kept across synchronisations (as
/// in the authors' PyTorch code).
pub struct Lookahead {
    pub k: usize,
    pub alpha: f64,
    inner: Box<dyn Optimizer>,
    slow: Option<Vec<f64>>,
    t: usize,
}

impl Lookahead {
    pub fn new(k: usize, alpha: f64, inner: Box<dyn Optimizer>) -> Self {
        Lookahead { k, alpha, inner, slow: None, t: 0 }
    }
}

impl Optimizer for Lookahead {
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, oracle: &mut dyn Oracle) -> Result<(), StepError> {
        let slow = self.slow.get_or_insert_with(|| x.to_vec());
        self.inner.step(x, g, lr, oracle)?;
        self.t += 1;
        if self.t.is_multiple_of(self.k) {
            for (xi, si) in x.iter_mut().zip(slow.iter_mut()) {
                *xi = self.alpha * *xi + (1.0 - self.alpha) * *si;
                *si = *xi;
            }
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        let mut out: Vec<(Key, Vec<f64>)> = self.inner.internals().into_iter().map(|(k, v)| (k.inner(), v)).collect();
        if let Some(s) = &self.slow {
            out.push((Key::top(Internal::Slow), s.clone()));
        }
        out
    }

    fn state(&self) -> OptState {
        OptState::Lookahead { t: self.t, slow: self.slow.clone(), inner: Box::new(self.inner.state()) }
    }

    fn load_state(&mut self, state: OptState) -> Result<(), StepError> {
        match state {
            OptState::Lookahead { t, slow, inner } => {
                self.inner.load_state(*inner)?;
                (self.t, self.slow) = (t, slow);
                Ok(())
            }
            _ => Err(StepError("the saved state is not Lookahead's".into())),
        }
    }
}

// ---- configuration (the spec's `{"kind": "lookahead", …}`) and its build

/// Lookahead around any optimizer (see [`Lookahead`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LookaheadSpec {
    pub k: usize,
    pub alpha: f64,
    pub inner: Box<OptimizerSpec>,
}

impl Default for LookaheadSpec {
    fn default() -> Self {
        LookaheadSpec { k: 5, alpha: 0.5, inner: Box::new(OptimizerSpec::Sgd(Sgd::default())) }
    }
}

impl OptimizerConfig for LookaheadSpec {
    fn base_lr(&self) -> f64 {
        self.inner.base_lr()
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let c = self;
        let _ = (rows, cols, depth);
        Ok({
            let mut pr = Problems::new();
            pr.check(check_range(path, "k", c.k as f64, 1.0, 1000.0));
            pr.check(check_range(path, "alpha", c.alpha, 0.0, 1.0));
            let inner = pr.take(c.inner.build_at((rows, cols), &format!("{path}.inner"), depth + 1));
            let inner = pr.finish_with(inner)?;
            Box::new(Lookahead::new(c.k, c.alpha, inner))
        })
    }

    /// The inner optimizer's step plus the slow weights' update (every `k` steps).
    fn cost(&self, shape: (usize, usize)) -> super::StepCost {
        let inner = self.inner.cost(shape);
        super::StepCost { own: inner.own + 3.0 * (shape.0 * shape.1) as f64 / self.k.max(1) as f64, ..inner }
    }
}

impl Family for LookaheadSpec {
    fn set_base_lr(&mut self, lr: f64) {
        self.inner.set_base_lr(lr);
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new(
            "Lookahead(Adam)",
            |lr| {
                let mut inner = OptimizerSpec::Adam(Adam::default());
                inner.set_base_lr(lr);
                OptimizerSpec::Lookahead(LookaheadSpec { k: 5, alpha: 0.5, inner: Box::new(inner) })
            },
            [1.0, 0.5, 1.0, 0.2, 0.2],
        )]
    }
}
