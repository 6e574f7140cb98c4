//! Chapter 3 — momentum and Nesterov on an ill-conditioned quadratic: paths, loss curves, measured vs
//! theoretical linear rates, and the (η, β) map of rates and divergence.

use super::common::{bounds_for, convergence_lines, loss_chart, paths, run_report, sig, spec_of, Sig};
use super::controls::fmt_num;
use super::{Canvas, Chapter, Chart, Control, Field, Formula, Message, Model, Readout, Scene, State};
use crate::analysis::{fit_linear_rate, gd_optimal_rate, heavy_ball_optimal, heavy_ball_optimal_rate, heavy_ball_rate, nesterov_rate};
use crate::optim::config::Sgd;
use crate::optim::OptimizerSpec;
use crate::plot::field::{ColorScale, MapChart};
use crate::plot::{LineChart, Mark, Series};
use crate::problems::ProblemSpec;
use crate::run::Report;
use crate::spec::Spec;

pub struct Momentum;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub kappa: f64,
        pub angle: f64,
        pub lr: f64,
        pub momentum: f64,
        pub nesterov: bool,
        pub steps: usize,
        pub x0: (f64, f64),
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Momentum.controls(), st)
    }
}

/// The (η, β) map: log₁₀ η from `LOG_LR.0` to `LOG_LR.1` (the lr control's range), β from 0 to 1.
const LOG_LR: (f64, f64) = (-3.0, 1.0);
const GRID: (usize, usize) = (120, 90);

/// Palette indices: gradient descent, heavy ball, Nesterov (the same in every chart).
const GD: usize = 0;
const HB: usize = 1;
const NAG: usize = 2;

fn problem(p: &Params) -> ProblemSpec {
    ProblemSpec::conditioned(p.kappa, p.angle)
}

/// Rate of the chosen momentum method (`β = 0` is gradient descent for both).
fn rate(nesterov: bool, eta: f64, beta: f64, eigs: &[f64]) -> f64 {
    if nesterov {
        nesterov_rate(eta, beta, eigs)
    } else {
        heavy_ball_rate(eta, beta, eigs)
    }
}

/// Discriminant of the characteristic polynomial of the chosen method along curvature `λ` (HB:
/// `z² − (1+β−ηλ)z + β`, NAG: `z² − (1+β)(1−ηλ)z + β(1−ηλ)`): 0 is a double root.
fn discriminant(nesterov: bool, eta: f64, beta: f64, lam: f64) -> f64 {
    let (p, q) = if nesterov { ((1.0 + beta) * (1.0 - eta * lam), beta * (1.0 - eta * lam)) } else { (1.0 + beta - eta * lam, beta) };
    p * p - 4.0 * q
}

/// Whether the slowest mode behaves like a double root over `steps` steps: its two roots (real or a complex
/// pair) differ by less than `ρ/(2T)`, so that the error falls like `t·ρᵗ` rather than `ρᵗ` over the run
/// (at Polyak's η*, β* both modes are exactly critically damped).
pub fn slowest_mode_is_double(nesterov: bool, eta: f64, beta: f64, eigs: &[f64], steps: usize) -> bool {
    let rho = rate(nesterov, eta, beta, eigs);
    rho > 0.0
        && rho < 1.0
        && eigs
            .iter()
            .filter(|&&lam| rate(nesterov, eta, beta, &[lam]) >= rho * (1.0 - 1e-12))
            .any(|&lam| discriminant(nesterov, eta, beta, lam).abs().sqrt() * steps.max(1) as f64 <= 0.5 * rho)
}

/// The per-step factor of ‖x − x*‖ measured from a run's `f − f*` (f − f* ∝ ‖x − x*‖² on a quadratic):
/// the plain fit of log(f − f*), or, where the slowest mode is a double root (`‖x_t‖ ~ t·ρᵗ`), the fit of
/// log((f − f*)/t²), which compares like with like.
pub fn measured_rate(loss: &[f64], double: bool) -> Option<f64> {
    if double {
        let adjusted: Vec<f64> = loss.iter().enumerate().skip(1).map(|(t, f)| if *f > 1e-12 { f / (t * t) as f64 } else { 0.0 }).collect();
        fit_linear_rate(&adjusted, 0.0, 1e-300).map(f64::sqrt)
    } else {
        fit_linear_rate(loss, 0.0, 1e-12).map(f64::sqrt)
    }
}

/// The weight of the gradient of age `k` (taken `k` steps before the last) in the total move
/// `x_{t+1} − x₀ = −η Σᵢ wᵢ ∇f(xᵢ)`: heavy ball `(1 − β^{k+1})/(1 − β)`, PyTorch's Nesterov `(1 − β^{k+2})/(1 − β)`
/// (its step adds `β·b_t` to the gradient, one more power); `β = 0` gives 1 for both.
pub fn unrolled_weight(beta: f64, nesterov: bool, age: usize) -> f64 {
    let n = age as i32 + if nesterov { 2 } else { 1 };
    if beta == 0.0 {
        return 1.0;
    }
    (1.0 - beta.powi(n)) / (1.0 - beta)
}

/// `x₀ − η Σᵢ wᵢ ∇f(xᵢ)` over a run's iterates `x₀ … x_{T−1}` (the unrolled form), to set beside `x_T`.
fn unrolled_end(p: &dyn crate::problems::Problem, params: &[Vec<f64>], eta: f64, beta: f64, nesterov: bool) -> Option<Vec<f64>> {
    let (first, t) = (params.first()?, params.len().checked_sub(1)?);
    let mut x = first.clone();
    let mut g = vec![0.0; x.len()];
    for (i, xi) in params[..t].iter().enumerate() {
        p.grad(xi, &mut g);
        let w = eta * unrolled_weight(beta, nesterov, t - 1 - i);
        for (a, b) in x.iter_mut().zip(&g) {
            *a -= w * b;
        }
    }
    Some(x)
}

/// How many times slower than the fastest cell the colour scale reaches (its yellow end).
const SLOWDOWN: f64 = 1000.0;

/// Rates over the (η, β) grid, row 0 at the top (β near 1), scaled for the colour map. Speed is the error's
/// e-folding per step, `s = −ln ρ`; the colour is `t = log(s_max/s)/log(1000)`, so 0 (dark) is the fastest
/// cell and 1 (yellow) a thousand times slower; `ρ ≥ 1` is grey. Returns the grid, the fastest `ρ` and where
/// it is, `(η, β)`.
pub fn rate_grid(nesterov: bool, eigs: &[f64]) -> (Vec<f64>, f64, (f64, f64)) {
    let (gw, gh) = GRID;
    let mut rho = Vec::with_capacity(gw * gh);
    let (mut lo, mut best) = (1.0, (f64::NAN, f64::NAN));
    for j in 0..gh {
        let beta = 1.0 - (j as f64 + 0.5) / gh as f64;
        for i in 0..gw {
            let eta = 10f64.powf(LOG_LR.0 + (i as f64 + 0.5) / gw as f64 * (LOG_LR.1 - LOG_LR.0));
            let r = rate(nesterov, eta, beta, eigs);
            if r < lo {
                (lo, best) = (r, (eta, beta));
            }
            rho.push(r);
        }
    }
    let s_max = -lo.max(1e-300).ln();
    let t = rho
        .iter()
        .map(|&r| {
            if r.is_finite() && r < 1.0 && s_max > 0.0 {
                let s = -r.max(1e-300).ln();
                ((s_max / s).ln() / SLOWDOWN.ln()).clamp(0.0, 0.999)
            } else {
                1.0
            }
        })
        .collect();
    (t, lo, best)
}

/// The map's view: [`bounds_for`] widened (up to its cap) to hold x₀ and every iterate of the runs that did
/// not diverge, so that an overshooting path is drawn rather than clipped.
pub(super) fn view_bounds(prob: &ProblemSpec, start: (f64, f64), report: &crate::run::Report) -> (f64, f64, f64, f64) {
    let (x0, x1, y0, y1) = bounds_for(prob, start);
    let (cx, cy, hx, hy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0, (x1 - x0) / 2.0, (y1 - y0) / 2.0);
    let reach = |p: (f64, f64)| ((p.0 - cx) / hx).abs().max(((p.1 - cy) / hy).abs());
    let far = report
        .runs
        .iter()
        .filter(|t| t.diverged.is_none())
        .flat_map(|t| t.params.iter())
        .filter(|p| p.len() >= 2 && p[0].is_finite() && p[1].is_finite())
        .map(|p| (p[0], p[1]))
        .fold(start, |a, b| if reach(b) > reach(a) { b } else { a });
    let (f0, f1, g0, g1) = bounds_for(prob, far);
    (f0.min(x0), f1.max(x1), g0.min(y0), g1.max(y1))
}

/// What the chapter computes: gradient descent and the momentum method from one start, the (η, β) rate map,
/// Polyak's optimum, the theoretical rates of both runs and the unrolled sum checked against the run.
pub struct Runs {
    pub spec: Spec,
    pub report: Report,
    /// Nesterov as run (off when asked for with β = 0).
    pub nesterov: bool,
    /// Nesterov was asked for with β = 0.
    pub nesterov_dropped: bool,
    /// The rate map over (log₁₀ η, β), its smallest rate and where it is.
    pub grid: Vec<f64>,
    pub rho_min: f64,
    pub best: (f64, f64),
    /// Polyak's optimal (η*, β*).
    pub polyak: (f64, f64),
    /// The theoretical rates of gradient descent and of the momentum run.
    pub theory: [f64; 2],
    /// ‖x_T from the unrolled sum − the run's x_T‖ and ‖x_T‖, when the run has an end.
    pub unrolled: Option<(f64, f64)>,
    /// Whether each run's slowest mode is a double root (its error then falls like t·ρᵗ).
    pub double: [bool; 2],
}

impl Model for Momentum {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Runs, Message> {
        let (lr, beta) = (p.lr, p.momentum);
        let nesterov_dropped = p.nesterov && beta <= 0.0;
        let nesterov = p.nesterov && !nesterov_dropped;
        let name = if nesterov { "Nesterov" } else { "heavy ball" };
        let runs = vec![
            ("gradient descent".to_string(), OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() })),
            (name.to_string(), OptimizerSpec::Sgd(Sgd { lr, momentum: beta, nesterov, ..Sgd::default() })),
        ];
        let spec = spec_of(problem(p), vec![p.x0.0, p.x0.1], runs, p.steps, 0);
        let report = run_report(&spec, false)?;
        let kappa = p.kappa.max(1.0);
        let (l, mu) = (1.0, 1.0 / kappa);
        let eigs = [l, mu];
        let (grid, rho_min, best) = rate_grid(nesterov, &eigs);
        let polyak = heavy_ball_optimal(l, mu);
        let theory = [rate(false, lr, 0.0, &eigs), rate(nesterov, lr, beta, &eigs)];
        let hb = &report.runs[1];
        let unrolled = match (spec.problem.build(0), hb.params.last()) {
            (Ok(built), Some(last)) => unrolled_end(built.as_ref(), &hb.params, lr, beta, nesterov).map(|u| {
                let err = u.iter().zip(last).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
                (err, last.iter().map(|v| v * v).sum::<f64>().sqrt())
            }),
            _ => None,
        };
        let double = [slowest_mode_is_double(false, lr, 0.0, &eigs, p.steps), slowest_mode_is_double(nesterov, lr, beta, &eigs, p.steps)];
        Ok(Runs { spec, report, nesterov, nesterov_dropped, grid, rho_min, best, polyak, theory, unrolled, double })
    }

    fn scene(p: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let Runs { spec, report, nesterov, nesterov_dropped, grid, rho_min, best, polyak: (eta_star, beta_star), theory, unrolled, double } =
            r;
        if nesterov_dropped {
            scene.messages.push(Message::info("Nesterov needs momentum: with β = 0 both methods are gradient descent"));
        }
        let prob = spec.problem.clone();
        let (x, y) = p.x0;
        let (lr, beta) = (p.lr, p.momentum);
        let (name, color) = if nesterov { ("Nesterov", NAG) } else { ("heavy ball", HB) };
        let kappa = p.kappa.max(1.0);
        let (l, mu) = (1.0, 1.0 / kappa);
        let colors = [GD, color];

        let mut map = MapChart {
            title: format!("paths: gradient descent vs {name}"),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds: view_bounds(&prob, (x, y), &report),
            paths: paths(&report, &colors),
            ..Default::default()
        };
        map.grab_point((x, y), "x₀");
        map.markers.push((0.0, 0.0, "x*".into(), usize::MAX));
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));
        scene.charts.push(("loss", Chart::Lines(loss_chart("f − f* per step (log scale)", &report, Some(0.0), &colors))));

        // the (η, β) rate map with the current point and Polyak's optimum
        let mut rates = MapChart {
            title: format!("{name}: linear rate ρ over (η, β)"),
            x_label: "log₁₀ η".into(),
            y_label: "β".into(),
            bounds: (LOG_LR.0, LOG_LR.1, 0.0, 1.0),
            scale: Some(ColorScale {
                label: "speed".into(),
                high: "1000× slower".into(),
                low: format!("fastest, ρ = {}", Sig(rho_min)),
                extra: Some(("diverges".into(), [150, 150, 150])),
            }),
            ..Default::default()
        };
        rates.grab_point((lr.max(1e-300).log10(), beta), "now");
        if nesterov {
            rates.markers.push((best.0.log10(), best.1, "best".into(), usize::MAX));
        } else {
            rates.markers.push((eta_star.log10(), beta_star, "Polyak".into(), usize::MAX));
        }
        rates.markers.push(((2.0 / (l + mu)).log10(), 0.03, "best GD".into(), usize::MAX));
        scene.charts.push(("rates", Chart::Map(rates, Field::Grid { values: grid, width: GRID.0, height: GRID.1 })));

        // the momentum run unrolled: weights on past gradients, and the unrolled sum checked against the run
        let hb_trace = &report.runs[1];
        let t_len = hb_trace.params.len().saturating_sub(1);
        let ages: Vec<usize> = (0..t_len.max(1)).collect();
        let floor = crate::app::common::GAP_FLOOR;
        let in_step: Vec<(f64, f64)> = ages
            .iter()
            .map(|&k| {
                (
                    k as f64,
                    if beta == 0.0 {
                        if k == 0 {
                            1.0
                        } else {
                            0.0
                        }
                    } else {
                        beta.powi(k as i32)
                    },
                )
            })
            .filter(|p| p.1 >= floor)
            .collect();
        let in_move: Vec<(f64, f64)> = ages.iter().map(|&k| (k as f64, unrolled_weight(beta, nesterov, k))).collect();
        let limit = 1.0 / (1.0 - beta);
        let x_end = ages.len().max(1) as f64;
        scene.charts.push((
            "unrolled",
            Chart::Lines(LineChart {
                title: format!("{name} unrolled over its {t_len} steps: weight of the gradient ∇f(x_i) by its age t − i"),
                x_label: "age t − i of the gradient (steps before the last)".into(),
                y_label: "weight (log)".into(),
                y_log: true,
                series: vec![
                    Series::line("in the current step b_t: β^(t−i)", color, in_step),
                    Series::line(
                        format!("in the move x_{{t+1}} − x₀: (1 − β^(t−i+{}))/(1 − β)", if nesterov { 2 } else { 1 }),
                        GD,
                        in_move,
                    ),
                    Series::line("1/(1 − β): a constant gradient's step, in units of η", 3, vec![(0.0, limit), (x_end, limit)])
                        .with_mark(Mark::Dashed),
                ],
                x_range: Some((0.0, x_end)),
                ..Default::default()
            }),
        ));
        let mut unrolled_readouts = Vec::new();
        if let Some((err, scale)) = unrolled {
            unrolled_readouts.push(Readout::new(
                format!("{name}: x_T from the unrolled sum x₀ − η Σ wᵢ∇f(xᵢ) vs the run's x_T (T = {t_len})"),
                format!("differ by {} (‖x_T‖ = {})", Sig(err), Sig(scale)),
            ));
        }
        let after = unrolled_weight(beta, nesterov, t_len.saturating_sub(1));
        unrolled_readouts.push(Readout::new(
            "effective step of a constant gradient: η/(1 − β) in the limit, η·(weight of the oldest gradient) after T steps",
            format!("η/(1 − β) = {} ({}× η); after {t_len} steps {}", Sig(lr * limit), Sig(limit), Sig(lr * after)),
        ));

        // readouts: convergence of both runs, then measured vs theoretical rates
        for (((t, rho), r_spec), double) in report.runs.iter().zip(theory).zip(&spec.runs).zip(double) {
            // the generic "measured rate" (of f − f*) is replaced by one line that sets it beside the theory:
            // on a quadratic f − f* shrinks by ρ² per step when ‖x − x*‖ shrinks by ρ
            let mut lines = convergence_lines(t, Some(0.0), Some(l), Some(&r_spec.optimizer));
            let fit = measured_rate(&t.loss, double);
            let plain = fit_linear_rate(&t.loss, 0.0, 1e-12);
            let verdict = if rho >= 1.0 { " (diverges)" } else { "" };
            lines.rate = Some(Readout::new(
                format!("{}: rate of ‖x − x*‖ per step, measured vs theory", t.label),
                match (fit, plain) {
                    (Some(m), Some(q)) if double => format!(
                        "{} (fit of (f − f*)/t²: a double root, ‖x − x*‖ ~ t·ρᵗ; plain f − f* factor {}) vs ρ = {}{verdict}",
                        Sig(m),
                        Sig(q),
                        Sig(rho)
                    ),
                    (Some(m), Some(q)) => format!("{} (f − f* factor {}) vs ρ = {}{verdict}", Sig(m), Sig(q), Sig(rho)),
                    _ => format!("— vs ρ = {}{verdict}", Sig(rho)),
                },
            ));
            scene.readout.extend(lines.into_vec());
        }
        scene.readout.push(Readout::new(
            "best gradient descent: (κ−1)/(κ+1) at η = 2/(L+μ)",
            format!("{} at η = {}", Sig(gd_optimal_rate(kappa)), Sig(2.0 / (l + mu))),
        ));
        scene.readout.push(Readout::new(
            "best heavy ball (Polyak): (√κ−1)/(√κ+1) at η*, β*",
            format!("{} at η* = {}, β* = {}", Sig(heavy_ball_optimal_rate(kappa)), Sig(eta_star), Sig(beta_star)),
        ));
        if nesterov {
            scene.readout.push(Readout::new(
                "best Nesterov on this map (grid search)",
                format!("ρ = {} at η = {}, β = {}", Sig(rho_min), Sig(best.0), Sig(best.1)),
            ));
        }
        scene.readout.extend(unrolled_readouts);
        scene.messages.push(Message::info(
            "Measured rate: the square root of the per-step factor fitted to log(f − f*) over the whole run (f − f* ∝ ‖x − x*‖² on a quadratic). Transients make it differ a little from ρ. Where the slowest mode's two roots coincide (at Polyak's η*, β* both modes are critically damped) the error falls like t·ρᵗ, so the readout fits (f − f*)/t² instead. A click on the rate map near the Polyak marker sets η*, β* exactly.",
        ));

        for (k, v) in [
            ("lr", sig(lr)),
            ("momentum", sig(beta)),
            ("kappa", sig(kappa)),
            ("gd_opt", sig(gd_optimal_rate(kappa))),
            ("hb_opt", sig(heavy_ball_optimal_rate(kappa))),
            ("eta_star", sig(eta_star)),
            ("beta_star", sig(beta_star)),
        ] {
            scene.values.push((k.into(), v));
        }
        scene.spec = Some(spec);
        scene.report = Some(report.into());
        scene
    }
}

impl Chapter for Momentum {
    fn id(&self) -> &'static str {
        "momentum"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Momentum and Nesterov"
    }
    fn intro(&self) -> &'static str {
        "Momentum keeps a running sum of past gradients, m_t = βm_{t−1} + ∇f(x_t), and steps along it: where \
         successive gradients disagree (across a narrow valley) they cancel, where they agree (along it) the \
         steps grow. On a quadratic with condition number κ the best gradient descent shrinks the error by \
         (κ−1)/(κ+1) per step, the best heavy ball by (√κ−1)/(√κ+1). Nesterov's variant evaluates the momentum \
         step one look ahead, which damps the overshoot."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Click the (η, β) map at the marked optimum “Polyak” (a click near the marker sets η*, β* exactly) and compare the measured rate with (√κ−1)/(√κ+1).",
            "Raise β to 0.95 and watch the heavy-ball path overshoot and swing back through x* again and again, its loss rising and falling.",
            "Turn on Nesterov with β = 0.9 and compare the grey divergence region of the map with heavy ball's: it starts at a smaller η for every β > 0.",
            "In the unrolled chart a gradient's weight in the move grows with its age towards 1/(1 − β): raise β to 0.95 and an old gradient counts 20 times, the effective step η/(1 − β) = 20η.",
            "Raise κ to 500: both optimal rates in the readout move towards 1, gradient descent's like 1 − 2/κ, heavy ball's like 1 − 2/√κ.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new("heavy ball (PyTorch SGD momentum)", r"b_t = \beta\, b_{t-1} + \nabla f(x_t),\quad x_{t+1} = x_t - \eta\, b_t,\quad \eta = {lr},\ \beta = {momentum}"),
            Formula::new("heavy ball unrolled: the weight of each past gradient (the slide writes (1 − β^{t+1−i})/(β − 1), which is negative: the denominator is 1 − β; and the sums start at i = 0, the gradient at x₀)", r"b_t = \sum_{i=0}^{t}\beta^{t-i}\,\nabla f(x_i),\qquad x_{t+1} = x_0 - \eta\sum_{i=0}^{t}\frac{1-\beta^{t+1-i}}{1-\beta}\,\nabla f(x_i)"),
            Formula::new("Nesterov (PyTorch form)", r"x_{t+1} = x_t - \eta\,\big(\nabla f(x_t) + \beta\, b_t\big)"),
            Formula::new("rate on a quadratic: largest root over the curvatures λ ∈ {μ, L}", r"\text{HB: } z^2 - (1+\beta-\eta\lambda)z + \beta,\qquad \text{NAG: } z^2 - (1+\beta)(1-\eta\lambda)z + \beta(1-\eta\lambda)"),
            Formula::new("optimal rates (κ = {kappa})", r"\text{GD: } \tfrac{\kappa-1}{\kappa+1} = {gd_opt},\qquad \text{HB: } \tfrac{\sqrt\kappa-1}{\sqrt\kappa+1} = {hb_opt}\ \text{at}\ \eta^* = \tfrac{4}{(\sqrt L+\sqrt\mu)^2} = {eta_star},\ \beta^* = \big(\tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\big)^2 = {beta_star}"),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const CONTROLS: &[Control] = &[
            Control::log_range("kappa", "condition number κ", 1.0, 1000.0, 50.0).unit("κ").help("L = 1, μ = 1/κ"),
            Control::range("angle", "rotation", -90.0, 90.0, 30.0).unit("°"),
            Control::log_range("lr", "learning rate η", 1e-3, 10.0, 1.0).unit("η"),
            Control::range("momentum", "momentum β", 0.0, 0.999, 0.8).unit("β"),
            Control::toggle("nesterov", "Nesterov momentum", false),
            Control::int("steps", "steps T", 1, 1000, 150),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas { id: "map", label: "level sets of the quadratic with the paths of gradient descent and the momentum method", aspect: 0.75, clickable: true },
            Canvas { id: "loss", label: "f − f* against step for gradient descent and the momentum method", aspect: 0.6, clickable: false },
            Canvas { id: "rates", label: "map of the linear rate over learning rate and momentum; grey where the method diverges; click to set η and β", aspect: 0.75, clickable: true },
            Canvas {
                id: "unrolled",
                label: "the momentum run unrolled: the weight of each past gradient in the current step and in the total move from x₀, against its age, log scale",
                aspect: 0.6,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Momentum>(st)
    }

    fn click(&self, canvas: &str, (x, y): (f64, f64), st: &State) -> Vec<(String, String)> {
        let Ok(p) = &Params::of(st) else { return Vec::new() };
        match canvas {
            "map" => super::map_sets_x0(canvas, (x, y)),
            "rates" => {
                // near the marked optimum (within 3 % of the map's width and height) the click snaps to it
                // exactly: the rate is very sensitive there (ρ jumps from 0.75 to 0.92 one percent to the right
                // of Polyak's η* at κ = 50), and no rounded value reaches it
                let kappa = p.kappa.max(1.0);
                let nesterov = p.nesterov && p.momentum > 0.0;
                let (eta_m, beta_m) = if nesterov { rate_grid(true, &[1.0, 1.0 / kappa]).2 } else { heavy_ball_optimal(1.0, 1.0 / kappa) };
                let near = ((x - eta_m.log10()) / (LOG_LR.1 - LOG_LR.0)).abs() <= 0.03 && (y - beta_m).abs() <= 0.03;
                if near && eta_m.is_finite() && beta_m.is_finite() && (1e-3..=10.0).contains(&eta_m) && (0.0..=0.999).contains(&beta_m) {
                    return vec![("lr".into(), format!("{eta_m}")), ("momentum".into(), format!("{beta_m}"))];
                }
                let eta = 10f64.powf(x.clamp(LOG_LR.0, LOG_LR.1));
                let unit = 10f64.powi(eta.log10().floor() as i32 - 2);
                let eta = (eta / unit).round() * unit;
                let beta = (y.clamp(0.0, 0.999) * 1000.0).round() / 1000.0;
                vec![("lr".into(), fmt_num(eta.max(1e-3))), ("momentum".into(), fmt_num(beta))]
            }
            _ => Vec::new(),
        }
    }
}
