//! Small linear algebra over ndarray: the matrix sign function and spectra. Symmetric eigenvalues come
//! from nalgebra, which is pure Rust and runs in wasm; the SVD is our own Jacobi ([`svd`]).

pub mod dense;
pub mod msign;
pub mod svd;

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

/// nalgebra's symmetric eigendecomposition, behind one non-generic function: every caller (the SVD's
/// preconditioner here, Lanczos and the msign checks in optlab) shares this one compiled copy.
pub fn symmetric_eigen(m: DMatrix<f64>) -> nalgebra::SymmetricEigen<f64, nalgebra::Dyn> {
    m.symmetric_eigen()
}

/// Eigenvalues of a symmetric matrix, largest first.
pub fn symmetric_eigenvalues(m: ArrayView2<f64>) -> Vec<f64> {
    let mut e: Vec<f64> = symmetric_eigen(to_na(m)).eigenvalues.iter().copied().collect();
    // floats equal under total_cmp are the same bits, so ascending then reversed is the descending order
    sort_f64(&mut e);
    e.reverse();
    e
}

/// Sorts floats ascending by `f64::total_cmp`. Every f64 sort in optlab goes through this one function, so
/// the wasm holds one compiled copy of the sort (each call site with its own comparator or element type
/// compiles a copy of several KB). Floats equal under `total_cmp` have the same bits, so the order is unique.
#[inline(never)]
pub fn sort_f64(v: &mut [f64]) {
    v.sort_unstable_by(f64::total_cmp);
}
