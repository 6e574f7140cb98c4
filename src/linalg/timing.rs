//! The kernels the speed bench times in the browser and natively on the same inputs (`tests/e2e/bench.mjs`
//! calls the wasm export `bench_kernel_ms`, `examples/kernel_times.rs` the same functions natively), so
//! that "Newton–Schulz in the browser within 2× of native" compares one code on one matrix.
//! No clock here: callers time [`run`].

use super::msign::{newton_schulz, NsVariant};
use super::svd::svd;
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A seeded n × n Gaussian matrix (the same in wasm and natively).
pub fn input(n: usize) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
    Array2::from_shape_fn((n, n), |_| StandardNormal.sample(&mut rng))
}

/// Runs kernel `kind` on `m` once: "ns5" (Keller Jordan's quintic, 5 Newton–Schulz steps, as Muon does)
/// or "svd" (the exact SVD). Returns a number that depends on the whole result, so no work is skipped;
/// `None` for an unknown kind.
pub fn run(kind: &str, m: &Array2<f64>) -> Option<f64> {
    match kind {
        "ns5" => {
            let abc = NsVariant::KellerQuintic.coefficients()?;
            Some(newton_schulz(m.view(), abc, 5, 1e-7).sum())
        }
        "svd" => Some(svd(m.view()).s.iter().sum()),
        _ => None,
    }
}

/// A seeded `rows × cols` Gaussian matrix (the same in wasm and natively).
pub fn input_shape(rows: usize, cols: usize) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(((rows as u64) << 32) ^ cols as u64);
    Array2::from_shape_fn((rows, cols), |_| StandardNormal.sample(&mut rng))
}

/// msign of `m` once by `steps` Newton–Schulz steps of `variant` (`svd: false`), or by the exact SVD
/// (`svd: true`, all of `U`, `Σ`, `V` as msign needs them). Returns a number that depends on the whole
/// result, so no work is skipped.
pub fn msign_once(m: &Array2<f64>, variant: super::msign::NsVariant, steps: usize, svd: bool) -> f64 {
    if svd {
        super::msign::msign(m.view(), super::msign::NsVariant::Svd, 0, 1e-7).sum()
    } else {
        super::msign::msign(m.view(), variant, steps, 1e-7).sum()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kernels_run_and_unknown_kinds_are_refused() {
        let m = super::input(16);
        // the singular values of a 16 × 16 Gaussian sum to something positive; NS output is finite
        assert!(super::run("svd", &m).is_some_and(|s| s > 0.0));
        assert!(super::run("ns5", &m).is_some_and(f64::is_finite));
        assert_eq!(super::run("lu", &m), None);
        assert_eq!(super::input(16), m, "seeded");
    }
}
