//! SGD with PyTorch's momentum, Nesterov, dampening and L2 weight decay: config and build (the transforms it chains, `Momentum` among them, are shared and live in [`super::transforms`]).

use super::transforms::*;
use super::{check_lr, check_weight_decay, Family, Optimizer, OptimizerConfig, OptimizerSpec, Racer};
use crate::checks::{check_range, Problems, SpecError};
use serde::{Deserialize, Serialize};

/// `torch.optim.SGD`: `b ← μb + (1−τ)(g + wd·x)` (first step `b = g`), `x ← x − lr·b`
/// (Nesterov: `x ← x − lr(g + μb)`). `weight_decay` is the coupled L2 penalty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sgd {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub nesterov: bool,
    pub weight_decay: f64,
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd { lr: 1e-3, momentum: 0.0, dampening: 0.0, nesterov: false, weight_decay: 0.0 }
    }
}

impl OptimizerConfig for Sgd {
    fn base_lr(&self) -> f64 {
        self.lr
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let (c, n) = (self, rows * cols);
        let _ = (n, depth);
        Ok({
            let mut pr = Problems::new();
            pr.check(check_lr(path, c.lr));
            pr.check(check_range(path, "momentum", c.momentum, 0.0, 1.0));
            pr.check(check_range(path, "dampening", c.dampening, 0.0, 1.0));
            pr.check(check_weight_decay(path, c.weight_decay));
            if c.nesterov && (c.momentum <= 0.0 || c.dampening != 0.0) {
                pr.push(SpecError::new(format!("{path}.nesterov"), "Nesterov momentum needs momentum > 0 and dampening = 0"));
            }
            pr.finish()?;
            Box::new(Chain::new(vec![
                Box::new(AddDecayedWeights(c.weight_decay)),
                Box::new(Momentum::new(c.momentum, c.dampening, c.nesterov)),
                Box::new(ScaleByLearningRate::new(0.0)),
            ]))
        })
    }
}

fn sgd(lr: f64, momentum: f64, nesterov: bool) -> OptimizerSpec {
    OptimizerSpec::Sgd(Sgd { lr, momentum, nesterov, ..Sgd::default() })
}

impl Family for Sgd {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn racers() -> Vec<Racer> {
        vec![
            Racer::new("SGD", |lr| sgd(lr, 0.0, false), [1.0, 0.5, 0.002, 1.0, 0.2]),
            Racer::new("momentum", |lr| sgd(lr, 0.9, false), [0.5, 0.25, 0.001, 0.2, 0.2]),
            Racer::new("Nesterov", |lr| sgd(lr, 0.9, true), [1.0, 0.5, 0.0005, 1.0, 0.1]),
        ]
    }
}
