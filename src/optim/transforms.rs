//! The small gradient transforms optimizers are built from, and [`Chain`] that composes them.
//!
//! Each transform rewrites the running update `u` (which starts as the gradient) and may keep state. The
//! arithmetic follows PyTorch's single-tensor `torch.optim` code operation by operation (including
//! `lerp`), so trajectories agree with PyTorch to rounding.

use super::{Optimizer, Oracle, StepError};
use crate::linalg::msign::{msign_svd, newton_schulz_in_place, NsVariant};

/// One stage of an optimizer: rewrites the update `u` given the parameters `x` and this step's `lr`.
pub trait Transform {
    fn apply(&mut self, u: &mut [f64], x: &[f64], lr: f64) -> Result<(), StepError>;
    /// Internal vectors worth plotting (see [`Optimizer::internals`]).
    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        Vec::new()
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

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        let mut out: Vec<_> = self.stages.iter().flat_map(|s| s.internals()).collect();
        out.push(("update", self.u.clone()));
        out
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

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        self.buf.iter().map(|b| ("momentum", b.clone())).collect()
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

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        let denom = self.sum.iter().map(|s| 1.0 / (s.sqrt() + self.eps)).collect();
        vec![("accumulator", self.sum.clone()), ("step_scale", denom)]
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

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        vec![("second_moment", self.sq.clone()), ("step_scale", self.scale.clone())]
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
        let (bc1, bc2_sqrt) = if self.bias_correction {
            (1.0 - self.beta1.powi(self.t), (1.0 - self.beta2.powi(self.t)).sqrt())
        } else {
            (1.0, 1.0)
        };
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

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        vec![
            ("first_moment", self.m.clone()),
            ("second_moment", self.v.clone()),
            ("step_scale", self.scale.clone()),
        ]
    }
}

/// How Muon accumulates momentum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MomentumForm {
    /// Keller Jordan's reference: `B ← lerp(B, G, 1−β)`; Nesterov uses `lerp(G, B, β)`.
    Ema,
    /// The lecture's `M ← βM + G`; Nesterov uses `G + βM`.
    Sum,
}

/// Muon's momentum stage.
pub struct MuonMomentum {
    pub beta: f64,
    pub nesterov: bool,
    pub form: MomentumForm,
    buf: Vec<f64>,
}

impl MuonMomentum {
    pub fn new(n: usize, beta: f64, nesterov: bool, form: MomentumForm) -> Self {
        MuonMomentum { beta, nesterov, form, buf: vec![0.0; n] }
    }
}

impl Transform for MuonMomentum {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        let b = self.beta;
        for (ui, mi) in u.iter_mut().zip(self.buf.iter_mut()) {
            let g = *ui;
            match self.form {
                MomentumForm::Ema => {
                    *mi = lerp(*mi, g, 1.0 - b);
                    *ui = if self.nesterov { lerp(g, *mi, b) } else { *mi };
                }
                MomentumForm::Sum => {
                    *mi = b * *mi + g;
                    *ui = if self.nesterov { g + b * *mi } else { *mi };
                }
            }
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        vec![("momentum", self.buf.clone())]
    }
}

/// `u ← msign(u)` for a `rows × cols` matrix flattened row-major, by the chosen Newton–Schulz variant.
pub struct Orthogonalize {
    pub rows: usize,
    pub cols: usize,
    pub variant: NsVariant,
    pub steps: usize,
    pub eps: f64,
}

impl Transform for Orthogonalize {
    fn apply(&mut self, u: &mut [f64], _x: &[f64], _lr: f64) -> Result<(), StepError> {
        match self.variant.coefficients() {
            // in place: Muon runs Newton–Schulz at every step, on small matrices where allocations count
            Some(abc) => newton_schulz_in_place(u, (self.rows, self.cols), abc, self.steps, self.eps),
            None => {
                let m = ndarray::ArrayView2::from_shape((self.rows, self.cols), u).expect("shape checked at build");
                let o = msign_svd(m);
                for (ui, oi) in u.iter_mut().zip(o.iter()) {
                    *ui = *oi;
                }
            }
        }
        Ok(())
    }
}
