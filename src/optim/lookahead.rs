use super::{Optimizer, Oracle, StepError};

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
        if self.t % self.k == 0 {
            for (xi, si) in x.iter_mut().zip(slow.iter_mut()) {
                *xi = self.alpha * *xi + (1.0 - self.alpha) * *si;
                *si = *xi;
            }
        }
        Ok(())
    }

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        let mut out = self.inner.internals();
        if let Some(s) = &self.slow {
            out.push(("slow", s.clone()));
        }
        out
    }
}
