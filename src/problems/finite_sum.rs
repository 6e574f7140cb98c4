use super::{data_rng, Problem};
use crate::checks::{check_range, Problems, SpecError};
use crate::linalg::{solve, symmetric_eigenvalues};
use ndarray::Array2;
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
        let mut pr = Problems::new();
        pr.check(check_range(path, "samples", self.samples as f64, 1.0, MAX_SAMPLES as f64));
        pr.check(check_range(path, "dim", self.dim as f64, 1.0, 256.0));
        pr.check(check_range(path, "noise", self.noise, 0.0, 1e3));
        pr.check(check_range(path, "kappa", self.kappa, 1.0, 1e6));
        if self.batch < 1 || self.batch > self.samples {
            pr.push(SpecError::new(format!("{path}.batch"), format!("must be in [1, samples = {}], got {}", self.samples, self.batch)));
        }
        pr.finish()?;
        if self.samples * self.dim > 4_000_000 {
            return Err(SpecError::new(path, "samples × dim may be at most 4,000,000"));
        }
        let (n, d) = (self.samples, self.dim);
        let mut rng = data_rng(seed);
        let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
        let scale = |j: usize| if d > 1 { self.kappa.powf(-(j as f64) / (2.0 * (d - 1) as f64)) } else { 1.0 };
        let a = Array2::from_shape_fn((n, d), |(_, j)| scale(j) * normal());
        let x_star: Vec<f64> = (0..d).map(|_| normal()).collect();
        let y: Vec<f64> = (0..n).map(|i| (0..d).map(|j| a[[i, j]] * x_star[j]).sum::<f64>() + self.noise * normal()).collect();
        Ok(FiniteSum::from_data(a, y, self.batch))
    }
}

/// `amount` distinct indices from `0..length` into `out`: exactly what `rand::seq::index::sample(rng,
/// length, amount).into_vec()` returns, drawing the same numbers from `rng` (the same algorithms — Floyd's
/// for small amounts, a partial Fisher–Yates otherwise — chosen by the same rule), without its
/// allocations: `pool` (empty at first, then the same vector for every call) keeps the identity
/// permutation `0..length` between calls, the partial shuffle being undone afterwards. Cases rand handles
/// by rejection sampling (lengths of at least 44,010 with amounts of at least 163) go to
/// [`sample_indices`](crate::train::data::sample_indices), rand's `sample` written out.
pub fn sample_indices_into(rng: &mut ChaCha8Rng, length: usize, amount: usize, out: &mut Vec<usize>, pool: &mut Vec<u32>) {
    use rand::Rng;
    assert!(amount <= length, "`amount` of samples must be less than or equal to `length`");
    out.clear();
    // rand's choice (seq/index.rs, rand 0.8) for lengths below 500,000
    let inplace = if amount < 163 {
        amount > 11 && (length as f32) < (10.0 + 1.6 * amount as f32) * amount as f32
    } else {
        (length as f32) < 270.0 * amount as f32
    };
    if length > u32::MAX as usize || length >= 500_000 || (amount >= 163 && !inplace) {
        out.extend(crate::train::data::sample_indices(rng, length, amount));
        return;
    }
    let (length, amount) = (length as u32, amount as u32);
    if inplace {
        if pool.len() != length as usize {
            pool.clear();
            pool.extend(0..length);
        }
        for i in 0..amount {
            let j: u32 = rng.gen_range(i..length);
            pool.swap(i as usize, j as usize);
            out.push(j as usize); // for now: which swap to undo
        }
        // backwards: position i is final once the swaps after it are undone (they touch positions > i)
        for i in (0..amount as usize).rev() {
            let j = out[i];
            out[i] = pool[i] as usize;
            pool.swap(i, j);
        }
    } else {
        // Floyd's algorithm, fully shuffled below 50 (insertion), shuffled afterwards from 50
        let shuffle_in = amount < 50;
        for j in length - amount..length {
            let t = rng.gen_range(0..=j) as usize;
            if shuffle_in {
                if let Some(pos) = out.iter().position(|&x| x == t) {
                    out.insert(pos, j as usize);
                    continue;
                }
            } else if out.contains(&t) {
                out.push(j as usize);
                continue;
            }
            out.push(t);
        }
        if !shuffle_in {
            for i in (1..amount).rev() {
                out.swap(i as usize, rng.gen_range(0..=i) as usize);
            }
        }
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
    /// The finite sum of the rows `a` (N × d) with labels `y`, mini-batches of `batch`; its smoothness and
    /// minimum are computed here.
    pub fn from_data(a: Array2<f64>, y: Vec<f64>, batch: usize) -> FiniteSum {
        let mut fs = FiniteSum { a, y, batch, f_star: 0.0, l: 0.0 };
        let (gram, aty) = fs.normal_equations();
        fs.l = symmetric_eigenvalues(gram.view()).first().copied().unwrap_or(0.0);
        fs.f_star = solve(gram.view(), &aty).map_or(0.0, |x| fs.value(&x));
        fs
    }

    /// `(AᵀA/N, Aᵀy/N)`: the loss is `½xᵀGx − cᵀx + ½‖y‖²/N` with these `G` and `c`.
    fn normal_equations(&self) -> (Array2<f64>, Vec<f64>) {
        let (n, d) = self.a.dim();
        let gram = self.a.t().dot(&self.a) / n.max(1) as f64;
        let aty: Vec<f64> = (0..d).map(|j| (0..n).map(|i| self.a[[i, j]] * self.y[i]).sum::<f64>() / n.max(1) as f64).collect();
        (gram, aty)
    }

    /// The least-squares solution `x* = (AᵀA)⁻¹Aᵀy` (`None` when `AᵀA` is singular).
    pub fn minimizer(&self) -> Option<Vec<f64>> {
        let (gram, aty) = self.normal_equations();
        solve(gram.view(), &aty)
    }

    /// The smoothness constant of each sample, `Lᵢ = ‖aᵢ‖²`.
    pub fn sample_smoothness(&self) -> Vec<f64> {
        self.rows().map(|(a, _)| a.iter().map(|v| v * v).sum()).collect()
    }

    /// SGD with arbitrary sampling, the lecture's stochastic reformulation with one sample per step: draw `i`
    /// with probability `probs[i]` and step `x ← x − η·vᵢ∇fᵢ(x)` with `vᵢ = 1/(N·pᵢ)`, so that
    /// `E[vᵢ∇fᵢ(x)] = ∇f(x)` (uniform sampling is `pᵢ = 1/N`, `vᵢ = 1`). Returns `f(x_t)` for `t = 0..=steps`,
    /// shorter when the run explodes: the loss stops being finite or passes 1e6 × max(f(x₀), 1) (the run
    /// loop's rule, see `run::EXPLOSION`; the loss of least squares is never negative).
    pub fn sgd_with_sampling(&self, probs: &[f64], x0: &[f64], lr: f64, steps: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        use rand::Rng;
        let n = self.y.len();
        let mut cumulative = Vec::with_capacity(n);
        let mut acc = 0.0;
        for p in probs {
            acc += p;
            cumulative.push(acc);
        }
        let (data, d) = self.data();
        // f(x) = ½xᵀGx − cᵀx + ½‖y‖²/N (see normal_equations): O(d²) per step instead of O(N·d)
        let (g, c) = self.normal_equations();
        let yy = self.y.iter().map(|y| y * y).sum::<f64>() / (2.0 * n.max(1) as f64);
        let value = |x: &[f64]| {
            let quad: f64 = (0..d).map(|i| x[i] * (0..d).map(|j| g[[i, j]] * x[j]).sum::<f64>()).sum();
            0.5 * quad - c.iter().zip(x).map(|(c, x)| c * x).sum::<f64>() + yy
        };
        let mut x = x0.to_vec();
        let mut out = Vec::with_capacity(steps + 1);
        out.push(value(&x));
        let limit = 1e6 * out[0].max(1.0);
        for _ in 0..steps {
            let u: f64 = rng.gen::<f64>() * acc;
            let i = cumulative.partition_point(|c| *c <= u).min(n - 1);
            let a = &data[i * d..(i + 1) * d];
            let step = lr / (n as f64 * probs[i]) * residual(a, &x, self.y[i]);
            for (xj, aj) in x.iter_mut().zip(a) {
                *xj -= step * aj;
            }
            let f = value(&x);
            if !f.is_finite() || f > limit {
                break;
            }
            out.push(f);
        }
        out
    }

    /// The noise of the sampled gradient at `x`: `E‖vᵢ∇fᵢ(x) − ∇f(x)‖² = Σᵢ pᵢ‖∇fᵢ(x)/(N pᵢ) − ∇f(x)‖²`.
    pub fn sampled_noise(&self, probs: &[f64], x: &[f64]) -> f64 {
        let n = self.y.len() as f64;
        let mut full = vec![0.0; x.len()];
        self.grad(x, &mut full);
        self.rows()
            .zip(probs)
            .map(|((a, y), p)| {
                let r = residual(a, x, y) / (n * p);
                p * a.iter().zip(&full).map(|(a, f)| (r * a - f).powi(2)).sum::<f64>()
            })
            .sum()
    }

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

    /// The per-sample gradients `∇fᵢ(x) = (aᵢᵀx − yᵢ)·aᵢ` as a row-major `N × d` table, for callers that
    /// take many batches at one `x`: [`Self::table_batch_grad`] on it is [`Problem::batch_grad`] at that
    /// `x`, bit for bit (the same products, added in the same order).
    pub fn sample_grads(&self, x: &[f64]) -> Vec<f64> {
        let mut table = Vec::with_capacity(self.y.len() * x.len());
        for (a, y) in self.rows() {
            let r = residual(a, x, y);
            table.extend(a.iter().map(|a| r * a));
        }
        table
    }

    /// The mean of the rows `batch` of a [`Self::sample_grads`] table (`d` columns), into `out`.
    pub fn table_batch_grad(table: &[f64], batch: &[usize], out: &mut [f64]) {
        let d = out.len();
        match <&mut [f64; 2]>::try_from(&mut *out) {
            Ok(out2) => {
                let mut sum = [0.0; 2];
                for &i in batch {
                    sum[0] += table[2 * i];
                    sum[1] += table[2 * i + 1];
                }
                *out2 = sum;
            }
            Err(_) => {
                out.iter_mut().for_each(|o| *o = 0.0);
                for &i in batch {
                    for (o, t) in out.iter_mut().zip(&table[i * d..(i + 1) * d]) {
                        *o += t;
                    }
                }
            }
        }
        out.iter_mut().for_each(|o| *o /= batch.len() as f64);
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
            Ok(x2) => {
                self.rows().map(|(a, y)| 0.5 * residual(<&[f64; 2]>::try_from(a).expect("rows as long as x"), x2, y).powi(2)).sum::<f64>()
            }
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
        (self.batch < self.y.len()).then(|| {
            let mut batch = Vec::with_capacity(self.batch);
            sample_indices_into(rng, self.y.len(), self.batch, &mut batch, &mut Vec::new());
            batch
        })
    }
    fn batch_grad(&self, x: &[f64], batch: &[usize], out: &mut [f64]) {
        let (data, d) = self.data();
        mean_grad(batch.iter().map(|&i| (&data[i * d..(i + 1) * d], self.y[i])), x, batch.len(), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::seq::index::sample;

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
    fn sampling_matches_rand_draw_for_draw() {
        use rand::{RngCore, SeedableRng};
        let mut pool = Vec::new();
        let mut out = Vec::new();
        // both of rand's algorithms and their switches: Floyd (insertion below 50 drawn, shuffle after),
        // the partial Fisher–Yates from 12 drawn on short lengths, rejection sampling (delegated)
        let cases = [
            (1, 0),
            (1, 1),
            (5, 5),
            (64, 8),
            (64, 11),
            (64, 12),
            (256, 1),
            (256, 12),
            (256, 103),
            (256, 255),
            (256, 256),
            (400, 49),
            (4000, 50),
            (4000, 60),
            (1000, 163),
            (50_000, 163),
            (100_000, 170),
        ];
        for (case, &(length, amount)) in cases.iter().enumerate() {
            for seed in 0..3u64 {
                let mut a = ChaCha8Rng::seed_from_u64(seed * 100 + case as u64);
                let mut b = a.clone();
                for _ in 0..4 {
                    let want = sample(&mut a, length, amount).into_vec();
                    sample_indices_into(&mut b, length, amount, &mut out, &mut pool);
                    assert_eq!(out, want, "length {length}, amount {amount}, seed {seed}");
                }
                assert_eq!(a.next_u64(), b.next_u64(), "the same numbers drawn: length {length}, amount {amount}");
            }
        }
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
            let mut gt = vec![0.0; dim];
            FiniteSum::table_batch_grad(&fs.sample_grads(&x), &idx, &mut gt);
            assert_eq!(gt, batch, "batch gradient from the table, dim {dim}");
            assert_eq!(fs.gradient_variance(&x).to_bits(), var.to_bits(), "gradient_variance, dim {dim}");
        }
    }
}
