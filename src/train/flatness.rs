//! The terms of SAM's flatness-based generalisation bound (the lecture's Theorem 2, eq. 16) for trained
//! weights θ, over a range of radii ρ:
//!
//! `L_D(θ) ≤ L_S(θ) + [max_{‖ε‖₂≤ρ} L_S(θ + ε) − L_S(θ)] + h(‖θ‖₂²/ρ²)`
//!
//! with `L_S` the mean training loss and `L_D` the loss on the data distribution, estimated here by the
//! mean loss on the held-out test split. The lecture leaves `h` unspecified ("a strictly increasing
//! function", decreasing in the sample size): nothing here evaluates it; its argument ‖θ‖²/ρ² is reported.
//!
//! **The maximum over the ball** is estimated, not solved: first SAM's own first-order point
//! `ε̂ = ρ∇L_S(θ)/‖∇L_S(θ)‖` (the lecture's eq. 18 with p = 2), then [`ASCENT_STEPS`] steps of projected
//! normalised gradient ascent on the sphere `‖ε‖ = ρ`, `ε ← ρ·(ε/ρ + ĝ)/‖ε/ρ + ĝ‖` with `ĝ` the unit
//! gradient at `θ + ε`, keeping the largest loss seen. Every point evaluated lies in the ball, so the
//! estimate is a *lower* bound of the true maximum (and so of the flatness term): where
//! `L_S + flatness estimate` already exceeds the test loss, the true `L_S + flatness` does too.

use serde::Serialize;

/// The radii ρ the terms are evaluated at (log-spaced; the SAM control's range 1e-3 … 1, and beyond).
pub const BOUND_RHOS: [f64; 8] = [1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0];
/// Projected gradient-ascent steps after SAM's first-order point, per radius.
pub const ASCENT_STEPS: usize = 4;

/// Full-batch loss-and-gradient evaluations one [`bound_terms`] call makes: one at θ, then per radius the
/// first-order point and each ascent step.
pub const fn gradient_evaluations(radii: usize) -> usize {
    1 + radii * (1 + ASCENT_STEPS)
}

/// The estimated terms at one radius.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BoundPoint {
    pub rho: f64,
    /// `L_S(θ + ε̂)` at SAM's first-order point.
    pub first_order: f64,
    /// The largest `L_S(θ + ε)` found (first-order point and ascent), a lower bound of the maximum.
    pub max_loss: f64,
    /// `max_loss − L_S(θ)`: the flatness term as estimated.
    pub flatness: f64,
    /// `‖θ‖²/ρ²`, the argument of the lecture's unspecified `h`.
    pub h_argument: f64,
}

/// The terms of the bound at every radius, for weights at one step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoundTerms {
    pub step: usize,
    /// `L_S(θ)`: the mean training loss.
    pub train_loss: f64,
    /// The mean loss on the held-out test split (the estimate of `L_D(θ)`), `None` without a test split.
    pub test_loss: Option<f64>,
    /// `‖θ‖₂²` over every parameter (weights and biases).
    pub theta_sq: f64,
    pub points: Vec<BoundPoint>,
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The terms of the bound for weights `theta` (see the module docs). `loss_grad(p, out)` returns the mean
/// training loss at `p` and writes its gradient into `out`; `test_loss` is the held-out loss at `theta`.
pub fn bound_terms(
    loss_grad: &mut dyn FnMut(&[f64], &mut [f64]) -> f64,
    theta: &[f64],
    test_loss: Option<f64>,
    step: usize,
    rhos: &[f64],
) -> BoundTerms {
    let n = theta.len();
    let mut g = vec![0.0; n];
    let train_loss = loss_grad(theta, &mut g);
    let theta_sq = theta.iter().map(|x| x * x).sum::<f64>();
    let g0 = norm(&g);
    let (mut p, mut gp, mut eps) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let points = rhos
        .iter()
        .map(|&rho| {
            // SAM's first-order point; with ∇L_S(θ) = 0 any direction is first-order optimal: take the first axis
            for (e, gi) in eps.iter_mut().zip(&g) {
                *e = if g0 > 0.0 { rho * gi / g0 } else { 0.0 };
            }
            if g0 == 0.0 && n > 0 {
                eps[0] = rho;
            }
            let mut first_order = f64::NAN;
            let mut best = f64::NEG_INFINITY;
            for k in 0..=ASCENT_STEPS {
                for ((pi, t), e) in p.iter_mut().zip(theta).zip(&eps) {
                    *pi = t + e;
                }
                let l = loss_grad(&p, &mut gp);
                if k == 0 {
                    first_order = l;
                }
                if l > best || best.is_nan() {
                    best = l;
                }
                let ng = norm(&gp);
                if k == ASCENT_STEPS || !(ng > 0.0 && ng.is_finite()) {
                    break;
                }
                // ε/ρ + ĝ, back onto the sphere of radius ρ
                for (e, gi) in eps.iter_mut().zip(&gp) {
                    *e = *e / rho + gi / ng;
                }
                let ne = norm(&eps);
                if !(ne > 0.0 && ne.is_finite()) {
                    break;
                }
                for e in eps.iter_mut() {
                    *e *= rho / ne;
                }
            }
            BoundPoint { rho, first_order, max_loss: best, flatness: best - train_loss, h_argument: theta_sq / (rho * rho) }
        })
        .collect();
    BoundTerms { step, train_loss, test_loss, theta_sq, points }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a quadratic ½θᵀAθ − bᵀθ the maximum over the ball is known to be near ρ·‖∇L‖ + ½ρ²λ_max for
    /// small ρ; the ascent finds at least the first-order value and never leaves the ball.
    #[test]
    fn quadratic_maximum_over_the_ball() {
        let a = [4.0, 1.0];
        let b = [1.0, 0.0];
        let mut f = |p: &[f64], out: &mut [f64]| {
            let mut v = 0.0;
            for i in 0..2 {
                out[i] = a[i] * p[i] - b[i];
                v += 0.5 * a[i] * p[i] * p[i] - b[i] * p[i];
            }
            v
        };
        // at the minimum θ = (0.25, 0): ∇L = 0, the maximum over the ball is ½·4·ρ² (along the first axis)
        let t = bound_terms(&mut f, &[0.25, 0.0], Some(0.0), 0, &[0.1, 1.0]);
        for pt in &t.points {
            assert!((pt.flatness - 2.0 * pt.rho * pt.rho).abs() < 1e-12, "{pt:?}");
            assert!((pt.h_argument - 0.0625 / (pt.rho * pt.rho)).abs() < 1e-12);
        }
        // away from it, at θ = (0, 1): the ascent turns ε from the gradient toward the sharp axis
        let t = bound_terms(&mut f, &[0.0, 1.0], None, 0, &[1.0]);
        let pt = t.points[0];
        assert!(pt.max_loss >= pt.first_order);
        // the true maximum of ½(4x² + (1+y)²) − x over x² + y² ≤ 1: brute force on the circle
        let truth = (0..100_000)
            .map(|i| {
                let th = i as f64 / 100_000.0 * std::f64::consts::TAU;
                let (x, y) = (th.cos(), 1.0 + th.sin());
                0.5 * (4.0 * x * x + y * y) - x
            })
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(pt.max_loss <= truth + 1e-12, "a lower bound of the maximum: {} vs {truth}", pt.max_loss);
        assert!(pt.max_loss > truth - 0.05 * truth.abs(), "4 ascent steps come within 5%: {} vs {truth}", pt.max_loss);
        assert!(pt.first_order < truth - 0.1, "the first-order point alone falls short here: {} vs {truth}", pt.first_order);
    }
}
