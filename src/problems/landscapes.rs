//! 2-D landscapes of the lecture's "why SGD struggles" slides.

use super::Problem;
use crate::checks::{check_range, Problems, SpecError};
use ndarray::{arr2, Array2};
use serde::{Deserialize, Serialize};

/// No fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Rosenbrock's banana valley `f = (a − x)² + b(y − x²)²`, minimum 0 at `(a, a²)`.
pub struct Rosenbrock {
    pub a: f64,
    pub b: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RosenbrockSpec {
    pub a: f64,
    pub b: f64,
}

impl Default for RosenbrockSpec {
    fn default() -> Self {
        RosenbrockSpec { a: 1.0, b: 100.0 }
    }
}

impl Problem for Rosenbrock {
    fn shape(&self) -> (usize, usize) {
        (2, 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        let (u, v) = (x[0], x[1]);
        (self.a - u).powi(2) + self.b * (v - u * u).powi(2)
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        let (u, v) = (x[0], x[1]);
        out[0] = -2.0 * (self.a - u) - 4.0 * self.b * u * (v - u * u);
        out[1] = 2.0 * self.b * (v - u * u);
    }
    fn hessian(&self, x: &[f64]) -> Option<Array2<f64>> {
        let (u, v) = (x[0], x[1]);
        let hxy = -4.0 * self.b * u;
        Some(arr2(&[[2.0 - 4.0 * self.b * (v - 3.0 * u * u), hxy], [hxy, 2.0 * self.b]]))
    }
    fn minimum(&self) -> Option<f64> {
        Some(0.0)
    }
}

/// The saddle `f = x² − y²`: a stationary point at 0 that is not a minimum; unbounded below along y.
pub struct Saddle;

impl Problem for Saddle {
    fn shape(&self) -> (usize, usize) {
        (2, 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0] * x[0] - x[1] * x[1]
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        out[0] = 2.0 * x[0];
        out[1] = -2.0 * x[1];
    }
    fn hessian(&self, _x: &[f64]) -> Option<Array2<f64>> {
        Some(arr2(&[[2.0, 0.0], [0.0, -2.0]]))
    }
    fn smoothness(&self) -> Option<f64> {
        Some(2.0)
    }
}

/// A plateau: `f = 1 − exp(−‖x‖²/(2w²))`, minimum 0 at the origin, gradient ≈ 0 a few widths away.
pub struct Plateau {
    pub width: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlateauSpec {
    pub width: f64,
}

impl Default for PlateauSpec {
    fn default() -> Self {
        PlateauSpec { width: 1.0 }
    }
}

/// `d·exp(−‖x − c‖²/(2s²))` and its derivatives: the building block of the plateau and the two minima.
fn bump(x: &[f64], c: [f64; 2], s: f64, d: f64) -> (f64, [f64; 2], [[f64; 2]; 2]) {
    let r = [x[0] - c[0], x[1] - c[1]];
    let s2 = s * s;
    let e = d * (-(r[0] * r[0] + r[1] * r[1]) / (2.0 * s2)).exp();
    let g = [-e * r[0] / s2, -e * r[1] / s2];
    let mut h = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            h[i][j] = e / s2 * (r[i] * r[j] / s2 - if i == j { 1.0 } else { 0.0 });
        }
    }
    (e, g, h)
}

impl Problem for Plateau {
    fn shape(&self) -> (usize, usize) {
        (2, 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        1.0 - bump(x, [0.0, 0.0], self.width, 1.0).0
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        let (_, g, _) = bump(x, [0.0, 0.0], self.width, 1.0);
        out[0] = -g[0];
        out[1] = -g[1];
    }
    fn hessian(&self, x: &[f64]) -> Option<Array2<f64>> {
        let (_, _, h) = bump(x, [0.0, 0.0], self.width, 1.0);
        Some(arr2(&[[-h[0][0], -h[0][1]], [-h[1][0], -h[1][1]]]))
    }
    fn minimum(&self) -> Option<f64> {
        Some(0.0)
    }
    fn smoothness(&self) -> Option<f64> {
        Some(1.0 / (self.width * self.width))
    }
}

/// Two minima in a weak bowl `bowl·‖x‖²`: a sharp, deeper one at `(−1, 0)` and a flat, shallower one at
/// `(1.5, 0)`, each a Gaussian well of given depth and width. Curvature at the bottom ≈ depth/width².
pub struct FlatSharp {
    pub sharp: (f64, f64),
    pub flat: (f64, f64),
    pub bowl: f64,
}

pub const SHARP_CENTER: [f64; 2] = [-1.0, 0.0];
pub const FLAT_CENTER: [f64; 2] = [1.5, 0.0];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlatSharpSpec {
    pub sharp_depth: f64,
    pub sharp_width: f64,
    pub flat_depth: f64,
    pub flat_width: f64,
    pub bowl: f64,
}

impl Default for FlatSharpSpec {
    fn default() -> Self {
        FlatSharpSpec { sharp_depth: 1.0, sharp_width: 0.15, flat_depth: 0.8, flat_width: 0.7, bowl: 0.05 }
    }
}

impl FlatSharpSpec {
    pub fn build(&self, path: &str) -> Result<FlatSharp, SpecError> {
        let mut pr = Problems::new();
        pr.check(check_range(path, "sharp_depth", self.sharp_depth, 0.0, 100.0));
        pr.check(check_range(path, "sharp_width", self.sharp_width, 0.01, 10.0));
        pr.check(check_range(path, "flat_depth", self.flat_depth, 0.0, 100.0));
        pr.check(check_range(path, "flat_width", self.flat_width, 0.01, 10.0));
        pr.check(check_range(path, "bowl", self.bowl, 0.0, 10.0));
        pr.finish()?;
        Ok(FlatSharp { sharp: (self.sharp_depth, self.sharp_width), flat: (self.flat_depth, self.flat_width), bowl: self.bowl })
    }
}

impl FlatSharp {
    fn wells(&self, x: &[f64]) -> [(f64, [f64; 2], [[f64; 2]; 2]); 2] {
        [bump(x, SHARP_CENTER, self.sharp.1, self.sharp.0), bump(x, FLAT_CENTER, self.flat.1, self.flat.0)]
    }
}

impl Problem for FlatSharp {
    fn shape(&self) -> (usize, usize) {
        (2, 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        self.bowl * (x[0] * x[0] + x[1] * x[1]) - self.wells(x).iter().map(|w| w.0).sum::<f64>()
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        let w = self.wells(x);
        for i in 0..2 {
            out[i] = 2.0 * self.bowl * x[i] - w[0].1[i] - w[1].1[i];
        }
    }
    fn hessian(&self, x: &[f64]) -> Option<Array2<f64>> {
        let w = self.wells(x);
        Some(Array2::from_shape_fn((2, 2), |(i, j)| (if i == j { 2.0 * self.bowl } else { 0.0 }) - w[0].2[i][j] - w[1].2[i][j]))
    }
}
