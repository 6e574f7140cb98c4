//! The matrix sign function `msign(M) = U Vᵀ` (for `M = UΣVᵀ`) and its Newton–Schulz approximations.
//!
//! Newton–Schulz iterates an odd polynomial on the singular values: with `A = XXᵀ`,
//! `X ← aX + (bA + cA²)X`, i.e. `σ ← aσ + bσ³ + cσ⁵` for every singular value. It starts from
//! `X₀ = M/(‖M‖_F + ε)` so that all singular values lie in [0, 1], and works on `Mᵀ` when `M` has more rows
//! than columns so that `A` is the smaller Gram matrix (Keller Jordan's reference, in f64 here instead of
//! bfloat16).

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
pub fn newton_schulz(m: ArrayView2<f64>, (a, b, c): (f64, f64, f64), steps: usize, eps: f64) -> Array2<f64> {
    let tall = m.nrows() > m.ncols();
    let mut x = if tall { m.t().to_owned() } else { m.to_owned() };
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    x /= norm + eps;
    for _ in 0..steps {
        let gram = x.dot(&x.t());
        let poly = if c == 0.0 { &gram * b } else { &gram * b + gram.dot(&gram) * c };
        x = &x * a + poly.dot(&x);
    }
    if tall {
        x.reversed_axes()
    } else {
        x
    }
}

/// Exact `U_r V_rᵀ` over the singular values above `1e-12·σ_max` (Jacobi SVD, see [`super::svd`]).
pub fn msign_svd(m: ArrayView2<f64>) -> Array2<f64> {
    if m.is_empty() {
        return m.to_owned();
    }
    let d = super::svd::svd(m);
    let smax = d.s.first().copied().unwrap_or(0.0);
    let keep = d.s.iter().take_while(|&&s| s > smax * 1e-12 && s > 0.0).count();
    let (u, v) = (d.u.slice(ndarray::s![.., ..keep]), d.v.slice(ndarray::s![.., ..keep]));
    u.dot(&v.t())
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
