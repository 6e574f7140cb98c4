//! Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an interpolation
//! between the momentum and the gradient, with decoupled weight decay.

use super::transforms::*;
use super::{check_lr, check_weight_decay, same_len, Family, Optimizer, OptimizerConfig, OptimizerSpec, Racer, StageState, StepError};
use super::{Internal, Key};
use crate::checks::{check_half_open, Problems, SpecError};
use serde::{Deserialize, Serialize};

/// Lion, in the form of the authors' PyTorch code (lucidrains/lion-pytorch `update_fn`, and `optax.lion`):
/// `c = β₁m + (1−β₁)g`, `x ← x(1 − lr·wd) − lr·sign(c)`, then `m ← β₂m + (1−β₂)g`. Every coordinate moves by
/// exactly ±lr (0 where `c` is 0, as `torch.sign`), so lr is typically 3–10× smaller than AdamW's and wd
/// larger. Weight decay is decoupled and multiplied by lr, as AdamW's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lion {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub weight_decay: f64,
}

impl Default for Lion {
    fn default() -> Self {
        Lion { lr: 1e-4, beta1: 0.9, beta2: 0.99, weight_decay: 0.0 }
    }
}

impl OptimizerConfig for Lion {
    fn base_lr(&self) -> f64 {
        self.lr
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, _depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let mut pr = Problems::new();
        pr.check(check_lr(path, self.lr));
        pr.check(check_half_open(path, "beta1", self.beta1));
        pr.check(check_half_open(path, "beta2", self.beta2));
        pr.check(check_weight_decay(path, self.weight_decay));
        pr.finish()?;
        Ok(Box::new(Chain::new(vec![
            Box::new(ScaleByLion { beta1: self.beta1, beta2: self.beta2, m: vec![0.0; rows * cols] }),
            Box::new(AddDecayedWeights(self.weight_decay)),
            Box::new(ScaleByLearningRate::new(0.0)),
        ])))
    }
}

/// Lion's stage: `u ← sign(β₁m + (1−β₁)u)`, then `m ← β₂m + (1−β₂)g`.
pub struct ScaleByLion {
    beta1: f64,
    beta2: f64,
    m: Vec<f64>,
}

impl Transform for ScaleByLion {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        for (ui, mi) in u.iter_mut().zip(self.m.iter_mut()) {
            let g = *ui;
            *ui = torch_sign(*mi * self.beta1 + g * (1.0 - self.beta1));
            *mi = *mi * self.beta2 + g * (1.0 - self.beta2);
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        vec![(Key::top(Internal::Momentum), self.m.clone())]
    }

    fn state(&self) -> StageState {
        StageState::Lion { m: self.m.clone() }
    }

    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::Lion { m } => {
                same_len("lion", &m, self.m.len())?;
                self.m = m;
                Ok(())
            }
            other => Err(other.mismatch("Lion")),
        }
    }
}

impl Family for Lion {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn decoupled_decay(&mut self) -> Option<&mut f64> {
        Some(&mut self.weight_decay)
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new("Lion", |lr| OptimizerSpec::Lion(Lion { lr, ..Lion::default() }), [0.05, 0.025, 0.01, 0.05, 0.05])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::OptimizerSpec;

    struct NoOracle;
    impl crate::optim::Oracle for NoOracle {
        fn grad(&mut self, _x: &[f64], _out: &mut [f64]) {}
        fn hessian(&mut self, _x: &[f64]) -> Option<ndarray::Array2<f64>> {
            None
        }
    }

    #[test]
    fn every_coordinate_moves_by_lr_and_zero_gradients_do_not_move() {
        let mut opt = OptimizerSpec::Lion(Lion { lr: 0.1, ..Lion::default() }).build((3, 1), "o").unwrap();
        let mut x = [1.0, -2.0, 0.5];
        opt.step(&mut x, &[3.0, -1e-9, 0.0], 0.1, &mut NoOracle).unwrap();
        assert_eq!(x, [0.9, -2.0 + 0.1, 0.5]);
    }

    #[test]
    fn decoupled_decay_shrinks_by_lr_times_wd() {
        let mut opt = OptimizerSpec::Lion(Lion { lr: 0.1, weight_decay: 0.5, ..Lion::default() }).build((1, 1), "o").unwrap();
        let mut x = [2.0];
        opt.step(&mut x, &[0.0], 0.1, &mut NoOracle).unwrap();
        assert!((x[0] - 2.0 * (1.0 - 0.05)).abs() < 1e-15, "{x:?}");
    }
}
