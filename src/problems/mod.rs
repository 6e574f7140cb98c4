//! Objectives with exact value, gradient and (where it exists) Hessian.
//!
//! Parameters are a flat vector; matrix problems flatten their `rows × cols` weight row-major and say so
//! through [`Problem::shape`]. Stochastic problems add seeded mini-batches.

mod finite_sum;
mod landscapes;
mod matrix;
mod quadratic;

pub use finite_sum::{sample_indices_into, FiniteSum};
pub use landscapes::{FlatSharp, Plateau, Rosenbrock, Saddle, FLAT_CENTER, SHARP_CENTER};
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
