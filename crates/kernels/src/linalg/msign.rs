//! The matrix sign function `msign(M) = U Vᵀ` (for `M = UΣVᵀ`) and its Newton–Schulz approximations.
//!
//! Newton–Schulz iterates an odd polynomial on the singular values: with `A = XXᵀ`,
//! `X ← aX + (bA + cA²)X`, i.e. `σ ← aσ + bσ³ + cσ⁵` for every singular value. It starts from
//! `X₀ = M/(‖M‖_F + ε)` so that all singular values lie in [0, 1], and works on `Mᵀ` when `M` has more rows
//! than columns so that `A` is the smaller Gram matrix (Keller Jordan's reference, in f64 here instead of
//! bfloat16).

use super::dense;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// The coefficient sets of the lecture and of Muon's reference, and the exact SVD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NsVariant {
    /// Keller Jordan's tuned quintic (3.4445, −4.7750, 2.0315): fast, but leaves σ in a band around 1.
    KellerQuintic,
    /// The lecture's quintic (15/8, −5/4, 3/8): converges to exactly 1, slowly for small σ.
    LectureQuintic,
    /// The classical cubic (3/2, −1/2, 0).
    Cubic,
    /// Exact `U Vᵀ` by SVD (singular values below a relative 1e-12 count as zero).
    Svd,
}

impl NsVariant {
    pub const ALL: [NsVariant; 4] = [NsVariant::KellerQuintic, NsVariant::LectureQuintic, NsVariant::Cubic, NsVariant::Svd];

    /// `(a, b, c)` of `σ ↦ aσ + bσ³ + cσ⁵`; `None` for the exact SVD.
    pub fn coefficients(self) -> Option<(f64, f64, f64)> {
        match self {
            NsVariant::KellerQuintic => Some((3.4445, -4.7750, 2.0315)),
            NsVariant::LectureQuintic => Some((15.0 / 8.0, -5.0 / 4.0, 3.0 / 8.0)),
            NsVariant::Cubic => Some((1.5, -0.5, 0.0)),
            NsVariant::Svd => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NsVariant::KellerQuintic => "keller_quintic",
            NsVariant::LectureQuintic => "lecture_quintic",
            NsVariant::Cubic => "cubic",
            NsVariant::Svd => "svd",
        }
    }

    pub fn parse(s: &str) -> Option<NsVariant> {
        NsVariant::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// `msign(m)` by `variant` (`steps` Newton–Schulz iterations; ignored for the SVD).
pub fn msign(m: ArrayView2<f64>, variant: NsVariant, steps: usize, eps: f64) -> Array2<f64> {
    match variant.coefficients() {
        None => msign_svd(m),
        Some(abc) => newton_schulz(m, abc, steps, eps),
    }
}

/// Newton–Schulz with coefficients `(a, b, c)`.
pub fn newton_schulz(m: ArrayView2<f64>, abc: (f64, f64, f64), steps: usize, eps: f64) -> Array2<f64> {
    let mut u: Vec<f64> = m.iter().copied().collect();
    newton_schulz_in_place(&mut u, m.dim(), abc, steps, eps);
    Array2::from_shape_vec(m.dim(), u).expect("the input's shape")
}

/// [`newton_schulz`] on a `rows × cols` matrix stored row-major in `u`, overwritten with the result.
///
/// Arithmetic is the textbook form, operation for operation: `X ← M/(‖M‖_F + ε)` (on `Mᵀ` when tall), then
/// per step `A = XXᵀ`, `P = bA + cA²` (`bA` when c = 0), `X ← aX + PX`. All scratch space is one
/// allocation per call and the products are [`super::dense`]'s (the symmetric `A` and `A²` by halves):
/// for the small matrices of the app, allocating and packing per product cost more than the arithmetic.
pub fn newton_schulz_in_place(u: &mut [f64], (rows, cols): (usize, usize), (a, b, c): (f64, f64, f64), steps: usize, eps: f64) {
    assert_eq!(u.len(), rows * cols, "newton_schulz: buffer and shape disagree");
    let tall = rows > cols;
    // X is p × q with p ≤ q, so that A = XXᵀ is the smaller Gram matrix
    let (p, q) = if tall { (cols, rows) } else { (rows, cols) };
    let mut buf = vec![0.0; 3 * p * q + 3 * p * p];
    let (x, rest) = buf.split_at_mut(p * q);
    let (xt, rest) = rest.split_at_mut(p * q);
    let (px, rest) = rest.split_at_mut(p * q);
    let (gram, rest) = rest.split_at_mut(p * p);
    let (gram2, poly) = rest.split_at_mut(p * p);
    if tall {
        dense::transpose_into(u, (rows, cols), x);
    } else {
        x.copy_from_slice(u);
    }
    // X₀ = M/(‖M‖_F + ε). Entries beyond ~1e150 (or below ~1e-150) would overflow (underflow) the squares of
    // the norm: such a matrix is first divided by its largest entry m, and X₀ = (M/m)/(‖M/m‖_F + ε/m), the
    // same matrix. In the usual range the arithmetic is the textbook one, operation for operation.
    let m = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let eps = if m > 0.0 && m.is_finite() && !(1e-150..=1e150).contains(&m) {
        for v in x.iter_mut() {
            *v /= m;
        }
        eps / m
    } else {
        eps
    };
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let scale = norm + eps;
    for v in x.iter_mut() {
        *v /= scale;
    }
    for _ in 0..steps {
        dense::transpose_into(x, (p, q), xt);
        dense::symmetric_matmul_into(x, xt, (p, q), gram);
        if c == 0.0 {
            for (pv, g) in poly.iter_mut().zip(gram.iter()) {
                *pv = g * b;
            }
        } else {
            dense::symmetric_matmul_into(gram, gram, (p, p), gram2);
            for ((pv, g), g2) in poly.iter_mut().zip(gram.iter()).zip(gram2.iter()) {
                *pv = g * b + g2 * c;
            }
        }
        dense::matmul_into(poly, x, (p, p, q), px);
        for (xv, pxv) in x.iter_mut().zip(px.iter()) {
            *xv = *xv * a + pxv;
        }
    }
    if tall {
        dense::transpose_into(x, (p, q), u);
    } else {
        u.copy_from_slice(x);
    }
}

/// Exact `U_r V_rᵀ` over the singular values above `1e-12·σ_max` (Jacobi SVD, see [`super::svd`]).
pub fn msign_svd(m: ArrayView2<f64>) -> Array2<f64> {
    if m.is_empty() {
        return m.to_owned();
    }
    // msign(M) = msign(M/c): a matrix whose entries would overflow (underflow) the SVD's products is scaled
    // by its largest entry first
    let big = m.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if big > 0.0 && big.is_finite() && !(1e-150..=1e150).contains(&big) {
        return msign_svd((&m / big).view());
    }
    let d = super::svd::svd(m);
    let smax = d.s.first().copied().unwrap_or(0.0);
    let keep = d.s.iter().take_while(|&&s| s > smax * 1e-12 && s > 0.0).count();
    let (rows, cols) = m.dim();
    let u: Vec<f64> = d.u.slice(ndarray::s![.., ..keep]).iter().copied().collect();
    let vt: Vec<f64> = d.v.slice(ndarray::s![.., ..keep]).t().iter().copied().collect();
    let mut out = vec![0.0; rows * cols];
    dense::matmul_into(&u, &vt, (rows, keep, cols), &mut out);
    Array2::from_shape_vec((rows, cols), out).expect("rows × cols")
}

/// The scalar map `p_k(σ)`: what `steps` iterations do to one singular value σ of the normalised input.
pub fn scalar_map(variant: NsVariant, steps: usize, sigma: f64) -> f64 {
    match variant.coefficients() {
        None => {
            if sigma > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Some((a, b, c)) => (0..steps).fold(sigma, |s, _| {
            let s2 = s * s;
            s * (a + s2 * (b + c * s2))
        }),
    }
}
