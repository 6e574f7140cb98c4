//! Products of small dense row-major matrices, written into caller-owned buffers.
//!
//! Why not ndarray's `dot` here: it hands every product to matrixmultiply, which packs both operands into
//! freshly allocated, aligned panels and runs a register-blocked kernel. For the 8×16 matrices of the app's
//! Muon runs that overhead (allocation, packing, the masked edge kernel in wasm) costs far more than the
//! arithmetic. The plain loop below keeps 4×8 blocks of the output in registers and adds the products of
//! each entry in the order `k = 0, 1, …` from zero, as matrixmultiply's kernel does, so both agree to the
//! last bit wherever neither fuses multiply and add (wasm). Native matrixmultiply kernels use FMA: one
//! rounding per product apart, which Muon's runs on ill-conditioned problems amplify over many steps.
//!
//! Large products (above [`SMALL`] multiply–adds) still go to matrixmultiply, which is faster there.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Products with at most this many multiply–adds (`m·k·n`, 64³) use the plain loop.
pub const SMALL: usize = 64 * 64 * 64;

/// `out = a·b` for row-major `a` (m×k), `b` (k×n) and `out` (m×n).
pub fn matmul_into(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize), out: &mut [f64]) {
    assert!(a.len() == m * k && b.len() == k * n && out.len() == m * n, "matmul_into: shapes do not match the buffers");
    if m * k * n > SMALL {
        let av = ArrayView2::from_shape((m, k), a).expect("checked length");
        let bv = ArrayView2::from_shape((k, n), b).expect("checked length");
        let mut ov = ArrayViewMut2::from_shape((m, n), out).expect("checked length");
        general_mat_mul(1.0, &av, &bv, 0.0, &mut ov);
        return;
    }
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out.fill(0.0);
        return;
    }
    blocks(a, b, (m, k, n), false, out);
}

/// `out = a·b` for a product that is exactly symmetric (m×m): `b = aᵀ`, or `a = b` symmetric. Computes the
/// blocks on and above the diagonal and mirrors the rest, which is exact: entry `(r, c)` and entry
/// `(c, r)` sum the same products (`a_rk·a_ck`, resp. `a_rk·a_kc = a_ck·a_kr` for symmetric `a`) in the
/// same order.
pub fn symmetric_matmul_into(a: &[f64], b: &[f64], (m, k): (usize, usize), out: &mut [f64]) {
    assert!(a.len() == m * k && b.len() == k * m && out.len() == m * m, "symmetric_matmul_into: shapes do not match the buffers");
    if m * k * m > SMALL {
        return matmul_into(a, b, (m, k, m), out);
    }
    if k == 0 {
        out.fill(0.0);
        return;
    }
    blocks(a, b, (m, k, m), true, out);
    let m4 = m - m % 4;
    // every row block starts at its diagonal: row r holds columns ⌊r/4⌋·4.. (and the tail rows from r)
    for r in 0..m {
        let from = if r < m4 { r - r % 4 } else { r };
        for c in 0..from {
            out[r * m + c] = out[c * m + r];
        }
    }
}

/// The blocks of `out = a·b` (from the diagonal on if `upper`). On x86-64 CPUs with AVX2 the same code runs
/// compiled for it (four lanes instead of SSE2's two; no FMA, so the same roundings); wasm and other
/// targets run the portable build.
fn blocks(a: &[f64], b: &[f64], dims: (usize, usize, usize), upper: bool, out: &mut [f64]) {
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { blocks_avx2(a, b, dims, upper, out) };
        return;
    }
    blocks_portable(a, b, dims, upper, out)
}

#[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
unsafe fn blocks_avx2(a: &[f64], b: &[f64], dims: (usize, usize, usize), upper: bool, out: &mut [f64]) {
    blocks_portable(a, b, dims, upper, out)
}

/// 4×8 output blocks held in registers (16 two-lane vectors in wasm simd128, where this shape was the
/// fastest tried: ~3.5 G multiply–adds/s against ~1.4 for the plain i-k-j loop), then narrower strips.
#[inline(always)]
fn blocks_portable(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize), upper: bool, out: &mut [f64]) {
    let m4 = m - m % 4;
    for i in (0..m4).step_by(4) {
        strip::<4>(a, b, (k, n), (i, if upper { i } else { 0 }), out);
    }
    for i in m4..m {
        strip::<1>(a, b, (k, n), (i, if upper { i } else { 0 }), out);
    }
}

/// Rows `i..i+R`, columns `j0..n` of `out = a·b`: blocks of 8 columns, then 4, then single columns.
#[inline(always)]
fn strip<const R: usize>(a: &[f64], b: &[f64], (k, n): (usize, usize), (i, j0): (usize, usize), out: &mut [f64]) {
    let w = n - j0;
    let n8 = j0 + w - w % 8;
    let n4 = j0 + w - w % 4;
    for j in (j0..n8).step_by(8) {
        block::<R, 8>(a, b, (k, n), (i, j), out);
    }
    if n4 > n8 {
        block::<R, 4>(a, b, (k, n), (i, n8), out);
    }
    for j in n4..n {
        block::<R, 1>(a, b, (k, n), (i, j), out);
    }
}

/// `out[i..i+R, j..j+C] = a[i..i+R, :]·b[:, j..j+C]`, each entry summed over `k` in order from zero.
#[inline(always)]
fn block<const R: usize, const C: usize>(a: &[f64], b: &[f64], (k, n): (usize, usize), (i, j): (usize, usize), out: &mut [f64]) {
    let rows: [&[f64]; R] = std::array::from_fn(|r| &a[(i + r) * k..(i + r + 1) * k]);
    let mut acc = [[0.0f64; C]; R];
    for kk in 0..k {
        let bk: &[f64; C] = b[kk * n + j..kk * n + j + C].try_into().expect("C columns");
        for r in 0..R {
            let ar = rows[r][kk];
            for c in 0..C {
                acc[r][c] += ar * bk[c];
            }
        }
    }
    for r in 0..R {
        out[(i + r) * n + j..(i + r) * n + j + C].copy_from_slice(&acc[r]);
    }
}

/// `out = aᵀ` for row-major `a` (m×n) and `out` (n×m).
pub fn transpose_into(a: &[f64], (m, n): (usize, usize), out: &mut [f64]) {
    assert!(a.len() == m * n && out.len() == m * n, "transpose_into: shapes do not match the buffers");
    if m == 0 || n == 0 {
        return;
    }
    // contiguous writes, strided reads (cheaper than the other way round)
    for (j, row) in out.chunks_exact_mut(m).enumerate() {
        for (o, v) in row.iter_mut().zip(a[j..].iter().step_by(n)) {
            *o = *v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn filled(r: usize, c: usize, seed: f64) -> Array2<f64> {
        Array2::from_shape_fn((r, c), |(i, j)| ((i * 31 + j * 17) as f64 * 0.618 + seed).sin() * 3.0)
    }

    #[test]
    fn agrees_with_ndarray_on_small_and_large_shapes() {
        for &(m, k, n) in &[(1, 1, 1), (3, 5, 2), (8, 16, 8), (8, 8, 16), (16, 16, 16), (1, 7, 64), (65, 64, 65), (0, 3, 4), (3, 0, 4)] {
            let (a, b) = (filled(m, k, 0.3), filled(k, n, 1.7));
            let mut out = vec![f64::NAN; m * n];
            matmul_into(a.as_slice().unwrap(), b.as_slice().unwrap(), (m, k, n), &mut out);
            let want = a.dot(&b);
            for (x, y) in out.iter().zip(want.iter()) {
                // same order of summation; only a fused multiply–add in matrixmultiply's kernel may differ
                assert!((x - y).abs() <= 1e-13 * (1.0 + y.abs()), "{m}×{k}×{n}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn every_build_rounds_alike() {
        // what runs here (AVX2 on most x86-64 machines) against the portable build wasm runs: bit for bit
        for &(m, k, n) in &[(8, 16, 32), (8, 32, 16), (5, 7, 13), (16, 16, 16)] {
            let (a, b) = (filled(m, k, 2.1), filled(k, n, 0.4));
            let (mut here, mut portable) = (vec![0.0; m * n], vec![0.0; m * n]);
            matmul_into(a.as_slice().unwrap(), b.as_slice().unwrap(), (m, k, n), &mut here);
            blocks_portable(a.as_slice().unwrap(), b.as_slice().unwrap(), (m, k, n), false, &mut portable);
            assert_eq!(here, portable, "{m}×{k}×{n}");
        }
    }

    #[test]
    fn symmetric_products_are_exact_mirrors() {
        for &(m, k) in &[(1, 1), (3, 5), (4, 4), (5, 9), (8, 16), (9, 3), (13, 13), (16, 16)] {
            let x = filled(m, k, 0.9);
            let xt = x.t().as_standard_layout().to_owned();
            let mut gram = vec![f64::NAN; m * m];
            symmetric_matmul_into(x.as_slice().unwrap(), xt.as_slice().unwrap(), (m, k), &mut gram);
            let mut full = vec![f64::NAN; m * m];
            matmul_into(x.as_slice().unwrap(), xt.as_slice().unwrap(), (m, k, m), &mut full);
            assert_eq!(gram, full, "x·xᵀ, {m}×{k}");
            let mut sq = vec![f64::NAN; m * m];
            symmetric_matmul_into(&gram, &gram, (m, m), &mut sq);
            matmul_into(&gram, &gram, (m, m, m), &mut full);
            assert_eq!(sq, full, "A·A, {m}×{m}");
        }
    }

    #[test]
    fn transposes() {
        let a = filled(3, 5, 0.0);
        let mut t = vec![0.0; 15];
        transpose_into(a.as_slice().unwrap(), (3, 5), &mut t);
        assert_eq!(t, a.t().iter().copied().collect::<Vec<_>>());
    }
}
