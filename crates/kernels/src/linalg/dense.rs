//! Products of dense row-major matrices, written into caller-owned buffers: one code for every size, every
//! target, natively and in the browser.
//!
//! Why not ndarray's `dot` (matrixmultiply): for the 8×16 matrices of the app's Muon runs its allocation and
//! packing per product cost far more than the arithmetic; in wasm it has a simd128 kernel for f32 only, so
//! its f64 products run a scalar fallback (Newton–Schulz ×5 at n = 256: 52 ms in V8 against 19 ms here);
//! and natively its AVX2 kernel fuses multiply and add, so native and browser results differed in the last
//! bit, which Muon's runs on ill-conditioned problems amplify over many steps.
//!
//! Every entry adds its products in the order `k = 0, 1, …` from zero, each product and each sum rounded
//! on its own (no fused multiply–add on any target), so all builds agree to the last bit: the portable
//! build (wasm simd128, two lanes), the same code compiled for AVX2 (four lanes) on x86-64 CPUs that have
//! it, and the two paths below. Products with at most [`SMALL`] multiply–adds read `b` in place, 4×8
//! output blocks at a time; larger ones copy `b` into panels first (see `packed_blocks`).
//!
//! The blocks are plain Rust that LLVM vectorises in the release builds, which use LTO: read the final
//! binary's code (objdump; wasm-dis), not this crate's own assembly, where they are still scalar. Written out
//! with explicit vectors (simd128, SSE2, AVX; tried 7 December 2026) they ran at the same speed.

use std::mem::MaybeUninit;

/// Products with at most this many multiply–adds (`m·k·n`, 32³: the Muon chapter's 8×16 and 16×16 matrices)
/// read `b` in place (the packed path took 8×16 Newton–Schulz from 1.6 to 2.1 µs natively); larger ones pack it.
pub const SMALL: usize = 32 * 32 * 32;

/// Whether products run the AVX2 build on x86-64 CPUs that have it (default on). The speed bench turns
/// it off to time, natively, the two-lane build the browser runs; the results are the same either way.
#[cfg(target_arch = "x86_64")]
pub static AVX2: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// `out = a·b` for row-major `a` (m×k), `b` (k×n) and `out` (m×n).
pub fn matmul_into(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize), out: &mut [f64]) {
    assert!(a.len() == m * k && b.len() == k * n && out.len() == m * n, "matmul_into: shapes do not match the buffers");
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
    if k == 0 {
        out.fill(0.0);
        return;
    }
    blocks(a, b, (m, k, m), true, out);
    let small = m * k * m <= SMALL;
    let m4 = m - m % 4;
    for r in 0..m {
        // the first column row r holds: in place, its 4-row block's diagonal (tail rows: r); packed, ⌊r/NR⌋·NR
        let from = match (small, r < m4) {
            (true, true) => r - r % 4,
            (true, false) => r,
            (false, _) => r - r % NR,
        };
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
    if AVX2.load(std::sync::atomic::Ordering::Relaxed) && std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { blocks_avx2(a, b, dims, upper, out) };
        return;
    }
    blocks_portable::<2>(a, b, dims, upper, out)
}

#[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
unsafe fn blocks_avx2(a: &[f64], b: &[f64], dims: (usize, usize, usize), upper: bool, out: &mut [f64]) {
    blocks_portable::<4>(a, b, dims, upper, out)
}

/// `MR`: the rows of a packed block, 2 for two-lane vectors, 4 for AVX2's four (see `packed_blocks`).
#[inline(always)]
fn blocks_portable<const MR: usize>(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize), upper: bool, out: &mut [f64]) {
    if m * k * n <= SMALL {
        small_blocks(a, b, (m, k, n), upper, out)
    } else {
        packed_blocks::<MR>(a, b, (m, k, n), upper, out)
    }
}

/// 4×8 output blocks held in registers (16 two-lane vectors in wasm simd128, where this shape was the
/// fastest tried: ~3.5 G multiply–adds/s against ~1.4 for the plain i-k-j loop), then narrower strips.
#[inline(always)]
fn small_blocks(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize), upper: bool, out: &mut [f64]) {
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
        block_in_place::<R, 8>(a, b, (k, n), (i, j), out);
    }
    if n4 > n8 {
        block_in_place::<R, 4>(a, b, (k, n), (i, n8), out);
    }
    for j in n4..n {
        block_in_place::<R, 1>(a, b, (k, n), (i, j), out);
    }
}

/// `out[i..i+R, j..j+C] = a[i..i+R, :]·b[:, j..j+C]`, each entry summed over `k` in order from zero.
#[inline(always)]
fn block_in_place<const R: usize, const C: usize>(a: &[f64], b: &[f64], (k, n): (usize, usize), (i, j): (usize, usize), out: &mut [f64]) {
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

/// Each `MR × NR` block of `out` is summed in registers over the rows of an `NR`-column panel of `b`:
/// 2 × 8 for two-lane vectors (8 of them; in wasm simd128 the fastest of 4×8, 2×8, 3×8, 6×4, 4×4, 2×12,
/// 1×16 and 2×6 in V8, 25 % faster than 4×8, which spills), 4 × 8 with AVX2 (8 four-lane vectors).
/// Each panel is first copied, `KC` rows at a time and zero-padded to `NR` columns, into a buffer on the
/// stack, so that the kernel reads it contiguously.
const NR: usize = 8;
const KC: usize = 256;

/// Panel by panel of `NR` columns: the rows of `out` each panel needs (all, or with `upper` the rows
/// `r < j + NR`, so that row `r` holds columns `⌊r/NR⌋·NR..`), `MR` at a time, then single rows.
#[inline(always)]
fn packed_blocks<const MR: usize>(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize), upper: bool, out: &mut [f64]) {
    // not zeroed: filling 16 KB per call would cost small products more than their arithmetic
    let mut panel = [MaybeUninit::<[f64; NR]>::uninit(); KC];
    for j in (0..n).step_by(NR) {
        let w = NR.min(n - j);
        let rows = if upper { m.min(j + NR) } else { m };
        let rows_mr = rows - rows % MR;
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            for (dst, kk) in panel.iter_mut().zip(k0..k0 + kc) {
                let row = &b[kk * n + j..kk * n + j + w];
                dst.write(std::array::from_fn(|c| row.get(c).copied().unwrap_or(0.0)));
            }
            // SAFETY: the first kc rows were written just above
            let packed: &[[f64; NR]] = unsafe { std::slice::from_raw_parts(panel.as_ptr().cast(), kc) };
            for i in (0..rows_mr).step_by(MR) {
                panel_block::<MR>(a, packed, (k, n), (i, j, k0, w), out);
            }
            for i in rows_mr..rows {
                panel_block::<1>(a, packed, (k, n), (i, j, k0, w), out);
            }
        }
    }
}

/// `out[i..i+R, j..j+w] (+)= a[i..i+R, k0..k0+kc]·packed` (`kc` packed rows): from zero when `k0 = 0`,
/// else continuing the sums already in `out`, so every entry adds its products in the order `k = 0, 1, …`.
#[inline(always)]
fn panel_block<const R: usize>(
    a: &[f64],
    packed: &[[f64; NR]],
    (k, n): (usize, usize),
    (i, j, k0, w): (usize, usize, usize, usize),
    out: &mut [f64],
) {
    let kc = packed.len();
    let rows: [&[f64]; R] = std::array::from_fn(|r| &a[(i + r) * k + k0..(i + r) * k + k0 + kc]);
    let mut acc = [[0.0f64; NR]; R];
    if k0 > 0 {
        for r in 0..R {
            acc[r][..w].copy_from_slice(&out[(i + r) * n + j..(i + r) * n + j + w]);
        }
    }
    for kk in 0..kc {
        let bk = &packed[kk];
        for r in 0..R {
            let ar = rows[r][kk];
            for c in 0..NR {
                acc[r][c] += ar * bk[c];
            }
        }
    }
    for r in 0..R {
        // (a copy of constant length compiles to stores, one of variable length to a call)
        let dst = &mut out[(i + r) * n + j..(i + r) * n + j + w];
        match <&mut [f64; NR]>::try_from(&mut *dst) {
            Ok(full) => *full = acc[r],
            Err(_) => dst.copy_from_slice(&acc[r][..w]),
        }
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
        let shapes =
            [(1, 1, 1), (3, 5, 2), (8, 16, 8), (8, 8, 16), (16, 16, 16), (1, 7, 64), (65, 64, 65), (0, 3, 4), (3, 0, 4), (67, 300, 13)];
        for &(m, k, n) in &shapes {
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
    fn every_build_and_path_rounds_alike() {
        // what runs here (AVX2 on most x86-64 machines) against the portable build wasm runs, and the packed
        // path against the in-place one (each on the shapes the other would not take): bit for bit
        for &(m, k, n) in &[(8, 16, 32), (8, 32, 16), (5, 7, 13), (16, 16, 16), (66, 64, 65), (7, 300, 131), (129, 70, 30)] {
            let (a, b) = (filled(m, k, 2.1), filled(k, n, 0.4));
            let (a, b) = (a.as_slice().unwrap(), b.as_slice().unwrap());
            let (mut here, mut portable, mut small, mut packed) = (vec![0.0; m * n], vec![0.0; m * n], vec![0.0; m * n], vec![0.0; m * n]);
            matmul_into(a, b, (m, k, n), &mut here);
            blocks_portable::<2>(a, b, (m, k, n), false, &mut portable);
            small_blocks(a, b, (m, k, n), false, &mut small);
            packed_blocks::<4>(a, b, (m, k, n), false, &mut packed);
            assert_eq!(here, portable, "{m}×{k}×{n}");
            assert_eq!(here, small, "{m}×{k}×{n}");
            assert_eq!(here, packed, "{m}×{k}×{n}");
        }
    }

    #[test]
    fn symmetric_products_are_exact_mirrors() {
        // small ones read b in place, from (66, 64) on b is packed; k = 300 spans two packed row chunks
        for &(m, k) in &[(1, 1), (3, 5), (4, 4), (5, 9), (8, 16), (9, 3), (13, 13), (16, 16), (66, 64), (67, 300), (9, 4000)] {
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
