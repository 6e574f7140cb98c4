//! The small gradient transforms optimizers are built from, and [`Chain`] that composes them.
//!
//! Each transform rewrites the running update `u` (which starts as the gradient) and may keep state. The
//! arithmetic follows PyTorch's single-tensor `torch.optim` code operation by operation (including
//! `lerp`), so trajectories agree with PyTorch to rounding.

use super::{Internal, Key};
use super::{OptState, Optimizer, Oracle, StageState, StepError};

/// One stage of an optimizer: rewrites the update `u` given the parameters `x` and this step's `lr`.
pub trait Transform {
    fn apply(&mut self, u: &mut [f64], x: &[f64], lr: f64) -> Result<(), StepError>;
    /// Internal vectors worth plotting (see [`Optimizer::internals`]).
    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        Vec::new()
    }
    /// The stage's state between steps.
    fn state(&self) -> StageState {
        StageState::Stateless
    }
    /// Loads a state saved by [`Transform::state`].
    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::Stateless => Ok(()),
            other => Err(other.mismatch("a stage without state")),
        }
    }
}

/// `torch.sign`: 0 at 0 (`f64::signum` gives ±1 there).
pub fn torch_sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `torch.lerp(start, end, w)`: PyTorch switches formula at w = 0.5 to stay exact at the ends.
#[inline]
pub fn lerp(start: f64, end: f64, w: f64) -> f64 {
    if w.abs() < 0.5 {
        start + w * (end - start)
    } else {
        end - (end - start) * (1.0 - w)
    }
}

/// A chain of transforms; the final update is added to the parameters: `x ← x + u`.
pub struct Chain {
    stages: Vec<Box<dyn Transform>>,
    u: Vec<f64>,
}

impl Chain {
    pub fn new(stages: Vec<Box<dyn Transform>>) -> Self {
        Chain { stages, u: Vec::new() }
    }
}

impl Optimizer for Chain {
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, _oracle: &mut dyn Oracle) -> Result<(), StepError> {
        self.u.clear();
        self.u.extend_from_slice(g);
        for stage in &mut self.stages {
            stage.apply(&mut self.u, x, lr)?;
        }
        for (xi, ui) in x.iter_mut().zip(&self.u) {
            *xi += ui;
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        let mut out: Vec<_> = self.stages.iter().flat_map(|s| s.internals()).collect();
        out.push((Key::top(Internal::Update), self.u.clone()));
        out
    }

    fn state(&self) -> OptState {
        OptState::Chain { stages: self.stages.iter().map(|s| s.state()).collect() }
    }

    fn load_state(&mut self, state: OptState) -> Result<(), StepError> {
        match state {
            OptState::Chain { stages } if stages.len() == self.stages.len() => {
                for (stage, s) in self.stages.iter_mut().zip(stages) {
                    stage.load(s)?;
                }
                Ok(())
            }
            OptState::Chain { stages } => {
                Err(StepError(format!("the saved chain has {} stages, this optimizer {}", stages.len(), self.stages.len())))
            }
            _ => Err(StepError("the saved state is not a chain of transforms".into())),
        }
    }
}

/// `u ← u + wd·x`. Before a scaling stage it is the coupled L2 penalty (PyTorch's `weight_decay` in SGD,
/// Adam, RMSProp, AdaGrad); after it, decoupled weight decay (AdamW, Muon).
pub struct AddDecayedWeights(pub f64);

impl Transform for AddDecayedWeights {
    fn apply(&mut self, u: &mut [f64], x: &[f64], _lr: f64) -> Result<(), StepError> {
        if self.0 != 0.0 {
            for (ui, xi) in u.iter_mut().zip(x) {
                *ui += self.0 * xi;
            }
        }
        Ok(())
    }
}

/// `u ← −lr/(1 + (t−1)·lr_decay) · u`; `lr_decay` is AdaGrad's and is 0 everywhere else.
pub struct ScaleByLearningRate {
    pub lr_decay: f64,
    t: u64,
}

impl ScaleByLearningRate {
    pub fn new(lr_decay: f64) -> Self {
        ScaleByLearningRate { lr_decay, t: 0 }
    }
}

impl Transform for ScaleByLearningRate {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], lr: f64) -> Result<(), StepError> {
        self.t += 1;
        let clr = lr / (1.0 + (self.t - 1) as f64 * self.lr_decay);
        for ui in u.iter_mut() {
            *ui *= -clr;
        }
        Ok(())
    }

    fn state(&self) -> StageState {
        StageState::LearningRate { t: self.t }
    }

    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::LearningRate { t } => {
                self.t = t;
                Ok(())
            }
            other => Err(other.mismatch("the learning-rate stage")),
        }
    }
}

/// `u ← c·u` for a constant `c` (Muon's shape factor).
pub struct Scale(pub f64);

impl Transform for Scale {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        for ui in u.iter_mut() {
            *ui *= self.0;
        }
        Ok(())
    }
}

/// PyTorch SGD momentum (heavy ball, lr outside the buffer): the first step copies the gradient into the
/// buffer, later `b ← μb + (1−τ)u`; the update is `b`, or `u + μb` with Nesterov. RMSProp's momentum is the
/// same with τ = 0.
pub struct Momentum {
    pub momentum: f64,
    pub dampening: f64,
    pub nesterov: bool,
    buf: Option<Vec<f64>>,
}

impl Momentum {
    pub fn new(momentum: f64, dampening: f64, nesterov: bool) -> Self {
        Momentum { momentum, dampening, nesterov, buf: None }
    }
}

impl Transform for Momentum {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        if self.momentum == 0.0 {
            return Ok(());
        }
        let (mu, damp) = (self.momentum, self.dampening);
        match &mut self.buf {
            None => self.buf = Some(u.to_vec()),
            Some(b) => {
                for (bi, ui) in b.iter_mut().zip(u.iter()) {
                    *bi = *bi * mu + (1.0 - damp) * ui;
                }
            }
        }
        let b = self.buf.as_ref().expect("buffer set above");
        for (ui, bi) in u.iter_mut().zip(b) {
            *ui = if self.nesterov { *ui + mu * bi } else { *bi };
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        self.buf.iter().map(|b| (Key::top(Internal::Momentum), b.clone())).collect()
    }

    fn state(&self) -> StageState {
        StageState::Momentum { buf: self.buf.clone() }
    }

    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::Momentum { buf } => {
                self.buf = buf;
                Ok(())
            }
            other => Err(other.mismatch("SGD momentum")),
        }
    }
}
