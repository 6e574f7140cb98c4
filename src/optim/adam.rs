//! Adam and AdamW: one config type marked by its kind of weight decay, the build of both chains (the L2 penalty before the scaling, decoupled decay after it) and the Adam scaling stage.

use super::transforms::*;
use super::{same_len, StageState, StepError};
use super::{Family, Optimizer, OptimizerConfig, OptimizerSpec, Racer};
use super::{Internal, Key};
use crate::checks::check_half_open;
use crate::checks::{check_range, Problems, SpecError};
use serde::{Deserialize, Serialize};

/// Marks Adam's weight decay as the coupled L2 penalty (`torch.optim.Adam`, default 0).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Coupled;
/// Marks Adam's weight decay as decoupled (`torch.optim.AdamW`, default 0.01).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Decoupled;

/// Which weight decay an [`Adam`] config means.
pub trait DecayKind: Default {
    const DECOUPLED: bool;
}
impl DecayKind for Coupled {
    const DECOUPLED: bool = false;
}
impl DecayKind for Decoupled {
    const DECOUPLED: bool = true;
}

/// `torch.optim.Adam` (`Adam<Coupled>`, weight decay as L2 inside the gradient) and `torch.optim.AdamW`
/// (`Adam<Decoupled>`, Loshchilov & Hutter 2019: `x ← x(1 − lr·wd)` beside the Adam step).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, bound = "D: DecayKind")]
pub struct Adam<D> {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub amsgrad: bool,
    pub bias_correction: bool,
    #[serde(skip)]
    _decay: std::marker::PhantomData<D>,
}

impl<D: DecayKind> Default for Adam<D> {
    fn default() -> Self {
        Adam {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: if D::DECOUPLED { 0.01 } else { 0.0 },
            amsgrad: false,
            bias_correction: true,
            _decay: std::marker::PhantomData,
        }
    }
}

impl OptimizerConfig for Adam<Coupled> {
    fn base_lr(&self) -> f64 {
        self.lr
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let (c, n) = (self, rows * cols);
        let _ = (n, depth);
        Ok({
            let adam = c.validated_scaling(n, path)?;
            Box::new(Chain::new(vec![Box::new(AddDecayedWeights(c.weight_decay)), adam, Box::new(ScaleByLearningRate::new(0.0))]))
        })
    }
}

impl OptimizerConfig for Adam<Decoupled> {
    fn base_lr(&self) -> f64 {
        self.lr
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let (c, n) = (self, rows * cols);
        let _ = (n, depth);
        Ok({
            let adam = c.validated_scaling(n, path)?;
            Box::new(Chain::new(vec![adam, Box::new(AddDecayedWeights(c.weight_decay)), Box::new(ScaleByLearningRate::new(0.0))]))
        })
    }
}

impl<D: DecayKind> Adam<D> {
    fn validated_scaling(&self, n: usize, path: &str) -> Result<Box<dyn Transform>, SpecError> {
        let mut pr = Problems::new();
        pr.check(check_range(path, "lr", self.lr, 0.0, 1e6));
        pr.check(check_half_open(path, "beta1", self.beta1));
        pr.check(check_half_open(path, "beta2", self.beta2));
        pr.check(check_range(path, "eps", self.eps, 0.0, 1.0));
        pr.check(check_range(path, "weight_decay", self.weight_decay, 0.0, 1e3));
        pr.finish()?;
        Ok(Box::new(ScaleByAdam::new(n, self.beta1, self.beta2, self.eps, self.amsgrad, self.bias_correction)))
    }
}

/// Adam's scaling (Kingma & Ba 2014, PyTorch form): `m ← lerp(m, u, 1−β₁)`, `v ← β₂v + (1−β₂)u²`,
/// `u ← (m/(√v/√(1−β₂ᵗ) + ε)) / (1−β₁ᵗ)`; ε is added after the root. AMSGrad keeps the running maximum of
/// `v`. With `bias_correction = false` both corrections are 1 (the lecture's demonstration).
pub struct ScaleByAdam {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub amsgrad: bool,
    pub bias_correction: bool,
    t: i32,
    m: Vec<f64>,
    v: Vec<f64>,
    vmax: Vec<f64>,
    scale: Vec<f64>,
}

impl ScaleByAdam {
    pub fn new(n: usize, beta1: f64, beta2: f64, eps: f64, amsgrad: bool, bias_correction: bool) -> Self {
        ScaleByAdam {
            beta1,
            beta2,
            eps,
            amsgrad,
            bias_correction,
            t: 0,
            m: vec![0.0; n],
            v: vec![0.0; n],
            vmax: vec![0.0; n],
            scale: vec![0.0; n],
        }
    }
}

impl Transform for ScaleByAdam {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        self.t += 1;
        let (bc1, bc2_sqrt) =
            if self.bias_correction { (1.0 - self.beta1.powi(self.t), (1.0 - self.beta2.powi(self.t)).sqrt()) } else { (1.0, 1.0) };
        for i in 0..u.len() {
            let g = u[i];
            self.m[i] = lerp(self.m[i], g, 1.0 - self.beta1);
            self.v[i] = self.v[i] * self.beta2 + (1.0 - self.beta2) * g * g;
            let v = if self.amsgrad {
                self.vmax[i] = self.vmax[i].max(self.v[i]);
                self.vmax[i]
            } else {
                self.v[i]
            };
            let denom = v.sqrt() / bc2_sqrt + self.eps;
            self.scale[i] = 1.0 / (denom * bc1);
            u[i] = self.m[i] / denom / bc1;
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        vec![
            (Key::top(Internal::FirstMoment), self.m.clone()),
            (Key::top(Internal::SecondMoment), self.v.clone()),
            (Key::top(Internal::StepScale), self.scale.clone()),
        ]
    }

    fn state(&self) -> StageState {
        // AMSGrad's running maximum is state only with amsgrad (otherwise it is never read)
        let vmax = if self.amsgrad { self.vmax.clone() } else { Vec::new() };
        StageState::Adam { t: self.t, m: self.m.clone(), v: self.v.clone(), vmax }
    }

    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::Adam { t, m, v, vmax } => {
                for (what, vec) in [("adam m", &m), ("adam v", &v)] {
                    same_len(what, vec, self.m.len())?;
                }
                same_len("adam vmax (amsgrad)", &vmax, if self.amsgrad { self.m.len() } else { 0 })?;
                (self.t, self.m, self.v) = (t, m, v);
                if self.amsgrad {
                    self.vmax = vmax;
                }
                Ok(())
            }
            other => Err(other.mismatch("Adam")),
        }
    }
}

/// Adam's tuned race rates; AdamW runs at the same (see [`Racer`]).
const ADAM_RACE_LRS: [f64; 5] = [0.5, 0.25, 0.5, 0.5, 1.0];

impl Family for Adam<Coupled> {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new("Adam", |lr| OptimizerSpec::Adam(Adam { lr, ..Adam::default() }), ADAM_RACE_LRS)]
    }
}

impl Family for Adam<Decoupled> {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn decoupled_decay(&mut self) -> Option<&mut f64> {
        Some(&mut self.weight_decay)
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new("AdamW", |lr| OptimizerSpec::Adamw(Adam { lr, ..Adam::default() }), ADAM_RACE_LRS)]
    }
}
