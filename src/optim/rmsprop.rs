//! RMSProp: config, build and its scaling stage.

use super::transforms::*;
use super::{check_lr, check_weight_decay, Family, Optimizer, OptimizerConfig, OptimizerSpec, Racer};
use super::{same_len, StageState, StepError};
use super::{Internal, Key};
use crate::checks::{check_range, Problems, SpecError};
use serde::{Deserialize, Serialize};

/// `torch.optim.RMSprop` (Hinton's lecture notes, 2012): `v ← αv + (1−α)g²`, `x ← x − lr·g/(√v + ε)`;
/// `centered` subtracts the squared mean gradient; `momentum` keeps `b ← μb + g/(√v + ε)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rmsprop {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
}

impl Default for Rmsprop {
    fn default() -> Self {
        Rmsprop { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0.0, momentum: 0.0, centered: false }
    }
}

impl OptimizerConfig for Rmsprop {
    fn base_lr(&self) -> f64 {
        self.lr
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let (c, n) = (self, rows * cols);
        let _ = (n, depth);
        Ok({
            let mut pr = Problems::new();
            pr.check(check_lr(path, c.lr));
            pr.check(check_range(path, "alpha", c.alpha, 0.0, 1.0));
            pr.check(check_range(path, "eps", c.eps, 0.0, 1.0));
            pr.check(check_weight_decay(path, c.weight_decay));
            pr.check(check_range(path, "momentum", c.momentum, 0.0, 1.0));
            pr.finish()?;
            Box::new(Chain::new(vec![
                Box::new(AddDecayedWeights(c.weight_decay)),
                Box::new(ScaleByRms::new(n, c.alpha, c.eps, c.centered)),
                Box::new(Momentum::new(c.momentum, 0.0, false)),
                Box::new(ScaleByLearningRate::new(0.0)),
            ]))
        })
    }
}

/// RMSProp's scaling: `v ← αv + (1−α)u²`; centered also tracks `m ← lerp(m, u, 1−α)` and uses `v − m²`;
/// `u ← u/(√v + ε)`.
pub struct ScaleByRms {
    pub alpha: f64,
    pub eps: f64,
    pub centered: bool,
    sq: Vec<f64>,
    avg: Vec<f64>,
    scale: Vec<f64>,
}

impl ScaleByRms {
    pub fn new(n: usize, alpha: f64, eps: f64, centered: bool) -> Self {
        ScaleByRms { alpha, eps, centered, sq: vec![0.0; n], avg: vec![0.0; n], scale: vec![0.0; n] }
    }
}

impl Transform for ScaleByRms {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        let a = self.alpha;
        for i in 0..u.len() {
            let g = u[i];
            self.sq[i] = self.sq[i] * a + (1.0 - a) * g * g;
            let var = if self.centered {
                self.avg[i] = lerp(self.avg[i], g, 1.0 - a);
                self.sq[i] - self.avg[i] * self.avg[i]
            } else {
                self.sq[i]
            };
            let denom = var.sqrt() + self.eps;
            self.scale[i] = 1.0 / denom;
            u[i] = g / denom;
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        vec![(Key::top(Internal::SecondMoment), self.sq.clone()), (Key::top(Internal::StepScale), self.scale.clone())]
    }

    fn state(&self) -> StageState {
        // the mean is state only when centered (otherwise it is never read)
        StageState::Rms { sq: self.sq.clone(), avg: if self.centered { self.avg.clone() } else { Vec::new() } }
    }

    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::Rms { sq, avg } => {
                same_len("rmsprop", &sq, self.sq.len())?;
                same_len("rmsprop centered mean", &avg, if self.centered { self.avg.len() } else { 0 })?;
                self.sq = sq;
                if self.centered {
                    self.avg = avg;
                }
                Ok(())
            }
            other => Err(other.mismatch("RMSProp")),
        }
    }
}

impl Family for Rmsprop {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new("RMSProp", |lr| OptimizerSpec::Rmsprop(Rmsprop { lr, ..Rmsprop::default() }), [1.0, 0.5, 0.2, 0.02, 0.01])]
    }
}
