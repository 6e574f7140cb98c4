use super::{Problem, MAX_HESSIAN_PARAMS};
use crate::checks::{check_range, Problems, SpecError};
use crate::linalg::{solve, symmetric_eigenvalues, to_na};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// `f(x) = ½xᵀAx − bᵀx`, `∇f = Ax − b`, `H = A`; minimum at `A⁻¹b`.
#[derive(Clone, Debug)]
pub struct Quadratic {
    pub a: Array2<f64>,
    pub b: Array1<f64>,
    f_star: f64,
    l: f64,
    mu: f64,
}

impl Quadratic {
    /// Builds from a symmetric positive definite `a` (checked by the caller through the spec).
    pub fn new(a: Array2<f64>, b: Array1<f64>) -> Option<Self> {
        let eig = symmetric_eigenvalues(a.view());
        let (l, mu) = (*eig.first()?, *eig.last()?);
        let x_star = solve(a.view(), b.as_slice()?)?;
        let f_star = -0.5 * b.iter().zip(&x_star).map(|(bi, xi)| bi * xi).sum::<f64>();
        Some(Quadratic { a, b, f_star, l, mu })
    }

    /// Largest and smallest curvature.
    pub fn curvatures(&self) -> (f64, f64) {
        (self.l, self.mu)
    }
}

impl Problem for Quadratic {
    fn shape(&self) -> (usize, usize) {
        (self.b.len(), 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        let n = x.len();
        let mut v = 0.0;
        for i in 0..n {
            let mut ax = 0.0;
            for j in 0..n {
                ax += self.a[[i, j]] * x[j];
            }
            v += x[i] * (0.5 * ax - self.b[i]);
        }
        v
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        let n = x.len();
        for i in 0..n {
            let mut ax = 0.0;
            for j in 0..n {
                ax += self.a[[i, j]] * x[j];
            }
            out[i] = ax - self.b[i];
        }
    }
    fn hessian(&self, _x: &[f64]) -> Option<Array2<f64>> {
        (self.b.len() <= MAX_HESSIAN_PARAMS).then(|| self.a.clone())
    }
    fn minimum(&self) -> Option<f64> {
        Some(self.f_star)
    }
    fn smoothness(&self) -> Option<f64> {
        Some(self.l)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuadraticSpec {
    pub a: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl QuadraticSpec {
    pub fn build(&self, path: &str) -> Result<Quadratic, SpecError> {
        let n = self.b.len();
        if n == 0 || n > MAX_HESSIAN_PARAMS {
            return Err(SpecError::new(format!("{path}.b"), format!("must have 1 to {MAX_HESSIAN_PARAMS} entries, got {n}")));
        }
        if self.a.len() != n {
            return Err(SpecError::new(format!("{path}.a"), format!("must have {n} rows (the length of b), got {}", self.a.len())));
        }
        let mut a = Array2::zeros((n, n));
        for (i, row) in self.a.iter().enumerate() {
            if row.len() != n {
                return Err(SpecError::new(format!("{path}.a[{i}]"), format!("must have {n} entries, got {}", row.len())));
            }
            for (j, v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(SpecError::new(format!("{path}.a[{i}][{j}]"), "must be a finite number"));
                }
                a[[i, j]] = *v;
            }
        }
        for (i, v) in self.b.iter().enumerate() {
            if !v.is_finite() {
                return Err(SpecError::new(format!("{path}.b[{i}]"), "must be a finite number"));
            }
        }
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        for i in 0..n {
            for j in 0..i {
                if (a[[i, j]] - a[[j, i]]).abs() > 1e-12 * scale {
                    return Err(SpecError::new(
                        format!("{path}.a"),
                        format!("must be symmetric, but a[{i}][{j}] = {} and a[{j}][{i}] = {}", a[[i, j]], a[[j, i]]),
                    ));
                }
            }
        }
        if to_na(a.view()).cholesky().is_none() {
            return Err(SpecError::new(format!("{path}.a"), "must be positive definite (all eigenvalues > 0)"));
        }
        Quadratic::new(a, Array1::from(self.b.clone()))
            .ok_or_else(|| SpecError::new(format!("{path}.a"), "is too badly conditioned to solve"))
    }
}

/// A 2-D quadratic with eigenvalues `l_max` and `l_max/kappa`, rotated by `angle` degrees, minimum 0 at 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConditionedSpec {
    pub kappa: f64,
    pub angle: f64,
    pub l_max: f64,
}

impl Default for ConditionedSpec {
    fn default() -> Self {
        ConditionedSpec { kappa: 10.0, angle: 0.0, l_max: 1.0 }
    }
}

impl ConditionedSpec {
    pub fn build(&self, path: &str) -> Result<Quadratic, SpecError> {
        let mut pr = Problems::new();
        pr.check(check_range(path, "kappa", self.kappa, 1.0, 1e6));
        pr.check(check_range(path, "angle", self.angle, -360.0, 360.0));
        pr.check(check_range(path, "l_max", self.l_max, 1e-6, 1e6));
        pr.finish()?;
        let (s, c) = self.angle.to_radians().sin_cos();
        let (l1, l2) = (self.l_max, self.l_max / self.kappa);
        let a = ndarray::arr2(&[[c * c * l1 + s * s * l2, c * s * (l1 - l2)], [c * s * (l1 - l2), s * s * l1 + c * c * l2]]);
        Quadratic::new(a, Array1::zeros(2)).ok_or_else(|| SpecError::new(path, "could not build this quadratic"))
    }
}
