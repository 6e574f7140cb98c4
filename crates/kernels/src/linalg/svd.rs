//! The singular value decomposition by one-sided Jacobi rotations (Hestenes 1958; Demmel & Veselić 1992).
//!
//! Why not nalgebra's: its bidiagonal QR SVD (0.33 to 0.35 at least, nalgebra issue #1172) sometimes stops
//! early, leaving `‖UΣVᵀ − M‖` and even the singular values wrong in the third digit for ordinary 8×8
//! matrices of condition number 100 — and `msign` by SVD is the exact reference the lecture compares
//! Newton–Schulz against. Jacobi is simple, accurate to rounding (`tests/properties.rs` checks
//! `UΣVᵀ = M`, `UᵀU = I` and the polar factor), and pure Rust.
//!
//! The rotations orthogonalise the columns of `A = M·V₀`; `V₀`, the eigenvectors of `MᵀM`, is only a
//! preconditioner that makes the columns nearly orthogonal already, so three sweeps suffice for a random
//! 256×256 matrix instead of thirteen. Correctness does not depend on it: any orthogonal `V₀` gives the
//! same answer, more slowly.

use super::dense;
use ndarray::{Array2, ArrayView2};

/// `M = U diag(s) Vᵀ` with `r = min(rows, cols)` columns in `U` and `V`, singular values largest first.
pub struct Svd {
    pub u: Array2<f64>,
    pub s: Vec<f64>,
    pub v: Array2<f64>,
}

/// Most Jacobi sweeps; convergence is quadratic and takes far fewer.
const MAX_SWEEPS: usize = 60;

/// The SVD of `m` (see the module docs). An empty matrix gives empty factors.
pub fn svd(m: ArrayView2<f64>) -> Svd {
    let (rows, cols) = m.dim();
    if rows < cols {
        // Work with the taller orientation so that the rotated columns are the short side.
        let t = svd(m.t());
        return Svd { u: t.v, s: t.s, v: t.u };
    }
    let (len, n) = (rows, cols);
    if n == 0 {
        return Svd { u: Array2::zeros((len, 0)), s: Vec::new(), v: Array2::zeros((0, 0)) };
    }
    // Scale to max |entry| = 1 so that squared norms neither overflow nor underflow.
    let scale = m.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if scale == 0.0 || !scale.is_finite() {
        let s = vec![if scale == 0.0 { 0.0 } else { f64::NAN }; n];
        return Svd { u: Array2::eye(len).slice_move(ndarray::s![.., ..n]), s, v: Array2::eye(n) };
    }
    // row-major A and Aᵀ; the products go through super::dense (small matrices: no per-product allocation)
    let a: Vec<f64> = m.iter().map(|v| v / scale).collect();
    let mut at = vec![0.0; len * n];
    dense::transpose_into(&a, (len, n), &mut at);
    let v0 = preconditioner(&a, &at, (len, n));
    let mut av = vec![0.0; len * n];
    dense::matmul_into(&a, v0.as_slice().expect("standard layout"), (len, n, n), &mut av);
    // Columns stored contiguously: column k of A·V is cols_a[k·len..(k+1)·len].
    let mut cols_a = vec![0.0; len * n];
    dense::transpose_into(&av, (len, n), &mut cols_a);
    let mut cols_v: Vec<f64> = v0.t().iter().copied().collect();
    // Columns count as orthogonal at |cos| ≤ √len·ε, LAPACK's threshold (dgesvj): rounding alone leaves
    // that much, so a stricter one only spends sweeps on noise.
    let tol = (len as f64).sqrt() * f64::EPSILON;
    // squared column norms, recomputed at the start of every sweep and for the two columns of each
    // rotation, so a pair costs one dot product (not three) when it needs no rotation
    let mut norms2 = vec![0.0; n];
    for _ in 0..MAX_SWEEPS {
        for (k, v) in norms2.iter_mut().enumerate() {
            let c = &cols_a[k * len..(k + 1) * len];
            *v = dot(c, c);
        }
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (ap, aq) = pair(&mut cols_a, len, p, q);
                let (alpha, beta, gamma) = (norms2[p], norms2[q], dot(ap, aq));
                if gamma == 0.0 || gamma.abs() <= tol * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                rotate(ap, aq, c, s);
                (norms2[p], norms2[q]) = (dot(ap, ap), dot(aq, aq));
                let (vp, vq) = pair(&mut cols_v, n, p, q);
                rotate(vp, vq, c, s);
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = (0..n).map(|k| cols_a[k * len..(k + 1) * len].iter().map(|x| x * x).sum::<f64>().sqrt()).collect();
    // columns by norm, largest first, ties in column order: a stable insertion sort (n² / 2 comparisons at
    // most, nothing next to the sweeps above) instead of the standard library's stable sort, which would be
    // the wasm's only copy of it (~10 KB)
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for k in 0..n {
        let mut p = order.len();
        while p > 0 && norms[order[p - 1]].total_cmp(&norms[k]).is_lt() {
            p -= 1;
        }
        order.insert(p, k);
    }
    let mut u = Array2::zeros((len, n));
    let mut v = Array2::zeros((n, n));
    let mut s = Vec::with_capacity(n);
    for (k, &j) in order.iter().enumerate() {
        let sigma = norms[j];
        s.push(sigma * scale);
        for i in 0..len {
            u[[i, k]] = if sigma > 0.0 { cols_a[j * len + i] / sigma } else { 0.0 };
        }
        for i in 0..n {
            v[[i, k]] = cols_v[j * n + i];
        }
    }
    Svd { u, s, v }
}

/// Eigenvectors of `AᵀA` (orthogonal; standard layout), or the identity if they are not finite. `a` is
/// row-major `len × n`, `at` its transpose.
fn preconditioner(a: &[f64], at: &[f64], (len, n): (usize, usize)) -> Array2<f64> {
    let mut gram = vec![0.0; n * n];
    dense::symmetric_matmul_into(at, a, (n, len), &mut gram);
    let e = super::symmetric_eigen(nalgebra::DMatrix::from_row_slice(n, n, &gram));
    let v = super::from_na(&e.eigenvectors);
    if v.iter().all(|x| x.is_finite()) {
        v
    } else {
        Array2::eye(n)
    }
}

/// Mutable views of columns `p < q` of a column-contiguous buffer.
fn pair(buf: &mut [f64], len: usize, p: usize, q: usize) -> (&mut [f64], &mut [f64]) {
    let (lo, hi) = buf.split_at_mut(q * len);
    (&mut lo[p * len..(p + 1) * len], &mut hi[..len])
}

/// `Σ xᵢyᵢ` in eight interleaved partial sums (two-lane vectors in wasm simd128 and SSE2, not one chain
/// of dependent additions), added pairwise at the end.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let (xc, xr) = x.as_chunks::<8>();
    let (yc, yr) = y.as_chunks::<8>();
    let mut acc = [0.0f64; 8];
    for (a, b) in xc.iter().zip(yc) {
        for l in 0..8 {
            acc[l] += a[l] * b[l];
        }
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    let tail: f64 = xr.iter().zip(yr).map(|(a, b)| a * b).sum();
    ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)) + tail
}

/// `(x, y) ← (c·x − s·y, s·x + c·y)` entrywise.
fn rotate(x: &mut [f64], y: &mut [f64], c: f64, s: f64) {
    for (xi, yi) in x.iter_mut().zip(y.iter_mut()) {
        let (a, b) = (*xi, *yi);
        *xi = c * a - s * b;
        *yi = s * a + c * b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn reconstructs_and_is_orthogonal() {
        // An 8×8 matrix on which nalgebra 0.33's SVD loses three digits is covered by the property tests;
        // here a small wide one with a repeated singular value.
        let m = array![[3.0, 0.0, 4.0, 1.0], [0.0, 5.0, 0.0, 2.0], [4.0, 0.0, -3.0, 0.5]];
        let d = svd(m.view());
        assert_eq!(d.u.dim(), (3, 3));
        assert_eq!(d.v.dim(), (4, 3));
        let recon = d.u.dot(&Array2::from_diag(&ndarray::Array1::from(d.s.clone()))).dot(&d.v.t());
        assert!(recon.iter().zip(m.iter()).all(|(a, b)| (a - b).abs() < 1e-14));
        let utu = d.u.t().dot(&d.u);
        let vtv = d.v.t().dot(&d.v);
        assert!((utu - Array2::<f64>::eye(3)).iter().all(|x| x.abs() < 1e-14));
        assert!((vtv - Array2::<f64>::eye(3)).iter().all(|x| x.abs() < 1e-14));
        assert!(d.s.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn zero_and_empty() {
        let d = svd(Array2::<f64>::zeros((2, 3)).view());
        assert_eq!(d.s, vec![0.0, 0.0]);
        let d = svd(Array2::<f64>::zeros((0, 3)).view());
        assert!(d.s.is_empty());
    }
}
