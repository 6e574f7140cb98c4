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

/// Median milliseconds per run of kernel `kind` (see [`run`]) on the seeded n × n matrix: `samples`
/// samples, each a batch of runs timed together, the batch doubled until it takes ≥ 2 ms (this calibration
/// is also the warm-up), since the browser's clock steps by 0.1 ms on a page that is not cross-origin
/// isolated. `now` is the caller's clock in ms (the core has none). `None` for an unknown kind.
pub fn median_ms(kind: &str, n: usize, samples: usize, mut now: impl FnMut() -> f64) -> Option<f64> {
    let m = input(n);
    let mut batch = |runs: usize| -> Option<f64> {
        let t0 = now();
        for _ in 0..runs {
            std::hint::black_box(run(kind, std::hint::black_box(&m))?);
        }
        Some(now() - t0)
    };
    let mut runs = 1;
    while batch(runs)? < 2.0 && runs < 1 << 16 {
        runs *= 2;
    }
    let mut t = (0..samples.max(1)).map(|_| Some(batch(runs)? / runs as f64)).collect::<Option<Vec<f64>>>()?;
    super::sort_f64(&mut t);
    Some(t[t.len() / 2])
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
        // reading i of this clock says i² ms, so batch j (readings 2j, 2j + 1) lasts 4j + 1 ms: the first
        // (one run, 1 ms) is too short, the second (two runs, 5 ms) is long enough; then three samples of
        // two runs, 9, 13 and 17 ms: median 13 / 2
        let mut i = -1.0f64;
        let clock = || {
            i += 1.0;
            i * i
        };
        assert_eq!(super::median_ms("ns5", 4, 3, clock), Some(6.5));
        assert_eq!(super::median_ms("lu", 4, 3, || 0.0), None);
    }
}
