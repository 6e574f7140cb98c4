//! Objectives with exact value, gradient and (where it exists) Hessian.
//!
//! Parameters are a flat vector; matrix problems flatten their `rows × cols` weight row-major and say so
//! through [`Problem::shape`]. Stochastic problems add seeded mini-batches.

mod finite_sum;
mod landscapes;
mod matrix;
mod quadratic;

/// The spec types, so that callers build problems from typed values (`ProblemSpec::FlatSharp(FlatSharpSpec { … })`).
pub use finite_sum::FiniteSumSpec;
pub use finite_sum::{sample_indices_into, FiniteSum};
pub use landscapes::{Empty, FlatSharpSpec, PlateauSpec, RosenbrockSpec};
pub use landscapes::{FlatSharp, Plateau, Rosenbrock, Saddle, FLAT_CENTER, SHARP_CENTER};
pub use matrix::{rows_to_matrix, FastMatrixLeastSquares, MatrixLeastSquares};
pub use matrix::{MatrixSpec, RandomMatrixSpec};
pub use quadratic::Quadratic;
pub use quadratic::{ConditionedSpec, QuadraticSpec};

use crate::checks::{check_range, Problems, SpecError};
use ndarray::Array2;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Largest number of parameters a problem may have.
pub const MAX_PARAMS: usize = 65_536;
/// Largest number of parameters for which a Hessian is formed.
pub const MAX_HESSIAN_PARAMS: usize = 1024;

/// Estimated native nanoseconds of one call of each oracle of a problem (see [`ProblemSpec::cost`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProblemCost {
    pub value: f64,
    /// The full gradient.
    pub gradient: f64,
    /// A mini-batch gradient, for stochastic problems.
    pub batch_gradient: Option<f64>,
    pub hessian: f64,
}

/// An objective `f`.
pub trait Problem {
    /// `(rows, cols)` of the parameter; `(n, 1)` for a vector.
    fn shape(&self) -> (usize, usize);
    fn value(&self, x: &[f64]) -> f64;
    fn grad(&self, x: &[f64], out: &mut [f64]);
    /// Row-major Hessian, if the problem has one and it is small enough to form.
    fn hessian(&self, x: &[f64]) -> Option<Array2<f64>>;
    /// The minimum value `f*`, where it is known in closed form.
    fn minimum(&self) -> Option<f64> {
        None
    }
    /// A global smoothness constant `L` (largest Hessian eigenvalue), where one exists.
    fn smoothness(&self) -> Option<f64> {
        None
    }
    /// Draws the next mini-batch; `None` for a deterministic problem.
    fn sample_batch(&self, _rng: &mut ChaCha8Rng) -> Option<Vec<usize>> {
        None
    }
    /// The gradient on one mini-batch (the full gradient for a deterministic problem).
    fn batch_grad(&self, x: &[f64], _batch: &[usize], out: &mut [f64]) {
        self.grad(x, out)
    }
    fn dim(&self) -> usize {
        let (r, c) = self.shape();
        r * c
    }
}

/// Every problem, selected by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemSpec {
    /// `f = ½xᵀAx − bᵀx` with `A` symmetric positive definite.
    Quadratic(quadratic::QuadraticSpec),
    /// A 2-D quadratic by its condition number κ, its rotation (degrees) and its largest curvature.
    ConditionedQuadratic(quadratic::ConditionedSpec),
    /// `f = (a − x)² + b(y − x²)²`.
    Rosenbrock(landscapes::RosenbrockSpec),
    /// `f = x² − y²`.
    Saddle(landscapes::Empty),
    /// `f = 1 − exp(−‖x‖²/(2w²))`: almost no gradient far from the minimum.
    Plateau(landscapes::PlateauSpec),
    /// A sharp deep minimum and a flat shallower one in a weak bowl (the SAM chapter).
    FlatSharp(landscapes::FlatSharpSpec),
    /// `f(W) = ‖WX − Y‖²_F/(2n)` for given `X` (features × n) and `Y` (rows × n).
    MatrixLeastSquares(matrix::MatrixSpec),
    /// Matrix least squares on data generated from the seed with a chosen condition number.
    RandomMatrixLeastSquares(matrix::RandomMatrixSpec),
    /// Finite-sum least squares `f = (1/N)Σ ½(aᵢᵀx − yᵢ)²` with label noise σ and mini-batches of size B.
    FiniteSum(finite_sum::FiniteSumSpec),
}

/// The externally tagged twin that reads [`ProblemSpec`] with field paths (see [`crate::checks::tagged`]).
#[derive(Deserialize)]
#[serde(remote = "ProblemSpec", rename_all = "snake_case")]
enum ProblemSpecDe {
    Quadratic(quadratic::QuadraticSpec),
    ConditionedQuadratic(quadratic::ConditionedSpec),
    Rosenbrock(landscapes::RosenbrockSpec),
    Saddle(landscapes::Empty),
    Plateau(landscapes::PlateauSpec),
    FlatSharp(landscapes::FlatSharpSpec),
    MatrixLeastSquares(matrix::MatrixSpec),
    RandomMatrixLeastSquares(matrix::RandomMatrixSpec),
    FiniteSum(finite_sum::FiniteSumSpec),
}

impl crate::checks::tagged::ByKind for ProblemSpec {
    const WHAT: &'static str = "a problem";
    fn deserialize_enum<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ProblemSpecDe::deserialize(d)
    }
}

impl<'de> Deserialize<'de> for ProblemSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::checks::tagged::deserialize(d)
    }
}

impl ProblemSpec {
    /// The spec as compact JSON: a key that tells apart any two specs a chapter draws (their numbers are
    /// finite), for the web session's landscape images and the charts' fingerprints. (Not Debug text: the
    /// wasm then holds no Debug code for the problem specs; their JSON serialiser is there for "Copy spec".)
    pub fn key(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The 2-D quadratic with condition number `kappa`, rotated by `angle` degrees, largest curvature 1.
    pub fn conditioned(kappa: f64, angle: f64) -> Self {
        ProblemSpec::ConditionedQuadratic(ConditionedSpec { kappa, angle, l_max: 1.0 })
    }

    /// `f = ½xᵀAx − bᵀx` (validated by [`ProblemSpec::build`], not here).
    pub fn quadratic(a: Vec<Vec<f64>>, b: Vec<f64>) -> Self {
        ProblemSpec::Quadratic(QuadraticSpec { a, b })
    }

    /// Rosenbrock's function with the usual `a = 1`, `b = 100`.
    pub fn rosenbrock() -> Self {
        ProblemSpec::Rosenbrock(RosenbrockSpec::default())
    }

    /// `f = x² − y²`.
    pub fn saddle() -> Self {
        ProblemSpec::Saddle(Empty {})
    }

    /// The plateau of width `width`.
    pub fn plateau(width: f64) -> Self {
        ProblemSpec::Plateau(PlateauSpec { width })
    }

    /// Estimated native nanoseconds of the problem's oracles (one multiply-add ≈ 1 ns, a transcendental
    /// ≈ 20 ns), for the work estimate of `optlab run`. `dim` is the number of parameters.
    pub fn cost(&self, dim: usize) -> ProblemCost {
        let d = dim as f64;
        let small = ProblemCost { value: 50.0, gradient: 50.0, batch_gradient: None, hessian: 50.0 };
        let matrix = |rows: usize, features: usize, samples: usize| {
            let (r, f, n, gemm) = (rows as f64, features as f64, samples as f64, crate::optim::GEMM_NS);
            // W·X and (WX − Y)·Xᵀ as matrix products; the Hessian I ⊗ XXᵀ/n
            ProblemCost {
                value: gemm * r * f * n,
                gradient: gemm * 2.0 * r * f * n,
                batch_gradient: None,
                hessian: gemm * f * f * n + d * d,
            }
        };
        match self {
            ProblemSpec::Quadratic(_) => ProblemCost { value: d * d, gradient: d * d, batch_gradient: None, hessian: d * d },
            ProblemSpec::ConditionedQuadratic(_)
            | ProblemSpec::Rosenbrock(_)
            | ProblemSpec::Saddle(_)
            | ProblemSpec::Plateau(_)
            | ProblemSpec::FlatSharp(_) => small,
            ProblemSpec::MatrixLeastSquares(s) => matrix(s.y.len(), s.x.len(), s.x.first().map_or(0, |r| r.len())),
            ProblemSpec::RandomMatrixLeastSquares(s) => matrix(s.rows, s.features, s.samples),
            ProblemSpec::FiniteSum(s) => {
                // row by row dot products: about 0.5 ns per multiply-add (calibrated on a 20000×40 sum)
                let n = s.samples as f64;
                ProblemCost {
                    value: n * d,
                    gradient: n * d,
                    batch_gradient: (s.batch < s.samples).then_some(s.batch as f64 * d),
                    hessian: 0.5 * n * d * d,
                }
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ProblemSpec::Quadratic(_) => "quadratic",
            ProblemSpec::ConditionedQuadratic(_) => "conditioned_quadratic",
            ProblemSpec::Rosenbrock(_) => "rosenbrock",
            ProblemSpec::Saddle(_) => "saddle",
            ProblemSpec::Plateau(_) => "plateau",
            ProblemSpec::FlatSharp(_) => "flat_sharp",
            ProblemSpec::MatrixLeastSquares(_) => "matrix_least_squares",
            ProblemSpec::RandomMatrixLeastSquares(_) => "random_matrix_least_squares",
            ProblemSpec::FiniteSum(_) => "finite_sum",
        }
    }

    /// Validates and builds the problem; random data is drawn from `seed`.
    pub fn build(&self, seed: u64) -> Result<Box<dyn Problem>, SpecError> {
        let p = "problem";
        Ok(match self {
            ProblemSpec::Quadratic(s) => Box::new(s.build(p)?),
            ProblemSpec::ConditionedQuadratic(s) => Box::new(s.build(p)?),
            ProblemSpec::Rosenbrock(s) => {
                let mut pr = Problems::new();
                pr.check(check_range(p, "a", s.a, -1e3, 1e3));
                pr.check(check_range(p, "b", s.b, 0.0, 1e4));
                pr.finish()?;
                Box::new(Rosenbrock { a: s.a, b: s.b })
            }
            ProblemSpec::Saddle(_) => Box::new(Saddle),
            ProblemSpec::Plateau(s) => {
                check_range(p, "width", s.width, 1e-3, 1e3)?;
                Box::new(Plateau { width: s.width })
            }
            ProblemSpec::FlatSharp(s) => Box::new(s.build(p)?),
            ProblemSpec::MatrixLeastSquares(s) => Box::new(s.build(p)?),
            ProblemSpec::RandomMatrixLeastSquares(s) => Box::new(s.build(p, seed)?),
            ProblemSpec::FiniteSum(s) => Box::new(s.build(p, seed)?),
        })
    }

    /// Whether the parameter is a matrix (so `x0` is a list of rows).
    pub fn is_matrix(&self) -> bool {
        matches!(self, ProblemSpec::MatrixLeastSquares(_) | ProblemSpec::RandomMatrixLeastSquares(_))
    }
}

/// The data seed's own stream, so that data and mini-batches never share random numbers.
pub(crate) fn data_rng(seed: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    rng
}

/// The mini-batch stream for a run: every run of a spec sees the same batches.
pub fn batch_rng(seed: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(2);
    rng
}

#[cfg(test)]
mod constructor_tests {
    use super::ProblemSpec;
    use serde_json::json;

    fn read(v: serde_json::Value) -> ProblemSpec {
        serde_json::from_value(v).expect("valid problem json")
    }

    #[test]
    fn each_constructor_equals_its_json_form() {
        assert_eq!(
            ProblemSpec::conditioned(7.5, -30.0),
            read(json!({"kind": "conditioned_quadratic", "kappa": 7.5, "angle": -30.0, "l_max": 1.0}))
        );
        assert_eq!(ProblemSpec::rosenbrock(), read(json!({"kind": "rosenbrock"})));
        assert_eq!(ProblemSpec::saddle(), read(json!({"kind": "saddle"})));
        assert_eq!(ProblemSpec::plateau(1.0), read(json!({"kind": "plateau", "width": 1.0})));
        assert_eq!(ProblemSpec::FlatSharp(super::FlatSharpSpec::default()), read(json!({"kind": "flat_sharp"})));
        assert_eq!(
            ProblemSpec::FlatSharp(super::FlatSharpSpec {
                sharp_depth: 1.0,
                sharp_width: 0.3,
                flat_depth: 0.8,
                flat_width: 1.5,
                bowl: 0.0
            }),
            read(json!({"kind": "flat_sharp", "sharp_depth": 1.0, "sharp_width": 0.3, "flat_depth": 0.8, "flat_width": 1.5, "bowl": 0.0}))
        );
        assert_eq!(
            ProblemSpec::FiniteSum(super::FiniteSumSpec { samples: 256, dim: 2, noise: 0.5, batch: 8, kappa: 10.0 }),
            read(json!({"kind": "finite_sum", "samples": 256, "dim": 2, "noise": 0.5, "batch": 8, "kappa": 10.0}))
        );
        assert_eq!(
            ProblemSpec::RandomMatrixLeastSquares(super::RandomMatrixSpec {
                rows: 8,
                features: 16,
                samples: 64,
                kappa: 100.0,
                noise: 0.0,
                loss_scale: 2.5
            }),
            read(
                json!({"kind": "random_matrix_least_squares", "rows": 8, "features": 16, "samples": 64, "kappa": 100.0, "noise": 0.0, "loss_scale": 2.5})
            )
        );
        let (a, b) = (vec![vec![2.0, 0.5], vec![0.5, 1.0]], vec![1.0, -1.0]);
        assert_eq!(ProblemSpec::quadratic(a.clone(), b.clone()), read(json!({"kind": "quadratic", "a": a, "b": b})));
        assert!(serde_json::from_value::<ProblemSpec>(json!({"kind": "quadratic", "a": [[f64::NAN]], "b": [0.0]})).is_err());
    }
}
