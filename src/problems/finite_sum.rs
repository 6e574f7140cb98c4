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

/// `aᵀx − y`.
#[inline(always)]
fn residual(a: &[f64], x: &[f64], y: f64) -> f64 {
    a.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - y
}

/// `out = (1/count)·Σ (aᵢᵀx − yᵢ)·aᵢ` over `samples`, summed in their order. In two dimensions (every
/// chapter) the sums stay in registers: the same operations in the same order, without a store and a
/// load of `out` per sample, which bound the general loop.
#[inline(always)]
fn mean_grad<'s>(samples: impl Iterator<Item = (&'s [f64], f64)>, x: &[f64], count: usize, out: &mut [f64]) {
    match (<&[f64; 2]>::try_from(x), <&mut [f64; 2]>::try_from(&mut *out)) {
        (Ok(x2), Ok(out2)) => {
            let mut sum = [0.0; 2];
            for (a, y) in samples {
                let a: &[f64; 2] = a.try_into().expect("rows as long as x");
                let r = residual(a, x2, y);
                sum[0] += r * a[0];
                sum[1] += r * a[1];
            }
            *out2 = sum;
        }
        _ => {
            out.iter_mut().for_each(|o| *o = 0.0);
            for (a, y) in samples {
                let r = residual(a, x, y);
                for (o, a) in out.iter_mut().zip(a) {
                    *o += r * a;
                }
            }
        }
    }
    out.iter_mut().for_each(|o| *o /= count as f64);
}

impl FiniteSum {
    /// The samples' rows `aᵢ`, contiguous: the loops run over these rather than over ndarray row views,
    /// whose per-row overhead costs more than the arithmetic in two dimensions (same operations in the
    /// same order, so the same results).
    fn data(&self) -> (&[f64], usize) {
        (self.a.as_slice().expect("the samples are stored row-major"), self.a.ncols())
    }

    fn rows(&self) -> impl Iterator<Item = (&[f64], f64)> + '_ {
        let (data, d) = self.data();
        data.chunks_exact(d.max(1)).zip(self.y.iter().copied())
    }

    /// The per-sample gradient noise `(1/N)Σ‖∇fᵢ(x) − ∇f(x)‖²` at `x` (σ² of the lecture's assumption).
    pub fn gradient_variance(&self, x: &[f64]) -> f64 {
        let d = x.len();
        let mut full = vec![0.0; d];
        self.grad(x, &mut full);
        let n = self.y.len();
        let spread = |a: &[f64], y: f64| {
            let r = residual(a, x, y);
            a.iter().zip(&full).map(|(a, f)| (r * a - f).powi(2)).sum::<f64>()
        };
        let total = match <&[f64; 2]>::try_from(x) {
            // two dimensions: the same sums on fixed-size rows (unrolled)
            Ok(_) => self.rows().map(|(a, y)| spread(<&[f64; 2]>::try_from(a).expect("rows as long as x"), y)).sum::<f64>(),
            Err(_) => self.rows().map(|(a, y)| spread(a, y)).sum::<f64>(),
        };
        total / n as f64
    }
}

impl Problem for FiniteSum {
    fn shape(&self) -> (usize, usize) {
        (self.a.ncols(), 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        let n = self.y.len();
        let total = match <&[f64; 2]>::try_from(x) {
            // two dimensions: the same sums on fixed-size rows (unrolled)
            Ok(x2) => self.rows().map(|(a, y)| 0.5 * residual(<&[f64; 2]>::try_from(a).expect("rows as long as x"), x2, y).powi(2)).sum::<f64>(),
            Err(_) => self.rows().map(|(a, y)| 0.5 * residual(a, x, y).powi(2)).sum::<f64>(),
        };
        total / n as f64
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        mean_grad(self.rows(), x, self.y.len(), out)
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
        let (data, d) = self.data();
        mean_grad(batch.iter().map(|&i| (&data[i * d..(i + 1) * d], self.y[i])), x, batch.len(), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook loops over ndarray rows (what `FiniteSum` computed before its two-dimensional fast path).
    fn plain(fs: &FiniteSum, x: &[f64], idx: &[usize]) -> (f64, Vec<f64>, Vec<f64>, f64) {
        let r = |i: usize| fs.a.row(i).iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - fs.y[i];
        let n = fs.y.len();
        let value = (0..n).map(|i| 0.5 * r(i).powi(2)).sum::<f64>() / n as f64;
        let mean = |ids: &[usize]| {
            let mut g = vec![0.0; x.len()];
            for &i in ids {
                let ri = r(i);
                for (o, a) in g.iter_mut().zip(fs.a.row(i)) {
                    *o += ri * a;
                }
            }
            g.iter().map(|v| v / ids.len() as f64).collect::<Vec<f64>>()
        };
        let full = mean(&(0..n).collect::<Vec<_>>());
        let var = (0..n).map(|i| (0..x.len()).map(|j| (r(i) * fs.a[[i, j]] - full[j]).powi(2)).sum::<f64>()).sum::<f64>() / n as f64;
        (value, full.clone(), mean(idx), var)
    }

    #[test]
    fn fast_paths_match_the_plain_loops_bit_for_bit() {
        for dim in [1, 2, 3, 5] {
            let fs = FiniteSumSpec { samples: 37, dim, noise: 0.7, batch: 5, kappa: 30.0 }.build("p", 11).unwrap();
            let x: Vec<f64> = (0..dim).map(|j| (j as f64 * 1.3 - 0.4).sin() * 2.0).collect();
            let idx = [3, 36, 0, 17, 3];
            let (value, grad, batch, var) = plain(&fs, &x, &idx);
            let (mut g, mut gb) = (vec![0.0; dim], vec![0.0; dim]);
            fs.grad(&x, &mut g);
            fs.batch_grad(&x, &idx, &mut gb);
            assert_eq!(fs.value(&x).to_bits(), value.to_bits(), "value, dim {dim}");
            assert_eq!(g, grad, "grad, dim {dim}");
            assert_eq!(gb, batch, "batch_grad, dim {dim}");
            assert_eq!(fs.gradient_variance(&x).to_bits(), var.to_bits(), "gradient_variance, dim {dim}");
        }
    }
}
