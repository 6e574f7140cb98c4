use super::{data_rng, Problem, MAX_HESSIAN_PARAMS, MAX_PARAMS};
use crate::checks::{check_range, Problems, SpecError};
use crate::linalg::dense::matmul_into;
use ndarray::{Array2, ArrayView2};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// Matrix least squares `f(W) = λ‖WX − Y‖²_F/(2n)` for `W` of shape rows × features, `X` features × n and
/// `Y` rows × n, with a loss scale `λ` (`loss_scale`, 1 by default). `∇f = λ(WX − Y)Xᵀ/n`; the Hessian (W
/// flattened row-major) is `λ·I_rows ⊗ XXᵀ/n`. The scale exists to show which optimizers are invariant to
/// multiplying the loss by a constant (Muon's msign and Adam's ratio are, up to ε; SGD is not).
///
/// Every product is [`matmul_into`]'s (each product and each sum rounded on its own, in the order k = 0, 1, …),
/// not ndarray's `dot`, whose kernels fuse multiply and add natively on CPUs with FMA and not in wasm: Muon's
/// runs on this problem grow a last-bit difference to ~1e-4 in 100 steps, so with `dot` the browser, and two
/// CPUs, showed different runs.
pub struct MatrixLeastSquares {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
    /// `λ`: the loss, gradient and Hessian are multiplied by it.
    pub loss_scale: f64,
    /// `Xᵀ`, row-major
    xt: Vec<f64>,
    gram: Array2<f64>,
    l: f64,
}

/// `a·b` by [`matmul_into`].
fn product(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let mut out = vec![0.0; m * n];
    matmul_into(a.as_slice().expect("standard layout"), b.as_slice().expect("standard layout"), (m, k, n), &mut out);
    Array2::from_shape_vec((m, n), out).expect("m × n")
}

impl MatrixLeastSquares {
    pub fn new(x: Array2<f64>, y: Array2<f64>) -> Self {
        let x = x.as_standard_layout().into_owned();
        let y = y.as_standard_layout().into_owned();
        let n = x.ncols() as f64;
        let gram = product(x.view(), x.t()) / n;
        let l = crate::linalg::symmetric_eigenvalues(gram.view()).first().copied().unwrap_or(0.0);
        let xt = x.t().iter().copied().collect();
        MatrixLeastSquares { x, y, loss_scale: 1.0, xt, gram, l }
    }

    /// The same problem with its loss multiplied by `loss_scale`.
    pub fn with_loss_scale(mut self, loss_scale: f64) -> Self {
        self.loss_scale = loss_scale;
        self
    }

    /// `(rows, features, samples)`
    fn dims(&self) -> (usize, usize, usize) {
        (self.y.nrows(), self.x.nrows(), self.x.ncols())
    }

    /// `r = WX − Y`, row-major (`r` holds rows × samples).
    fn residual_into(&self, w: &[f64], r: &mut [f64]) {
        let (rows, features, n) = self.dims();
        matmul_into(w, self.x.as_slice().expect("standard layout"), (rows, features, n), r);
        for (ri, yi) in r.iter_mut().zip(self.y.iter()) {
            *ri -= yi;
        }
    }

    /// `f` from the residual `r`.
    fn value_of(&self, r: &[f64]) -> f64 {
        self.loss_scale * r.iter().map(|v| v * v).sum::<f64>() / (2.0 * self.x.ncols() as f64)
    }

    /// `∇f = λ·RXᵀ/n` from the residual `r`.
    fn grad_of(&self, r: &[f64], out: &mut [f64]) {
        let (rows, features, n) = self.dims();
        matmul_into(r, &self.xt, (rows, n, features), out);
        for o in out.iter_mut() {
            *o /= n as f64;
        }
        if self.loss_scale != 1.0 {
            for o in out.iter_mut() {
                *o *= self.loss_scale;
            }
        }
    }

    fn residual(&self, w: &[f64]) -> Vec<f64> {
        let (rows, _, n) = self.dims();
        let mut r = vec![0.0; rows * n];
        self.residual_into(w, &mut r);
        r
    }
}

impl Problem for MatrixLeastSquares {
    fn shape(&self) -> (usize, usize) {
        (self.y.nrows(), self.x.nrows())
    }
    fn value(&self, w: &[f64]) -> f64 {
        self.value_of(&self.residual(w))
    }
    fn grad(&self, w: &[f64], out: &mut [f64]) {
        self.grad_of(&self.residual(w), out);
    }
    fn hessian(&self, _w: &[f64]) -> Option<Array2<f64>> {
        let (rows, feats) = self.shape();
        if rows * feats > MAX_HESSIAN_PARAMS {
            return None;
        }
        let mut h = Array2::zeros((rows * feats, rows * feats));
        for r in 0..rows {
            h.slice_mut(ndarray::s![r * feats..(r + 1) * feats, r * feats..(r + 1) * feats]).assign(&(&self.gram * self.loss_scale));
        }
        Some(h)
    }
    fn smoothness(&self) -> Option<f64> {
        Some(self.loss_scale * self.l)
    }
}

fn matrix_from_rows(path: &str, rows: &[Vec<f64>]) -> Result<Array2<f64>, SpecError> {
    let r = rows.len();
    let c = rows.first().map_or(0, |row| row.len());
    if r == 0 || c == 0 {
        return Err(SpecError::new(path, "must be a non-empty list of non-empty rows"));
    }
    let mut m = Array2::zeros((r, c));
    for (i, row) in rows.iter().enumerate() {
        if row.len() != c {
            return Err(SpecError::new(format!("{path}[{i}]"), format!("must have {c} entries like row 0, got {}", row.len())));
        }
        for (j, v) in row.iter().enumerate() {
            if !v.is_finite() {
                return Err(SpecError::new(format!("{path}[{i}][{j}]"), "must be a finite number"));
            }
            m[[i, j]] = *v;
        }
    }
    Ok(m)
}

/// Converts a list of rows into a matrix, naming the bad entry by `path`.
pub fn rows_to_matrix(path: &str, rows: &[Vec<f64>]) -> Result<Array2<f64>, SpecError> {
    matrix_from_rows(path, rows)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixSpec {
    /// features × n
    pub x: Vec<Vec<f64>>,
    /// rows × n
    pub y: Vec<Vec<f64>>,
    /// `λ` multiplying the loss (1 by default; omitted from the JSON when 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub loss_scale: f64,
}

fn one() -> f64 {
    1.0
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

/// Allowed range of `loss_scale`.
pub const LOSS_SCALE_RANGE: (f64, f64) = (1e-8, 1e8);

impl MatrixSpec {
    pub fn build(&self, path: &str) -> Result<MatrixLeastSquares, SpecError> {
        let mut pr = Problems::new();
        let x = pr.take(matrix_from_rows(&format!("{path}.x"), &self.x));
        let y = pr.take(matrix_from_rows(&format!("{path}.y"), &self.y));
        pr.check(check_range(path, "loss_scale", self.loss_scale, LOSS_SCALE_RANGE.0, LOSS_SCALE_RANGE.1));
        let (x, y) = pr.finish_with(x.zip(y))?;
        if x.ncols() != y.ncols() {
            return Err(SpecError::new(
                format!("{path}.y"),
                format!("must have as many columns (samples) as x: x has {}, y has {}", x.ncols(), y.ncols()),
            ));
        }
        if x.nrows() * y.nrows() > MAX_PARAMS || x.len() + y.len() > 4 * MAX_PARAMS {
            return Err(SpecError::new(path, format!("is too large: W may have at most {MAX_PARAMS} entries")));
        }
        Ok(MatrixLeastSquares::new(x, y).with_loss_scale(self.loss_scale))
    }
}

/// Matrix least squares on seeded data: `X = D·Z` with `Z` standard normal and `D` geometric from 1 to
/// 1/√κ (so `XXᵀ/n` has condition number ≈ κ), `W*` standard normal, `Y = W*X + noise·E`; the loss is
/// multiplied by `loss_scale` (the data do not depend on it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomMatrixSpec {
    pub rows: usize,
    pub features: usize,
    pub samples: usize,
    pub kappa: f64,
    pub noise: f64,
    #[serde(skip_serializing_if = "is_one")]
    pub loss_scale: f64,
}

impl Default for RandomMatrixSpec {
    fn default() -> Self {
        RandomMatrixSpec { rows: 8, features: 16, samples: 64, kappa: 100.0, noise: 0.0, loss_scale: 1.0 }
    }
}

impl RandomMatrixSpec {
    pub fn build(&self, path: &str, seed: u64) -> Result<MatrixLeastSquares, SpecError> {
        let mut pr = Problems::new();
        pr.check(check_range(path, "rows", self.rows as f64, 1.0, 256.0));
        pr.check(check_range(path, "features", self.features as f64, 1.0, 256.0));
        pr.check(check_range(path, "samples", self.samples as f64, 1.0, 4096.0));
        pr.check(check_range(path, "kappa", self.kappa, 1.0, 1e8));
        pr.check(check_range(path, "noise", self.noise, 0.0, 1e3));
        pr.check(check_range(path, "loss_scale", self.loss_scale, LOSS_SCALE_RANGE.0, LOSS_SCALE_RANGE.1));
        pr.finish()?;
        let mut rng = data_rng(seed);
        let (r, f, n) = (self.rows, self.features, self.samples);
        let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
        // Rust's libm pow in every build: std's `powf` is the platform's libm natively (glibc's differs in the
        // last bit for some exponents) and Rust's libm in wasm (compiler-builtins), so natively the `libm`
        // crate is called (wasm keeps std's: one copy of pow, 1.5 KB less gzip). A last bit matters here: see
        // MatrixLeastSquares; tests/portable.rs and the wasm test check that both builds agree.
        #[cfg(target_arch = "wasm32")]
        let pow = f64::powf;
        #[cfg(not(target_arch = "wasm32"))]
        let pow = libm::pow;
        let decay = |j: usize| if f > 1 { pow(self.kappa, -(j as f64) / (2.0 * (f - 1) as f64)) } else { 1.0 };
        let x = Array2::from_shape_fn((f, n), |(j, _)| decay(j) * normal());
        let w_star = Array2::from_shape_fn((r, f), |_| normal());
        let noise = Array2::from_shape_fn((r, n), |_| self.noise * normal());
        let y = product(w_star.view(), x.view()) + noise;
        Ok(MatrixLeastSquares::new(x, y).with_loss_scale(self.loss_scale))
    }
}

/// A matrix least-squares problem (the Muon chapter's) evaluated faster: the residual `R = WX − Y` kept between
/// `value` and `grad` at the same `W` (`run_one` asks for both at every iterate), in one buffer. Value and
/// gradient are [`MatrixLeastSquares`]'s own functions of the residual, so the iterates are those of
/// `optlab run` on the chapter's spec, bit for bit, natively and in the browser.
pub struct FastMatrixLeastSquares<'a> {
    p: &'a MatrixLeastSquares,
    /// `(W, R)` of the last evaluation.
    last: RefCell<(Vec<f64>, Vec<f64>)>,
}

impl<'a> FastMatrixLeastSquares<'a> {
    pub fn new(p: &'a MatrixLeastSquares) -> Self {
        let (rows, _, n) = p.dims();
        FastMatrixLeastSquares { p, last: RefCell::new((Vec::new(), vec![0.0; rows * n])) }
    }

    /// Runs `f` on `R = WX − Y`, computed unless `w` is the last point asked for.
    fn with_residual<T>(&self, w: &[f64], f: impl FnOnce(&[f64]) -> T) -> T {
        let mut last = self.last.borrow_mut();
        let (w_last, r) = &mut *last;
        if w_last.as_slice() != w {
            self.p.residual_into(w, r);
            w_last.clear();
            w_last.extend_from_slice(w);
        }
        f(r)
    }
}

impl Problem for FastMatrixLeastSquares<'_> {
    fn shape(&self) -> (usize, usize) {
        self.p.shape()
    }
    fn value(&self, w: &[f64]) -> f64 {
        self.with_residual(w, |r| self.p.value_of(r))
    }
    fn grad(&self, w: &[f64], out: &mut [f64]) {
        self.with_residual(w, |r| self.p.grad_of(r, out));
    }
    fn hessian(&self, w: &[f64]) -> Option<ndarray::Array2<f64>> {
        self.p.hessian(w)
    }
    fn minimum(&self) -> Option<f64> {
        self.p.minimum()
    }
    fn smoothness(&self) -> Option<f64> {
        self.p.smoothness()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_scale_multiplies_value_gradient_and_curvature() {
        let base = RandomMatrixSpec { rows: 3, features: 4, samples: 10, ..Default::default() };
        let scaled = RandomMatrixSpec { loss_scale: 7.5, ..base.clone() };
        let (p1, p2) = (base.build("p", 3).unwrap(), scaled.build("p", 3).unwrap());
        let w: Vec<f64> = (0..12).map(|i| (i as f64 * 0.37).sin()).collect();
        assert!((p2.value(&w) - 7.5 * p1.value(&w)).abs() <= 1e-12 * p2.value(&w).abs());
        let (mut g1, mut g2) = (vec![0.0; 12], vec![0.0; 12]);
        p1.grad(&w, &mut g1);
        p2.grad(&w, &mut g2);
        for (a, b) in g1.iter().zip(&g2) {
            assert!((b - 7.5 * a).abs() <= 1e-12 * b.abs().max(1e-300));
        }
        assert!((p2.smoothness().unwrap() - 7.5 * p1.smoothness().unwrap()).abs() < 1e-12);
        // λ = 1 is left out of the JSON, so existing specs serialise as before; a bad λ names the field
        assert!(!serde_json::to_string(&base).unwrap().contains("loss_scale"));
        let bad = RandomMatrixSpec { loss_scale: 0.0, ..base };
        assert_eq!(bad.build("problem", 0).err().unwrap().path, "problem.loss_scale");
    }
}
