use super::{data_rng, Problem};
use crate::linalg::{solve, symmetric_eigenvalues};
use crate::spec::{check_range, SpecError};
use ndarray::Array2;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Finite-sum least squares `f(x) = (1/N)Σᵢ fᵢ(x)`, `fᵢ = ½(aᵢᵀx − yᵢ)²`, with `aᵢ ~ N(0, D²)` (D geometric
/// from 1 to 1/√κ), `x* ~ N(0, I)` and labels `yᵢ = aᵢᵀx* + σ·εᵢ`. Each step samples `B` distinct indices
/// uniformly (without replacement within a batch, with replacement across steps); `B = N` is full-batch GD.
pub struct FiniteSum {
    pub a: Array2<f64>,
    pub y: Vec<f64>,
    pub batch: usize,
    f_star: f64,
    l: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FiniteSumSpec {
    pub samples: usize,
    pub dim: usize,
    pub noise: f64,
    pub batch: usize,
    pub kappa: f64,
}

impl Default for FiniteSumSpec {
    fn default() -> Self {
        FiniteSumSpec { samples: 256, dim: 2, noise: 0.5, batch: 8, kappa: 10.0 }
    }
}

/// Largest number of samples of a finite sum.
pub const MAX_SAMPLES: usize = 100_000;

impl FiniteSumSpec {
    pub fn build(&self, path: &str, seed: u64) -> Result<FiniteSum, SpecError> {
        check_range(path, "samples", self.samples as f64, 1.0, MAX_SAMPLES as f64)?;
        check_range(path, "dim", self.dim as f64, 1.0, 256.0)?;
        check_range(path, "noise", self.noise, 0.0, 1e3)?;
        check_range(path, "kappa", self.kappa, 1.0, 1e6)?;
        if self.samples * self.dim > 4_000_000 {
            return Err(SpecError::new(path, "samples × dim may be at most 4,000,000"));
        }
        if self.batch < 1 || self.batch > self.samples {
            return Err(SpecError::new(
                format!("{path}.batch"),
                format!("must be in [1, samples = {}], got {}", self.samples, self.batch),
            ));
        }
        let (n, d) = (self.samples, self.dim);
        let mut rng = data_rng(seed);
        let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
        let scale = |j: usize| if d > 1 { self.kappa.powf(-(j as f64) / (2.0 * (d - 1) as f64)) } else { 1.0 };
        let a = Array2::from_shape_fn((n, d), |(_, j)| scale(j) * normal());
        let x_star: Vec<f64> = (0..d).map(|_| normal()).collect();
        let y: Vec<f64> = (0..n).map(|i| (0..d).map(|j| a[[i, j]] * x_star[j]).sum::<f64>() + self.noise * normal()).collect();
        let gram = a.t().dot(&a) / n as f64;
        let l = symmetric_eigenvalues(gram.view()).first().copied().unwrap_or(0.0);
        let mut fs = FiniteSum { a, y, batch: self.batch, f_star: 0.0, l };
        let aty: Vec<f64> = (0..d).map(|j| (0..n).map(|i| fs.a[[i, j]] * fs.y[i]).sum::<f64>() / n as f64).collect();
        fs.f_star = solve(gram.view(), &aty).map_or(0.0, |x| fs.value(&x));
        Ok(fs)
    }
}

impl FiniteSum {
    fn residual(&self, x: &[f64], i: usize) -> f64 {
        self.a.row(i).iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - self.y[i]
    }

    fn grad_over(&self, x: &[f64], idx: impl Iterator<Item = usize>, count: usize, out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for i in idx {
            let r = self.residual(x, i);
            for (o, a) in out.iter_mut().zip(self.a.row(i)) {
                *o += r * a;
            }
        }
        out.iter_mut().for_each(|o| *o /= count as f64);
    }

    /// The per-sample gradient noise `(1/N)Σ‖∇fᵢ(x) − ∇f(x)‖²` at `x` (σ² of the lecture's assumption).
    pub fn gradient_variance(&self, x: &[f64]) -> f64 {
        let d = x.len();
        let mut full = vec![0.0; d];
        self.grad(x, &mut full);
        let n = self.y.len();
        (0..n)
            .map(|i| {
                let r = self.residual(x, i);
                (0..d).map(|j| (r * self.a[[i, j]] - full[j]).powi(2)).sum::<f64>()
            })
            .sum::<f64>()
            / n as f64
    }
}

impl Problem for FiniteSum {
    fn shape(&self) -> (usize, usize) {
        (self.a.ncols(), 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        let n = self.y.len();
        (0..n).map(|i| 0.5 * self.residual(x, i).powi(2)).sum::<f64>() / n as f64
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        self.grad_over(x, 0..self.y.len(), self.y.len(), out)
    }
    fn hessian(&self, _x: &[f64]) -> Option<Array2<f64>> {
        (self.a.ncols() <= super::MAX_HESSIAN_PARAMS).then(|| self.a.t().dot(&self.a) / self.y.len() as f64)
    }
    fn minimum(&self) -> Option<f64> {
        Some(self.f_star)
    }
    fn smoothness(&self) -> Option<f64> {
        Some(self.l)
    }
    fn sample_batch(&self, rng: &mut ChaCha8Rng) -> Option<Vec<usize>> {
        (self.batch < self.y.len()).then(|| sample(rng, self.y.len(), self.batch).into_vec())
    }
    fn batch_grad(&self, x: &[f64], batch: &[usize], out: &mut [f64]) {
        self.grad_over(x, batch.iter().copied(), batch.len(), out)
    }
}
