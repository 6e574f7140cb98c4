use super::{data_rng, Problem, MAX_HESSIAN_PARAMS, MAX_PARAMS};
use crate::spec::{check_range, SpecError};
use ndarray::{Array2, ArrayView2};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Matrix least squares `f(W) = ‖WX − Y‖²_F/(2n)` for `W` of shape rows × features, `X` features × n and
/// `Y` rows × n. `∇f = (WX − Y)Xᵀ/n`; the Hessian (W flattened row-major) is `I_rows ⊗ XXᵀ/n`.
pub struct MatrixLeastSquares {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
    gram: Array2<f64>,
    l: f64,
}

impl MatrixLeastSquares {
    pub fn new(x: Array2<f64>, y: Array2<f64>) -> Self {
        let n = x.ncols() as f64;
        let gram = x.dot(&x.t()) / n;
        let l = crate::linalg::symmetric_eigenvalues(gram.view()).first().copied().unwrap_or(0.0);
        MatrixLeastSquares { x, y, gram, l }
    }

    fn residual(&self, w: &[f64]) -> Array2<f64> {
        let w = ArrayView2::from_shape((self.y.nrows(), self.x.nrows()), w).expect("shape checked at build");
        w.dot(&self.x) - &self.y
    }
}

impl Problem for MatrixLeastSquares {
    fn shape(&self) -> (usize, usize) {
        (self.y.nrows(), self.x.nrows())
    }
    fn value(&self, w: &[f64]) -> f64 {
        let r = self.residual(w);
        r.iter().map(|v| v * v).sum::<f64>() / (2.0 * self.x.ncols() as f64)
    }
    fn grad(&self, w: &[f64], out: &mut [f64]) {
        let g = self.residual(w).dot(&self.x.t()) / self.x.ncols() as f64;
        for (o, v) in out.iter_mut().zip(g.iter()) {
            *o = *v;
        }
    }
    fn hessian(&self, _w: &[f64]) -> Option<Array2<f64>> {
        let (rows, feats) = self.shape();
        if rows * feats > MAX_HESSIAN_PARAMS {
            return None;
        }
        let mut h = Array2::zeros((rows * feats, rows * feats));
        for r in 0..rows {
            h.slice_mut(ndarray::s![r * feats..(r + 1) * feats, r * feats..(r + 1) * feats]).assign(&self.gram);
        }
        Some(h)
    }
    fn smoothness(&self) -> Option<f64> {
        Some(self.l)
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
}

impl MatrixSpec {
    pub fn build(&self, path: &str) -> Result<MatrixLeastSquares, SpecError> {
        let x = matrix_from_rows(&format!("{path}.x"), &self.x)?;
        let y = matrix_from_rows(&format!("{path}.y"), &self.y)?;
        if x.ncols() != y.ncols() {
            return Err(SpecError::new(
                format!("{path}.y"),
                format!("must have as many columns (samples) as x: x has {}, y has {}", x.ncols(), y.ncols()),
            ));
        }
        if x.nrows() * y.nrows() > MAX_PARAMS || x.len() + y.len() > 4 * MAX_PARAMS {
            return Err(SpecError::new(path, format!("is too large: W may have at most {MAX_PARAMS} entries")));
        }
        Ok(MatrixLeastSquares::new(x, y))
    }
}

/// Matrix least squares on seeded data: `X = D·Z` with `Z` standard normal and `D` geometric from 1 to
/// 1/√κ (so `XXᵀ/n` has condition number ≈ κ), `W*` standard normal, `Y = W*X + noise·E`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomMatrixSpec {
    pub rows: usize,
    pub features: usize,
    pub samples: usize,
    pub kappa: f64,
    pub noise: f64,
}

impl Default for RandomMatrixSpec {
    fn default() -> Self {
        RandomMatrixSpec { rows: 8, features: 16, samples: 64, kappa: 100.0, noise: 0.0 }
    }
}

impl RandomMatrixSpec {
    pub fn build(&self, path: &str, seed: u64) -> Result<MatrixLeastSquares, SpecError> {
        check_range(path, "rows", self.rows as f64, 1.0, 256.0)?;
        check_range(path, "features", self.features as f64, 1.0, 256.0)?;
        check_range(path, "samples", self.samples as f64, 1.0, 4096.0)?;
        check_range(path, "kappa", self.kappa, 1.0, 1e8)?;
        check_range(path, "noise", self.noise, 0.0, 1e3)?;
        let mut rng = data_rng(seed);
        let (r, f, n) = (self.rows, self.features, self.samples);
        let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
        let decay = |j: usize| if f > 1 { self.kappa.powf(-(j as f64) / (2.0 * (f - 1) as f64)) } else { 1.0 };
        let x = Array2::from_shape_fn((f, n), |(j, _)| decay(j) * normal());
        let w_star = Array2::from_shape_fn((r, f), |_| normal());
        let noise = Array2::from_shape_fn((r, n), |_| self.noise * normal());
        let y = w_star.dot(&x) + noise;
        Ok(MatrixLeastSquares::new(x, y))
    }
}
