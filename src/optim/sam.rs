use super::{Optimizer, Oracle, StepError};

/// Sharpness-Aware Minimization (Foret, Kleiner, Mobahi & Neyshabur 2021).
///
/// Two gradients per step on the same batch: with `g = ∇f(x)`, the ascent
/// `ε̂ = argmax_{‖ε‖_p ≤ ρ} εᵀg = ρ·sign(g)|g|^{q−1}/‖g‖_q^{q/p}` (1/p + 1/q = 1), then the inner optimizer
/// steps from the unperturbed `x` with `∇f(x + ε̂)`.
///
/// For p = 2 this is the reference code's `ε̂ = ρ·g/(‖g‖₂ + 1e-12)`; p = ∞ gives `ρ·sign(g)`. With
/// `adaptive` (ASAM, Kwon et al. 2021) the ascent is taken in the rescaled space `T = |x|`:
/// `ε̂ = T·ε̂(T g)`, which for p = 2 is the reference's `ρ·x²g/(‖|x|g‖₂ + 1e-12)`.
pub struct Sam {
    pub rho: f64,
    pub p: f64,
    pub adaptive: bool,
    inner: Box<dyn Optimizer>,
    eps_hat: Vec<f64>,
    perturbed: Vec<f64>,
    g_sam: Vec<f64>,
}

impl Sam {
    pub fn new(rho: f64, p: f64, adaptive: bool, inner: Box<dyn Optimizer>) -> Self {
        Sam { rho, p, adaptive, inner, eps_hat: Vec::new(), perturbed: Vec::new(), g_sam: Vec::new() }
    }
}

/// The p-norm ascent direction of radius `rho` for gradient `g` (see [`Sam`]).
pub fn dual_ascent(g: &[f64], rho: f64, p: f64) -> Vec<f64> {
    if p == 2.0 {
        let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        let scale = rho / (norm + 1e-12);
        return g.iter().map(|v| v * scale).collect();
    }
    if p.is_infinite() {
        return g.iter().map(|v| rho * sign(*v)).collect();
    }
    let q = p / (p - 1.0);
    let sum_q: f64 = g.iter().map(|v| v.abs().powf(q)).sum();
    let denom = sum_q.powf(1.0 / p) + 1e-12;
    g.iter().map(|v| rho * sign(*v) * v.abs().powf(q - 1.0) / denom).collect()
}

fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Optimizer for Sam {
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, oracle: &mut dyn Oracle) -> Result<(), StepError> {
        self.eps_hat = if self.adaptive {
            let tg: Vec<f64> = g.iter().zip(x.iter()).map(|(gi, xi)| xi.abs() * gi).collect();
            dual_ascent(&tg, self.rho, self.p).iter().zip(x.iter()).map(|(e, xi)| xi.abs() * e).collect()
        } else {
            dual_ascent(g, self.rho, self.p)
        };
        self.perturbed.clear();
        self.perturbed.extend(x.iter().zip(&self.eps_hat).map(|(a, b)| a + b));
        self.g_sam.resize(x.len(), 0.0);
        oracle.grad(&self.perturbed, &mut self.g_sam);
        self.inner.step(x, &self.g_sam, lr, oracle)
    }

    fn internals(&self) -> Vec<(&'static str, Vec<f64>)> {
        let mut out = self.inner.internals();
        out.push(("eps_hat", self.eps_hat.clone()));
        out.push(("sam_grad", self.g_sam.clone()));
        out
    }
}
