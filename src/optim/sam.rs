use super::transforms::torch_sign;
use super::{Family, OptimizerConfig, OptimizerSpec, Racer, Sgd};
use super::{Internal, Key};
use super::{OptState, Optimizer, Oracle, StepError};
use crate::checks::{check_range, Problems, SpecError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
        return g.iter().map(|v| rho * torch_sign(*v)).collect();
    }
    let q = p / (p - 1.0);
    let m = g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if !(1e-100..=1e100).contains(&m) || q > 100.0 {
        // |g|^q over- or underflows for large q (p → 1) or extreme gradients: with t = |g|/max|g| and
        // q/p = q − 1, ρ·sign(g)|g|^{q−1}/((Σ|g|^q)^{1/p} + δ) = ρ·sign(g)·t^{q−1}/((Σt^q)^{1/p} + δ/max|g|^{q−1})
        if m == 0.0 || !m.is_finite() {
            return vec![0.0; g.len()];
        }
        let sum_q: f64 = g.iter().map(|v| (v.abs() / m).powf(q)).sum();
        let delta = 1e-12 * (-(q - 1.0) * m.ln()).exp();
        let denom = sum_q.powf(1.0 / p) + delta;
        return g.iter().map(|v| rho * torch_sign(*v) * (v.abs() / m).powf(q - 1.0) / denom).collect();
    }
    let sum_q: f64 = g.iter().map(|v| v.abs().powf(q)).sum();
    let denom = sum_q.powf(1.0 / p) + 1e-12;
    g.iter().map(|v| rho * torch_sign(*v) * v.abs().powf(q - 1.0) / denom).collect()
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

    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        let mut out: Vec<(Key, Vec<f64>)> = self.inner.internals().into_iter().map(|(k, v)| (k.inner(), v)).collect();
        out.push((Key::top(Internal::EpsHat), self.eps_hat.clone()));
        out.push((Key::top(Internal::SamGrad), self.g_sam.clone()));
        out
    }

    fn state(&self) -> OptState {
        OptState::Sam { inner: Box::new(self.inner.state()) }
    }

    fn load_state(&mut self, state: OptState) -> Result<(), StepError> {
        match state {
            OptState::Sam { inner } => self.inner.load_state(*inner),
            _ => Err(StepError("the saved state is not SAM's".into())),
        }
    }
}

// ---- configuration (the spec's `{"kind": "sam", …}`) and its build

/// SAM around any optimizer (see [`Sam`]). `p` is a number > 1 or `"inf"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamSpec {
    pub rho: f64,
    #[serde(serialize_with = "ser_p", deserialize_with = "de_p")]
    pub p: f64,
    pub adaptive: bool,
    pub inner: Box<OptimizerSpec>,
}

impl Default for SamSpec {
    fn default() -> Self {
        SamSpec { rho: 0.05, p: 2.0, adaptive: false, inner: Box::new(OptimizerSpec::Sgd(Sgd::default())) }
    }
}

fn ser_p<S: Serializer>(p: &f64, s: S) -> Result<S::Ok, S::Error> {
    if p.is_infinite() {
        s.serialize_str("inf")
    } else {
        s.serialize_f64(*p)
    }
}

fn de_p<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum P {
        Num(f64),
        Text(String),
    }
    match P::deserialize(d)? {
        P::Num(v) => Ok(v),
        P::Text(t) if matches!(t.as_str(), "inf" | "infinity" | "Infinity") => Ok(f64::INFINITY),
        P::Text(t) => Err(serde::de::Error::custom(format!("p must be a number > 1 or \"inf\", got {t:?}"))),
    }
}

impl OptimizerConfig for SamSpec {
    fn base_lr(&self) -> f64 {
        self.inner.base_lr()
    }

    fn build(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        let c = self;
        let _ = (rows, cols, depth);
        Ok({
            let mut pr = Problems::new();
            pr.check(check_range(path, "rho", c.rho, 0.0, 1e3));
            if c.p.is_nan() || c.p <= 1.0 {
                pr.push(SpecError::new(format!("{path}.p"), format!("must be > 1 or \"inf\", got {}", c.p)));
            }
            let inner = pr.take(c.inner.build_at((rows, cols), &format!("{path}.inner"), depth + 1));
            let inner = pr.finish_with(inner)?;
            Box::new(Sam::new(c.rho, c.p, c.adaptive, inner))
        })
    }

    /// The inner optimizer's step at the perturbed point plus the gradient at the point itself.
    fn cost(&self, shape: (usize, usize)) -> super::StepCost {
        let inner = self.inner.cost(shape);
        super::StepCost { gradients: inner.gradients + 1.0, own: inner.own + super::ELEMENTWISE * (shape.0 * shape.1) as f64, ..inner }
    }
}

impl Family for SamSpec {
    fn set_base_lr(&mut self, lr: f64) {
        self.inner.set_base_lr(lr);
    }
    fn racers() -> Vec<Racer> {
        vec![Racer::new(
            "SAM(SGD)",
            |lr| {
                OptimizerSpec::Sam(SamSpec {
                    rho: 0.05,
                    inner: Box::new(OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() })),
                    ..SamSpec::default()
                })
            },
            [0.5, 0.25, 0.002, 0.05, 0.5],
        )]
    }
}
