//! Measured vs theoretical behaviour: linear rates, the heavy-ball rate map, sharpness, and the terms of
//! the mini-batch SGD theorem.

/// Least-squares slope of `ln(f_t − f*)` over the steps where the gap is above `floor`, as a per-step
/// factor `ρ = exp(slope)` (so `f_t − f* ≈ C·ρᵗ`). `None` with fewer than 3 usable points.
pub fn fit_linear_rate(loss: &[f64], f_star: f64, floor: f64) -> Option<f64> {
    let pts: Vec<(f64, f64)> = loss
        .iter()
        .enumerate()
        .filter_map(|(t, f)| {
            let gap = f - f_star;
            (gap > floor && gap.is_finite()).then(|| (t as f64, gap.ln()))
        })
        .collect();
    if pts.len() < 3 {
        return None;
    }
    let n = pts.len() as f64;
    let (sx, sy) = pts.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (sxy, sxx) = pts.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + (x - mx) * (y - my), b + (x - mx) * (x - mx)));
    (sxx > 0.0).then(|| (sxy / sxx).exp())
}

/// [`fit_linear_rate`] over the end of a run: the last third of the steps up to the last one whose gap is
/// above `floor`, as `(ρ, first step, last step)`. Over a whole run the fit mixes phases: a start on a plateau,
/// or a run that levels off (noise, or SAM resting beside its minimum) beside a fast descent; at the end it
/// reads the run's own last behaviour (below 1 still converging, about 1 levelled off, above 1 growing).
pub fn end_rate(loss: &[f64], f_star: f64, floor: f64) -> Option<(f64, usize, usize)> {
    let ok = |t: usize| loss[t] - f_star > floor && (loss[t] - f_star).is_finite();
    let last = (0..loss.len()).rev().find(|&t| ok(t))?;
    let first = (last - last / 3).min(last.saturating_sub(2));
    fit_linear_rate(&loss[first..=last], f_star, floor).map(|r| (r, first, last))
}

/// First step `t` with `f_t − f* ≤ tol`.
pub fn steps_to_tolerance(loss: &[f64], f_star: f64, tol: f64) -> Option<usize> {
    loss.iter().position(|f| f - f_star <= tol)
}

/// Gradient descent's best linear rate on a quadratic with condition number κ: `(κ−1)/(κ+1)`
/// (step `2/(L+μ)`).
pub fn gd_optimal_rate(kappa: f64) -> f64 {
    (kappa - 1.0) / (kappa + 1.0)
}

/// Heavy ball's best rate: `(√κ−1)/(√κ+1)` (Polyak 1964), at [`heavy_ball_optimal`]'s `(η, β)`.
pub fn heavy_ball_optimal_rate(kappa: f64) -> f64 {
    let s = kappa.sqrt();
    (s - 1.0) / (s + 1.0)
}

/// Polyak's optimal `(η, β)` for curvatures in `[μ, L]`: `η = 4/(√L+√μ)²`, `β = ((√κ−1)/(√κ+1))²`.
pub fn heavy_ball_optimal(l: f64, mu: f64) -> (f64, f64) {
    let (sl, sm) = (l.sqrt(), mu.sqrt());
    (4.0 / (sl + sm).powi(2), heavy_ball_optimal_rate(l / mu).powi(2))
}

/// Exact asymptotic rate of heavy ball (PyTorch SGD momentum: `b ← βb + g`, `x ← x − ηb`) on a quadratic
/// with eigenvalues `eigs`: the largest spectral radius of `[[1+β−ηλ, −β], [1, 0]]` over λ. Above 1 it
/// diverges. β = 0 is gradient descent, `|1 − ηλ|`.
pub fn heavy_ball_rate(eta: f64, beta: f64, eigs: &[f64]) -> f64 {
    eigs.iter()
        .map(|&lam| {
            let tr = 1.0 + beta - eta * lam;
            let disc = tr * tr - 4.0 * beta;
            if disc >= 0.0 {
                let r = disc.sqrt();
                ((tr + r) / 2.0).abs().max(((tr - r) / 2.0).abs())
            } else {
                beta.sqrt()
            }
        })
        .fold(0.0, f64::max)
}

/// Exact asymptotic rate of PyTorch's Nesterov form (`b ← βb + g`, `x ← x − η(g + βb)`) on a quadratic with
/// eigenvalues `eigs`. Along an eigenvector (`g = λx`) the state `(x_t, b_{t−1})` is multiplied by
/// `[[1 − ηλ(1+β), −ηβ²], [λ, β]]`, whose trace is `(1+β)(1−ηλ)` and determinant `β(1−ηλ)`: the roots of
/// `z² − (1+β)(1−ηλ)z + β(1−ηλ)`, the classical Nesterov polynomial. Returns the largest root modulus.
pub fn nesterov_rate(eta: f64, beta: f64, eigs: &[f64]) -> f64 {
    eigs.iter()
        .map(|&lam| {
            let q = 1.0 - eta * lam;
            root_modulus((1.0 + beta) * q, beta * q)
        })
        .fold(0.0, f64::max)
}

/// Largest modulus of the roots of `z² − p·z + q`.
fn root_modulus(p: f64, q: f64) -> f64 {
    let disc = p * p - 4.0 * q;
    if disc >= 0.0 {
        let r = disc.sqrt();
        ((p + r) / 2.0).abs().max(((p - r) / 2.0).abs())
    } else {
        q.abs().sqrt()
    }
}

/// The largest step size for which gradient descent converges on an L-smooth quadratic: `2/L`.
pub fn gd_max_stable_lr(l: f64) -> f64 {
    2.0 / l
}

/// A method's largest stable step size on a convex quadratic whose largest curvature is `L`, when it is known
/// in closed form: the method converges for every curvature in `(0, L]` iff `η < bound`.
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityBound {
    /// The method, as the page names it ("gradient descent", "heavy ball", "Nesterov").
    pub method: &'static str,
    /// The bound as a formula in L and the method's constants ("2/L", "2(1+β)/L").
    pub formula: String,
    pub bound: f64,
}

/// The stability bound of `optimizer` on a quadratic with largest curvature `l` (PyTorch's conventions):
/// - SGD without momentum (gradient descent): `|1 − ηλ| < 1` ⇔ `η < 2/L`;
/// - heavy ball (SGD momentum β, dampening τ): the roots of `z² − (1 + β − η(1−τ)λ)z + β` lie in the unit
///   disc (Jury's test) ⇔ `η < 2(1+β)/((1−τ)L)`;
/// - Nesterov (PyTorch form): `z² − (1+β)(1−ηλ)z + β(1−ηλ)` (see [`nesterov_rate`]); with `q = 1 − ηλ`,
///   Jury's test `|βq| < 1`, `(1+β)|q| < 1 + βq` holds for `q ≥ 0` and for `q < 0` reads
///   `ηλ < 2(1+β)/(1+2β)`, so `η < 2(1+β)/((1+2β)L)`;
/// - L2 weight decay `wd` adds `wd` to every curvature: `L` becomes `L + wd`;
/// - Newton without damping: the step `η H⁻¹∇f` multiplies the error by `1 − η` on a positive definite
///   quadratic, whatever its curvatures: `η < 2` (with damping δ the Hessian is shifted by `max(δ − μ, 0)`,
///   and the bound `2(L + shift)/L` needs the smallest curvature μ, which is not an argument here).
///
/// Every other method (adaptive methods, Muon, Lion, wrappers, damped Newton) has no closed-form bound in L
/// alone: `Err` names the method.
pub fn stability_bound(optimizer: &crate::optim::OptimizerSpec, l: f64) -> Result<StabilityBound, String> {
    use crate::optim::OptimizerSpec;
    match optimizer {
        OptimizerSpec::Sgd(s) => {
            let lw = l + s.weight_decay;
            let wd = if s.weight_decay > 0.0 { " + λ" } else { "" };
            let l_text = if wd.is_empty() { "L".to_string() } else { format!("(L{wd})") };
            if s.momentum == 0.0 {
                Ok(StabilityBound { method: "gradient descent", formula: format!("2/{l_text}"), bound: 2.0 / lw })
            } else if s.nesterov {
                let b = s.momentum;
                Ok(StabilityBound {
                    method: "Nesterov",
                    formula: format!("2(1+β)/((1+2β){l_text})"),
                    bound: 2.0 * (1.0 + b) / ((1.0 + 2.0 * b) * lw),
                })
            } else {
                let (b, tau) = (s.momentum, s.dampening);
                if tau >= 1.0 {
                    return Err("SGD with dampening 1".into());
                }
                let damp = if tau > 0.0 { "(1−τ)" } else { "" };
                Ok(StabilityBound {
                    method: "heavy ball",
                    formula: format!("2(1+β)/({damp}{l_text})").replace("/(L)", "/L"),
                    bound: 2.0 * (1.0 + b) / ((1.0 - tau) * lw),
                })
            }
        }
        OptimizerSpec::Newton(n) if n.damping == 0.0 => Ok(StabilityBound { method: "Newton", formula: "2".into(), bound: 2.0 }),
        OptimizerSpec::Newton(_) => Err("Newton with damping".into()),
        other => Err(other.info().label.to_string()),
    }
}

/// Critical points of a random landscape in dimension N, modelled as in the random-matrix picture of
/// high-dimensional losses (Dauphin et al. 2014, Bray & Dean 2007): the Hessian at a critical point is a
/// random symmetric Gaussian matrix (GOE: `H = (A + Aᵀ)/2`, A with standard normal entries). For each N in
/// `1..=n_max` and `samples` Hessians (seeded), returns `(N, share that are minima — every eigenvalue > 0,
/// mean share of negative eigenvalues)`. The signs of the eigenvalues are counted without computing them:
/// by Sylvester's law of inertia they are the signs of the pivots of `H = LDLᵀ` (a zero pivot, which has
/// probability 0, counts as a saddle).
pub fn random_critical_points(n_max: usize, samples: usize, seed: u64) -> Vec<(usize, f64, f64)> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut h = vec![0.0; n_max * n_max];
    (1..=n_max)
        .map(|n| {
            let (mut minima, mut negative) = (0usize, 0usize);
            for _ in 0..samples {
                for i in 0..n {
                    for j in 0..=i {
                        let a: f64 = StandardNormal.sample(&mut rng);
                        // off-diagonal (A_ij + A_ji)/2 has variance 1/2; the diagonal A_ii variance 1 (GOE)
                        let v = if i == j { a } else { a * std::f64::consts::FRAC_1_SQRT_2 };
                        h[i * n + j] = v;
                        h[j * n + i] = v;
                    }
                }
                let neg = negative_pivots(&mut h[..n * n], n);
                negative += neg;
                minima += usize::from(neg == 0);
            }
            (n, minima as f64 / samples as f64, negative as f64 / (samples * n) as f64)
        })
        .collect()
}

/// Number of non-positive pivots of the LDLᵀ factorisation of the symmetric `n × n` matrix `h` (overwritten):
/// by Sylvester's law of inertia, the number of negative eigenvalues (a zero pivot counts too).
fn negative_pivots(h: &mut [f64], n: usize) -> usize {
    let mut count = 0;
    for k in 0..n {
        let d = h[k * n + k];
        if d <= 0.0 {
            count += 1;
        }
        if d == 0.0 {
            // a singular leading block: the remaining signs are not determined this way; count them all
            return count + (n - k - 1);
        }
        for i in k + 1..n {
            let l = h[i * n + k] / d;
            for j in k + 1..=i {
                h[i * n + j] -= l * h[j * n + k];
            }
        }
        for i in k + 1..n {
            for j in k + 1..i {
                h[j * n + i] = h[i * n + j];
            }
        }
    }
    count
}

/// Largest-magnitude eigenvalue of a symmetric operator by power iteration, from a fixed start.
/// `hv(v, out)` computes `H·v`. Returns `(λ, iterations used)`.
pub fn power_iteration(n: usize, mut hv: impl FnMut(&[f64], &mut [f64]), iters: usize, tol: f64) -> (f64, usize) {
    let mut v: Vec<f64> = (0..n).map(|i| 1.0 + 0.1 * ((i * 7919 % 13) as f64)).collect();
    let mut w = vec![0.0; n];
    let mut lam = 0.0;
    for k in 0..iters {
        let nv = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if nv == 0.0 {
            return (0.0, k);
        }
        v.iter_mut().for_each(|x| *x /= nv);
        hv(&v, &mut w);
        let new = v.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
        std::mem::swap(&mut v, &mut w);
        if k > 0 && (new - lam).abs() <= tol * new.abs().max(1e-300) {
            return (new, k + 1);
        }
        lam = new;
    }
    (lam, iters)
}

/// The two terms of the lecture's mini-batch SGD bound (constants dropped):
/// `L(f(x₀) − f*)/T` and `(σ/√B)·√(L(f(x₀) − f*)/T)`.
pub fn minibatch_bound_terms(l: f64, gap0: f64, sigma: f64, batch: usize, t: usize) -> (f64, f64) {
    let a = l * gap0 / t as f64;
    (a, sigma / (batch as f64).sqrt() * a.sqrt())
}

/// Variance `E‖ḡ − ∇f‖²` of the mean `ḡ` of `b` of `n` per-sample gradients drawn uniformly *without*
/// replacement, when the per-sample gradients have variance `sigma2 = (1/N)Σ‖∇fᵢ − ∇f‖²` (with 1/N):
/// `σ²/B · (N−B)/(N−1)`. Derivation: `ḡ − ∇f = (1/B)Σᵢ δᵢwᵢ` with `wᵢ = ∇fᵢ − ∇f`, `Σwᵢ = 0`, and batch
/// indicators with `E δᵢ = B/N`, `E δᵢδⱼ = B(B−1)/(N(N−1))` (`i ≠ j`); since `Σ_{i≠j} wᵢ·wⱼ = −Σ‖wᵢ‖² = −Nσ²`,
/// `E‖ḡ − ∇f‖² = (1/B²)(Bσ² − B(B−1)σ²/(N−1)) = (σ²/B)(N−B)/(N−1)`. With replacement it would be `σ²/B`.
pub fn minibatch_variance(sigma2: f64, b: usize, n: usize) -> f64 {
    if n <= 1 || b == 0 {
        return 0.0;
    }
    sigma2 / b as f64 * (n - b.min(n)) as f64 / (n - 1) as f64
}

/// Running average `(1/T)Σ_{t<T} g_t` for T = 1..=len.
pub fn running_mean(values: &[f64]) -> Vec<f64> {
    let mut s = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            s += v;
            s / (i + 1) as f64
        })
        .collect()
}

/// A run of [`lbfgs`]: the iterates, their losses and gradient norms, and the function evaluations spent
/// (line search included).
#[derive(Clone, Debug, PartialEq)]
pub struct LbfgsTrace {
    pub params: Vec<Vec<f64>>,
    pub loss: Vec<f64>,
    pub grad_norm: Vec<f64>,
    pub evaluations: usize,
    /// Why the run stopped before `steps` (converged, or left the finite numbers), if it did.
    pub stopped: Option<String>,
}

/// L-BFGS with memory `m` (Nocedal & Wright, Algorithm 7.4: the two-loop recursion with the initial scaling
/// `γ = sᵀy/yᵀy`) and a weak Wolfe line search from the unit step (`c₁ = 1e-4`, `c₂ = 0.9`, bisection and
/// doubling, at most 61 trials; each trial is one value and one gradient). A pair with `sᵀy ≤ 1e-12·‖s‖‖y‖` is not stored (the update would lose positive definiteness);
/// a direction that is not a descent direction is replaced by −∇f and the memory cleared. Stops when
/// ‖∇f‖ ≤ `tol`, after `steps` steps, or when the loss or iterate stops being finite (e.g. on a landscape
/// that is unbounded below).
pub fn lbfgs(problem: &dyn crate::problems::Problem, x0: &[f64], m: usize, steps: usize, tol: f64) -> LbfgsTrace {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    problem.grad(&x, &mut g);
    let mut f = problem.value(&x);
    let mut out = LbfgsTrace { params: vec![x.clone()], loss: vec![f], grad_norm: vec![dot(&g, &g).sqrt()], evaluations: 1, stopped: None };
    let mut mem: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> = std::collections::VecDeque::new();
    for _ in 0..steps {
        if *out.grad_norm.last().unwrap_or(&0.0) <= tol {
            out.stopped = Some(format!("‖∇f‖ ≤ {tol:e}"));
            break;
        }
        // the two-loop recursion: d = −H_k ∇f
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(mem.len());
        for (s, y, rho) in mem.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = mem.back().map_or(1.0, |(s, y, _)| dot(s, y) / dot(y, y));
        let mut r: Vec<f64> = q.iter().map(|v| gamma * v).collect();
        for ((s, y, rho), a) in mem.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &r);
            r.iter_mut().zip(s).for_each(|(ri, si)| *ri += (a - b) * si);
        }
        let mut d: Vec<f64> = r.iter().map(|v| -v).collect();
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            mem.clear();
            d = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
        }
        // weak Wolfe line search by bisection (Lewis & Overton): sufficient decrease (c₁ = 1e-4) and curvature
        // (c₂ = 0.9), which keeps sᵀy > 0 on non-convex landscapes
        let (mut lo, mut hi, mut t) = (0.0f64, f64::INFINITY, 1.0f64);
        let mut next = x.clone();
        let mut f_next = f;
        let mut g_next = vec![0.0; n];
        for _ in 0..=60 {
            next.iter_mut().zip(&x).zip(&d).for_each(|((ni, xi), di)| *ni = xi + t * di);
            f_next = problem.value(&next);
            problem.grad(&next, &mut g_next);
            out.evaluations += 1;
            if f_next.is_nan() || f_next > f + 1e-4 * t * slope {
                hi = t;
            } else if dot(&g_next, &d) < 0.9 * slope {
                lo = t;
            } else {
                break;
            }
            t = if hi.is_finite() { 0.5 * (lo + hi) } else { 2.0 * lo };
            if !t.is_finite() || t > 1e30 {
                break;
            }
        }
        if !f_next.is_finite() || next.iter().any(|v| !v.is_finite()) || g_next.iter().any(|v| !v.is_finite()) {
            out.stopped = Some("the loss or the iterate stopped being finite".into());
            break;
        }
        let s: Vec<f64> = next.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_next.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
            if mem.len() == m.max(1) {
                mem.pop_front();
            }
            mem.push_back((s, y, 1.0 / sy));
        }
        (x, g, f) = (next, g_next, f_next);
        out.params.push(x.clone());
        out.loss.push(f);
        out.grad_norm.push(dot(&g, &g).sqrt());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_rate_recovers_a_geometric_sequence() {
        let loss: Vec<f64> = (0..40).map(|t| 3.0 * 0.8f64.powi(t) + 1.0).collect();
        assert!((fit_linear_rate(&loss, 1.0, 1e-14).unwrap() - 0.8).abs() < 1e-10);
    }

    #[test]
    fn the_end_rate_reads_the_last_third_of_a_run() {
        // 0.5 per step for 30 steps, then level at 1e-6 for 60 (a run that levels off beside its minimum)
        let level: Vec<f64> = (0..=90).map(|t: i32| 0.5f64.powi(t.min(30)).max(1e-6)).collect();
        let (r, first, last) = end_rate(&level, 0.0, 1e-12).unwrap();
        assert_eq!((first, last), (60, 90));
        assert!((r - 1.0).abs() < 1e-12, "{r}");
        // the whole-run fit mixes the two phases: neither 0.5 nor 1
        let whole = fit_linear_rate(&level, 0.0, 1e-12).unwrap();
        assert!(0.6 < whole && whole < 0.95, "{whole}");
        // a run that falls below the floor at step 40: the last third of steps 0..=39
        let fast: Vec<f64> = (0..100).map(|t| 0.5f64.powi(t)).collect();
        let (r, first, last) = end_rate(&fast, 0.0, 1e-12).unwrap();
        assert_eq!((first, last), (26, 39));
        assert!((r - 0.5).abs() < 1e-12, "{r}");
        // growing (to infinity: the finite steps count), over at least three steps, and too short to fit
        assert_eq!(end_rate(&[1.0, 2.0, 4.0, 8.0, 16.0, f64::INFINITY], 0.0, 1e-12), Some((2.0, 2, 4)));
        assert_eq!(end_rate(&[1.0, 0.0], 0.0, 1e-12), None);
    }

    #[test]
    fn heavy_ball_at_polyak_parameters_achieves_the_optimal_rate() {
        let (l, mu) = (100.0, 1.0);
        let (eta, beta) = heavy_ball_optimal(l, mu);
        let r = heavy_ball_rate(eta, beta, &[l, mu]);
        assert!((r - heavy_ball_optimal_rate(100.0)).abs() < 1e-6, "{r}");
        // gradient descent at 2/(L+μ)
        let r_gd = heavy_ball_rate(2.0 / (l + mu), 0.0, &[l, mu]);
        assert!((r_gd - gd_optimal_rate(100.0)).abs() < 1e-12);
        // beyond 2/L it diverges
        assert!(heavy_ball_rate(gd_max_stable_lr(l) * 1.01, 0.0, &[l, mu]) > 1.0);
    }

    #[test]
    fn nesterov_rate_matches_the_iteration_and_reduces_to_gd_at_beta_zero() {
        // β = 0 is gradient descent
        assert!((nesterov_rate(0.3, 0.0, &[1.0, 0.1]) - 0.97).abs() < 1e-12);
        // the product of the 2×2 iteration matrix over many steps shrinks like ρᵗ
        let (eta, beta, lam) = (0.5, 0.6, 0.2);
        let m = [[1.0 - eta * lam * (1.0 + beta), -eta * beta * beta], [lam, beta]];
        let (mut x, mut b) = (1.0f64, 0.0f64);
        let mut norms = Vec::new();
        for _ in 0..1000 {
            let nx = m[0][0] * x + m[0][1] * b;
            let nb = m[1][0] * x + m[1][1] * b;
            x = nx;
            b = nb;
            norms.push((x * x + b * b).sqrt());
        }
        // complex roots rotate the state: compare the largest norms of two windows 400 steps apart
        let peak = |w: &[f64]| w.iter().copied().fold(0.0, f64::max);
        let measured = (peak(&norms[900..1000]) / peak(&norms[500..600])).powf(1.0 / 400.0);
        let rho = nesterov_rate(eta, beta, &[lam]);
        assert!((measured - rho).abs() < 1e-3, "{measured} vs {rho}");
    }

    #[test]
    fn stability_bounds_are_where_the_rates_cross_one() {
        use crate::optim::{config::Sgd, OptimizerSpec};
        let l = 2.0;
        for beta in [0.0, 0.1, 0.5, 0.8, 0.95] {
            for nesterov in [false, true] {
                if nesterov && beta == 0.0 {
                    continue;
                }
                let spec = OptimizerSpec::Sgd(Sgd { lr: 0.1, momentum: beta, nesterov, ..Sgd::default() });
                let b = stability_bound(&spec, l).unwrap();
                let rate = |eta: f64| if nesterov { nesterov_rate(eta, beta, &[l, 0.01]) } else { heavy_ball_rate(eta, beta, &[l, 0.01]) };
                assert!(rate(b.bound * 0.999) < 1.0, "β = {beta}, nesterov {nesterov}: {b:?}");
                assert!(rate(b.bound * 1.001) > 1.0, "β = {beta}, nesterov {nesterov}: {b:?}");
            }
        }
        // heavy ball at β = 0.8: 2(1+β)/L = 3.6 on L = 1 (the momentum chapter's example)
        let hb = OptimizerSpec::Sgd(Sgd { lr: 3.0, momentum: 0.8, ..Sgd::default() });
        let b = stability_bound(&hb, 1.0).unwrap();
        assert!((b.bound - 3.6).abs() < 1e-12 && b.formula == "2(1+β)/L" && b.method == "heavy ball", "{b:?}");
        // L2 weight decay shifts the curvatures; dampening scales the step
        let wd = OptimizerSpec::Sgd(Sgd { lr: 0.1, weight_decay: 0.5, ..Sgd::default() });
        assert!((stability_bound(&wd, 1.5).unwrap().bound - 1.0).abs() < 1e-12);
        let damp = OptimizerSpec::Sgd(Sgd { lr: 0.1, momentum: 0.5, dampening: 0.5, ..Sgd::default() });
        let b = stability_bound(&damp, 1.0).unwrap();
        assert!((b.bound - 6.0).abs() < 1e-12, "{b:?}");
        let adam: OptimizerSpec = serde_json::from_str(r#"{"kind": "adam"}"#).unwrap();
        assert_eq!(stability_bound(&adam, 1.0).unwrap_err(), "Adam");
        // Newton: the error is multiplied by 1 − η on any positive definite quadratic, so η < 2; checked on
        // the optimizer itself (κ = 100) just inside and just outside
        let newton: OptimizerSpec = serde_json::from_str(r#"{"kind": "newton"}"#).unwrap();
        assert_eq!(stability_bound(&newton, 123.0).unwrap().bound, 2.0);
        for (eta, grows) in [(1.95, false), (2.05, true)] {
            let spec = crate::spec::Spec::from_json(&format!(
                r#"{{"problem": {{"kind": "quadratic", "a": [[100, 1], [1, 1]], "b": [1, 2]}}, "x0": [3, -4],
                "runs": [{{"optimizer": {{"kind": "newton", "lr": {eta}}}}}], "steps": 400}}"#
            ))
            .unwrap();
            let t = &crate::run::run(&spec).unwrap().runs[0];
            assert_eq!(t.diverged.is_some(), grows, "η = {eta}: {:?}, last f = {:?}", t.diverged, t.loss.last());
        }
        let damped: OptimizerSpec = serde_json::from_str(r#"{"kind": "newton", "damping": 0.5}"#).unwrap();
        assert!(stability_bound(&damped, 1.0).is_err());
    }

    #[test]
    fn random_critical_points_become_saddles_as_the_dimension_grows() {
        let r = random_critical_points(8, 4000, 7);
        // N = 1: a minimum half the time; N = 2: the GOE gives P(both > 0) = (2 − √2)/4 = 0.146
        assert!((r[0].1 - 0.5).abs() < 0.03, "{r:?}");
        assert!((r[1].1 - (2.0 - 2f64.sqrt()) / 4.0).abs() < 0.02, "{r:?}");
        // fewer minima at every N, and fewer than if each sign were a fair coin (2^−N) from N = 3 on
        for w in r.windows(2) {
            assert!(w[1].1 <= w[0].1, "{r:?}");
        }
        for (n, p, _) in &r[2..] {
            assert!(*p < 0.5f64.powi(*n as i32), "N = {n}: {p}");
        }
        // half the curvature directions are negative on average, at every N
        for (n, _, neg) in &r {
            assert!((neg - 0.5).abs() < 0.03, "N = {n}: {neg}");
        }
        // the pivot count is the number of negative eigenvalues
        let m = [[2.0, 1.0, 0.0], [1.0, -3.0, 0.5], [0.0, 0.5, 1.0]];
        let mut flat: Vec<f64> = m.iter().flatten().copied().collect();
        let eig = crate::linalg::symmetric_eigenvalues(ndarray::arr2(&m).view());
        assert_eq!(negative_pivots(&mut flat, 3), eig.iter().filter(|e| **e < 0.0).count());
    }

    #[test]
    fn power_iteration_finds_the_top_eigenvalue() {
        let h = [[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]];
        let (lam, _) = power_iteration(
            3,
            |v, out| {
                for i in 0..3 {
                    out[i] = (0..3).map(|j| h[i][j] * v[j]).sum();
                }
            },
            500,
            1e-13,
        );
        let exact = crate::linalg::symmetric_eigenvalues(ndarray::arr2(&h).view())[0];
        assert!((lam - exact).abs() < 1e-9, "{lam} vs {exact}");
    }
}
