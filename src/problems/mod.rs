//! Objectives with exact value, gradient and (where it exists) Hessian.
//!
//! Parameters are a flat vector; matrix problems flatten their `rows × cols` weight row-major and say so
//! through [`Problem::shape`]. Stochastic problems add seeded mini-batches.

mod finite_sum;
mod landscapes;
mod matrix;
mod quadratic;

pub use finite_sum::{sample_indices_into, FiniteSum};
pub use landscapes::{FlatSharp, Plateau, Rosenbrock, Saddle};
pub use matrix::{rows_to_matrix, FastMatrixLeastSquares, MatrixLeastSquares};
pub use quadratic::Quadratic;

use crate::checks::{check_range, SpecError};
use ndarray::Array2;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Largest number of parameters a problem may have.
pub const MAX_PARAMS: usize = 65_536;
/// Largest number of parameters for which a Hessian is formed.
pub const MAX_HESSIAN_PARAMS: usize = 1024;

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

/// The chapters' problems, built as values rather than read from JSON (so that the wasm does not carry
/// the JSON reader for them); each equals what its JSON form reads to (`tests` below).
impl ProblemSpec {
    /// `{"kind": "conditioned_quadratic", "kappa", "angle", "l_max"}`.
    pub fn conditioned(kappa: f64, angle: f64, l_max: f64) -> ProblemSpec {
        ProblemSpec::ConditionedQuadratic(quadratic::ConditionedSpec { kappa, angle, l_max })
    }
    /// `{"kind": "rosenbrock"}` (a = 1, b = 100).
    pub fn rosenbrock() -> ProblemSpec {
        ProblemSpec::Rosenbrock(landscapes::RosenbrockSpec::default())
    }
    /// `{"kind": "saddle"}`.
    pub fn saddle() -> ProblemSpec {
        ProblemSpec::Saddle(landscapes::Empty {})
    }
    /// `{"kind": "plateau", "width"}`.
    pub fn plateau(width: f64) -> ProblemSpec {
        ProblemSpec::Plateau(landscapes::PlateauSpec { width })
    }
    /// `{"kind": "flat_sharp", …}`: `None` for the defaults.
    pub fn flat_sharp(f: Option<(f64, f64, f64, f64, f64)>) -> ProblemSpec {
        ProblemSpec::FlatSharp(match f {
            None => landscapes::FlatSharpSpec::default(),
            Some((sharp_depth, sharp_width, flat_depth, flat_width, bowl)) => {
                landscapes::FlatSharpSpec { sharp_depth, sharp_width, flat_depth, flat_width, bowl }
            }
        })
    }
    /// `{"kind": "finite_sum", "samples", "dim", "noise", "batch", "kappa"}`.
    pub fn finite_sum(samples: usize, dim: usize, noise: f64, batch: usize, kappa: f64) -> ProblemSpec {
        ProblemSpec::FiniteSum(finite_sum::FiniteSumSpec { samples, dim, noise, batch, kappa })
    }
    /// `{"kind": "random_matrix_least_squares", …}`.
    pub fn random_matrix(rows: usize, features: usize, samples: usize, kappa: f64, noise: f64, loss_scale: f64) -> ProblemSpec {
        ProblemSpec::RandomMatrixLeastSquares(matrix::RandomMatrixSpec { rows, features, samples, kappa, noise, loss_scale })
    }
    /// `{"kind": "quadratic", "a", "b"}`; `None` when a number is not finite (JSON has no such numbers, so
    /// that form could not be read either).
    pub fn quadratic(a: Vec<Vec<f64>>, b: Vec<f64>) -> Option<ProblemSpec> {
        let finite = a.iter().flatten().chain(&b).all(|v| v.is_finite());
        finite.then_some(ProblemSpec::Quadratic(quadratic::QuadraticSpec { a, b }))
    }
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
                check_range(p, "a", s.a, -1e3, 1e3)?;
                check_range(p, "b", s.b, 0.0, 1e4)?;
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
            ProblemSpec::conditioned(7.5, -30.0, 1.0),
            read(json!({"kind": "conditioned_quadratic", "kappa": 7.5, "angle": -30.0, "l_max": 1.0}))
        );
        assert_eq!(ProblemSpec::rosenbrock(), read(json!({"kind": "rosenbrock"})));
        assert_eq!(ProblemSpec::saddle(), read(json!({"kind": "saddle"})));
        assert_eq!(ProblemSpec::plateau(1.0), read(json!({"kind": "plateau", "width": 1.0})));
        assert_eq!(ProblemSpec::flat_sharp(None), read(json!({"kind": "flat_sharp"})));
        assert_eq!(
            ProblemSpec::flat_sharp(Some((1.0, 0.3, 0.8, 1.5, 0.0))),
            read(json!({"kind": "flat_sharp", "sharp_depth": 1.0, "sharp_width": 0.3, "flat_depth": 0.8, "flat_width": 1.5, "bowl": 0.0}))
        );
        assert_eq!(
            ProblemSpec::finite_sum(256, 2, 0.5, 8, 10.0),
            read(json!({"kind": "finite_sum", "samples": 256, "dim": 2, "noise": 0.5, "batch": 8, "kappa": 10.0}))
        );
        assert_eq!(
            ProblemSpec::random_matrix(8, 16, 64, 100.0, 0.0, 2.5),
            read(
                json!({"kind": "random_matrix_least_squares", "rows": 8, "features": 16, "samples": 64, "kappa": 100.0, "noise": 0.0, "loss_scale": 2.5})
            )
        );
        let (a, b) = (vec![vec![2.0, 0.5], vec![0.5, 1.0]], vec![1.0, -1.0]);
        assert_eq!(ProblemSpec::quadratic(a.clone(), b.clone()), Some(read(json!({"kind": "quadratic", "a": a, "b": b}))));
        assert_eq!(ProblemSpec::quadratic(vec![vec![f64::NAN]], vec![0.0]), None);
        assert!(serde_json::from_value::<ProblemSpec>(json!({"kind": "quadratic", "a": [[f64::NAN]], "b": [0.0]})).is_err());
    }
}
