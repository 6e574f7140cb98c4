//! Small linear algebra over ndarray: the matrix sign function and spectra. LU and symmetric eigenvalues
//! come from nalgebra, which is pure Rust and runs in wasm; the SVD is our own Jacobi ([`svd`]).

pub mod dense;
pub mod msign;
pub mod svd;
pub mod timing;

use nalgebra::DMatrix;
use ndarray::{Array2, ArrayView2};

/// ndarray → nalgebra (copies).
pub fn to_na(m: ArrayView2<f64>) -> DMatrix<f64> {
    DMatrix::from_fn(m.nrows(), m.ncols(), |i, j| m[[i, j]])
}

/// nalgebra → ndarray (copies).
pub fn from_na(m: &DMatrix<f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// Singular values, largest first (by [`svd::svd`]; nalgebra's SVD is not accurate enough, see there).
pub fn singular_values(m: ArrayView2<f64>) -> Vec<f64> {
    if m.is_empty() {
        return Vec::new();
    }
    // σ(M) = c·σ(M/c): entries beyond ~1e150 (or below ~1e-150) are scaled by the largest first, so the
    // products inside the SVD neither overflow nor underflow (a σ beyond the largest double is still ∞)
    let big = m.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if big > 0.0 && big.is_finite() && !(1e-150..=1e150).contains(&big) {
        return svd::svd((&m / big).view()).s.into_iter().map(|s| s * big).collect();
    }
    svd::svd(m).s
}

/// Eigenvalues of a symmetric matrix, largest first.
pub fn symmetric_eigenvalues(m: ArrayView2<f64>) -> Vec<f64> {
    let mut e: Vec<f64> = to_na(m).symmetric_eigenvalues().iter().copied().collect();
    e.sort_by(|a, b| b.total_cmp(a));
    e
}

/// Solves `a·x = b` by LU with partial pivoting; `None` when `a` is singular or the answer is not finite.
pub fn solve(a: ArrayView2<f64>, b: &[f64]) -> Option<Vec<f64>> {
    let lu = to_na(a).lu();
    let rhs = nalgebra::DVector::from_column_slice(b);
    let x = lu.solve(&rhs)?;
    // LU "succeeds" on numerically singular matrices with huge answers; judge by the pivot ratio instead.
    let u = lu.u();
    let diag: Vec<f64> = (0..u.nrows().min(u.ncols())).map(|i| u[(i, i)].abs()).collect();
    let max = diag.iter().cloned().fold(0.0, f64::max);
    let min = diag.iter().cloned().fold(f64::INFINITY, f64::min);
    if max == 0.0 || min <= max * 1e-13 || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    Some(x.iter().copied().collect())
}
