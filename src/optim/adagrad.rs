//! AdaGrad: config, build and its scaling stage.

use super::transforms::*;
use super::{check_lr, check_weight_decay, Family, Optimizer, OptimizerConfig, OptimizerSpec, Racer};
use super::{same_len, StageState, StepError};
use super::{Internal, Key};
use crate::checks::{check_range, Problems, SpecError};
use serde::{Deserialize, Serialize};

/// `torch.optim.Adagrad` (Duchi, Hazan & Singer 2011): `s ← s + g²`,
/// `x ← x − lr/(1+(t−1)·lr_decay) · g/(√s + ε)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Adagrad {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
}

impl Default for Adagrad {
    fn default() -> Self {
        Adagrad { lr: 0.01, lr_decay: 0.0, weight_decay: 0.0, initial_accumulator_value: 0.0, eps: 1e-10 }
    }
}

impl OptimizerConfig for Adagrad {
    fn base_lr(&self) -> f64 {
        self.lr
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let (c, n) = (self, rows * cols);
        let _ = (n, depth);
        Ok({
            let mut pr = Problems::new();
            pr.check(check_lr(path, c.lr));
            pr.check(check_range(path, "lr_decay", c.lr_decay, 0.0, 1e3));
            pr.check(check_weight_decay(path, c.weight_decay));
            pr.check(check_range(path, "initial_accumulator_value", c.initial_accumulator_value, 0.0, 1e6));
            pr.check(check_range(path, "eps", c.eps, 0.0, 1.0));
            pr.finish()?;
            Box::new(Chain::new(vec![
                Box::new(AddDecayedWeights(c.weight_decay)),
                Box::new(ScaleByAdagrad::new(n, c.initial_accumulator_value, c.eps)),
                Box::new(ScaleByLearningRate::new(c.lr_decay)),
            ]))
        })
    }
}

/// AdaGrad's scaling: `s ← s + u²`, `u ← u/(√s + ε)` (ε outside the root, as PyTorch).
pub struct ScaleByAdagrad {
    pub eps: f64,
    sum: Vec<f64>,
}

impl ScaleByAdagrad {
    pub fn new(n: usize, initial_accumulator_value: f64, eps: f64) -> Self {
        ScaleByAdagrad { eps, sum: vec![initial_accumulator_value; n] }
    }
}

impl Transform for ScaleByAdagrad {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        for (ui, si) in u.iter_mut().zip(self.sum.iter_mut()) {
            *si += *ui * *ui;
            *ui /= si.sqrt() + self.eps;
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        let denom = self.sum.iter().map(|s| 1.0 / (s.sqrt() + self.eps)).collect();
        vec![(Key::top(Internal::Accumulator), self.sum.clone()), (Key::top(Internal::StepScale), denom)]
    }

    fn state(&self) -> StageState {
        StageState::Adagrad { sum: self.sum.clone() }
    }

    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::Adagrad { sum } => {
                same_len("adagrad", &sum, self.sum.len())?;
                self.sum = sum;
                Ok(())
            }
            other => Err(other.mismatch("AdaGrad")),
        }
    }
}

impl Family for Adagrad {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new("AdaGrad", |lr| OptimizerSpec::Adagrad(Adagrad { lr, ..Adagrad::default() }), [2.0, 1.0, 2.0, 0.5, 0.2])]
    }
}
