//! Small linear algebra over ndarray: the matrix sign function and spectra. The kernels (Newton–Schulz,
//! the Jacobi SVD, the dense products, symmetric eigenvalues) are the `optlab-kernels` crate's, compiled for
//! speed in the wasm; LU (nalgebra's, pure Rust) and the kernels' timing inputs are here.

pub use optlab_kernels::linalg::*;
pub mod timing;

use ndarray::ArrayView2;

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
