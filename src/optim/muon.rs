//! Muon: config, build, its momentum stage and the orthogonalisation stage.

use super::transforms::*;
use super::{check_lr, check_weight_decay, Family, Optimizer, OptimizerConfig, OptimizerSpec, Racer};
use super::{same_len, StageState, StepError, MAX_NS_STEPS};
use super::{Internal, Key};
use crate::checks::{check_range, Problems, SpecError};
use crate::linalg::msign::{msign_svd, newton_schulz_in_place, NsVariant};
use serde::{Deserialize, Serialize};

/// How Muon scales `msign(U)` for a `rows × cols` matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MuonScale {
    /// 1 (the lecture).
    None,
    /// √max(1, rows/cols) (Keller Jordan's reference).
    Shape,
    /// 0.2·√max(rows, cols), matching AdamW's update RMS (Moonshot AI, 2025).
    MatchRmsAdamw,
}

/// Muon (Keller Jordan 2024): momentum, then `msign` by Newton–Schulz, then
/// `W ← W(1 − lr·wd) − lr·scale·msign(U)`. The default is Keller Jordan's reference (EMA momentum with
/// Nesterov, tuned quintic, shape scale); the lecture's form is `momentum_form = "sum"`,
/// `nesterov = false`, `ns = "lecture_quintic"`, `scale = "none"`, whose `W − lr(msign(M) + wd·W)` is the
/// same map. Vector parameters are treated as one column (`n × 1`), where msign is `v/‖v‖`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Muon {
    pub lr: f64,
    pub momentum: f64,
    pub nesterov: bool,
    pub ns_steps: usize,
    pub ns: NsVariant,
    pub momentum_form: MomentumForm,
    pub scale: MuonScale,
    pub weight_decay: f64,
    pub eps: f64,
}

impl Default for Muon {
    fn default() -> Self {
        Muon {
            lr: 0.02,
            momentum: 0.95,
            nesterov: true,
            ns_steps: 5,
            ns: NsVariant::KellerQuintic,
            momentum_form: MomentumForm::Ema,
            scale: MuonScale::Shape,
            weight_decay: 0.0,
            eps: 1e-7,
        }
    }
}

impl OptimizerConfig for Muon {
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
            pr.check(check_range(path, "ns_steps", c.ns_steps as f64, 0.0, MAX_NS_STEPS as f64));
            pr.check(check_weight_decay(path, c.weight_decay));
            pr.check(check_range(path, "eps", c.eps, 0.0, 1.0));
            pr.finish()?;
            let scale = match c.scale {
                MuonScale::None => 1.0,
                MuonScale::Shape => (1f64).max(rows as f64 / cols as f64).sqrt(),
                MuonScale::MatchRmsAdamw => 0.2 * (rows.max(cols) as f64).sqrt(),
            };
            Box::new(Chain::new(vec![
                Box::new(MuonMomentum::new(n, c.momentum, c.nesterov, c.momentum_form)),
                Box::new(Orthogonalize { rows, cols, variant: c.ns, steps: c.ns_steps, eps: c.eps }),
                Box::new(Scale(scale)),
                Box::new(AddDecayedWeights(c.weight_decay)),
                Box::new(ScaleByLearningRate::new(0.0)),
            ]))
        })
    }

    /// Newton–Schulz on the `m × M` matrix (m the shorter side): per iteration `A = XXᵀ` (m²M), `B = bA + cA²`
    /// (m³) and `BX` (m²M) multiply-adds; the exact variant's SVD about 20·m²M.
    fn cost(&self, (rows, cols): (usize, usize)) -> super::StepCost {
        let (m, big) = (rows.min(cols) as f64, rows.max(cols) as f64);
        let ns = match self.ns.coefficients() {
            Some(_) => super::GEMM_NS * self.ns_steps as f64 * (2.0 * m * m * big + m.powi(3)),
            None => super::FACTOR_NS * 20.0 * m * m * big,
        };
        super::StepCost { gradients: 1.0, hessians: 0.0, own: ns + super::ELEMENTWISE * m * big }
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
    /// What the stage passed on at the last step (the input of msign), kept for [`Internal::MsignInput`].
    out: Vec<f64>,
}

impl MuonMomentum {
    pub fn new(n: usize, beta: f64, nesterov: bool, form: MomentumForm) -> Self {
        MuonMomentum { beta, nesterov, form, buf: vec![0.0; n], out: vec![0.0; n] }
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
        self.out.clear();
        self.out.extend_from_slice(u);
        Ok(())
    }

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        vec![(Key::top(Internal::Momentum), self.buf.clone()), (Key::top(Internal::MsignInput), self.out.clone())]
    }

    fn state(&self) -> StageState {
        StageState::MuonMomentum { buf: self.buf.clone() }
    }

    fn load(&mut self, state: StageState) -> Result<(), StepError> {
        match state {
            StageState::MuonMomentum { buf } => {
                same_len("muon momentum", &buf, self.buf.len())?;
                self.buf = buf;
                Ok(())
            }
            other => Err(other.mismatch("Muon's momentum")),
        }
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

impl Family for Muon {
    fn set_base_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn decoupled_decay(&mut self) -> Option<&mut f64> {
        Some(&mut self.weight_decay)
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new("Muon (2×1)", |lr| OptimizerSpec::Muon(Muon { lr, ..Muon::default() }), [0.02, 0.01, 0.02, 0.02, 0.2])]
    }
}
