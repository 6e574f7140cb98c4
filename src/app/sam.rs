//! Chapter 8 — Sharpness-Aware Minimization: SAM and plain descent from one start on a landscape with a
//! sharp deep minimum and a flat shallow one; the ascent step ε̂ and its p-norm ball; the sharpness λ_max
//! along both runs; and the ρ-robust loss SAM is after.

use super::common::{bounds_for, convergence, loss_chart, paths, sig, spec_of, Landscape, Sig};
use super::{Canvas, Chapter, Chart, Control, Field, Formula, Message, Model, Readout, Scene, State};
use crate::optim::config::{SamSpec, Sgd};
use crate::optim::{dual_ascent, OptimizerSpec};
use crate::plot::field::{MapChart, MapPath};
use crate::plot::{LineChart, Mark, Series};
use crate::problems::{FlatSharpSpec, Problem, ProblemSpec};
use std::f64::consts::PI;

pub struct Sam;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub rho: f64,
        pub p_mode: String,
        pub p: f64,
        pub adaptive: bool,
        pub lr: f64,
        pub inner: String,
        pub momentum: f64,
        pub steps: usize,
        pub x0: (f64, f64),
        pub sharp_width: f64,
        pub at_step: usize,
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Sam.controls(), st)
    }
}

/// Palette: plain descent, SAM, references.
const DESCENT: usize = 0;
const SAM: usize = 1;
const GREY: usize = 6;
const ORANGE: usize = 4;

/// The landscape: a sharp deep well at (−1, 0) (width from the control) and a flat, shallower one at
/// (1.5, 0) of width 1.5, with no bowl. Chosen (by a sweep over starts, ρ and η) so that the two basins
/// meet along a diagonal where SAM's detour shows.
pub fn problem(ps: &Params) -> ProblemSpec {
    ProblemSpec::FlatSharp(FlatSharpSpec { sharp_depth: 1.0, sharp_width: ps.sharp_width, flat_depth: 0.8, flat_width: 1.5, bowl: 0.0 })
}

/// `p` from the controls: 2, ∞ or the free value.
pub fn p_of(ps: &Params) -> f64 {
    match ps.p_mode.as_str() {
        "inf" => f64::INFINITY,
        "custom" => ps.p,
        _ => 2.0,
    }
}

fn p_text(p: f64) -> String {
    if p.is_infinite() {
        "∞".into()
    } else if (p - p.round()).abs() < 1e-9 {
        format!("{}", p.round())
    } else {
        sig(p)
    }
}

/// The inner optimizer (plain descent) and SAM around it.
pub fn optimizers(ps: &Params) -> (OptimizerSpec, OptimizerSpec) {
    let momentum = if ps.inner.as_str() == "sgd_momentum" { ps.momentum } else { 0.0 };
    let inner = OptimizerSpec::Sgd(Sgd { lr: ps.lr, momentum, ..Sgd::default() });
    let sam = OptimizerSpec::Sam(SamSpec { rho: ps.rho, p: p_of(ps), adaptive: ps.adaptive, inner: Box::new(inner.clone()) });
    (inner, sam)
}

/// The dashed line of the sharpness chart: the largest curvature at which the inner optimizer is stable,
/// `bound·L/η` from its step-size bound on a quadratic (2/η for gradient descent, 2(1+β)/η for heavy ball).
pub fn rest_edge(inner: &OptimizerSpec, lr: f64) -> (&'static str, f64) {
    // the bound on η for L = 1 is the constant c of "ηλ < c"
    let c = crate::analysis::stability_bound(inner, 1.0).map_or(2.0, |b| b.bound);
    let name = match inner {
        OptimizerSpec::Sgd(s) if s.momentum > 0.0 => "2(1+β)/η",
        _ => "2/η",
    };
    (name, if lr > 0.0 { c / lr } else { f64::INFINITY })
}

/// SAM's ascent step at `x` exactly as the optimizer takes it (see `optim::Sam`): the dual-norm direction,
/// in the space rescaled by `|x|` when adaptive.
pub fn eps_hat(problem: &dyn Problem, x: &[f64], rho: f64, p: f64, adaptive: bool) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    problem.grad(x, &mut g);
    if adaptive {
        let tg: Vec<f64> = g.iter().zip(x).map(|(gi, xi)| xi.abs() * gi).collect();
        dual_ascent(&tg, rho, p).iter().zip(x).map(|(e, xi)| xi.abs() * e).collect()
    } else {
        dual_ascent(&g, rho, p)
    }
}

/// Unit p-sphere in 2-D, starting (and ending) at the direction `start_angle`; the square's corners are
/// included so that p = ∞ is drawn exactly.
fn unit_sphere(p: f64, start_angle: f64, n: usize) -> Vec<(f64, f64)> {
    let mut angles: Vec<f64> = (0..n).map(|k| 2.0 * PI * k as f64 / n as f64).collect();
    angles.extend([0.25, 0.75, 1.25, 1.75].map(|c| turn(c * PI - start_angle)));
    crate::linalg::sort_f64(&mut angles);
    let mut pts: Vec<(f64, f64)> = angles
        .into_iter()
        .map(|a| {
            let (s, c) = (start_angle + a).sin_cos();
            let norm = if p.is_infinite() { c.abs().max(s.abs()) } else { (c.abs().powf(p) + s.abs().powf(p)).powf(1.0 / p) };
            (c / norm, s / norm)
        })
        .collect();
    pts.push(pts[0]);
    pts
}

/// `a.rem_euclid(2π)` for an angle `a` in (−2π, 4π) (`unit_sphere`'s corners: c·π − θ with c in [0, 2] and θ
/// from `atan2`, in [−π, π]), bit for bit: there `a % 2π` is `a` below 2π and the exact `a − 2π` from 2π on
/// (Sterbenz), so no `fmod` (software in wasm, with 128-bit division: 2 KB of code) is needed.
fn turn(a: f64) -> f64 {
    let r = if a >= 2.0 * PI { a - 2.0 * PI } else { a };
    if r < 0.0 {
        r + 2.0 * PI
    } else {
        r
    }
}

/// The ball `{x + T·ε : ‖ε‖_p ≤ ρ}` (T = diag|x| when adaptive, else I) as a closed polygon that starts and
/// ends at `x + ε̂`.
fn ball(x: (f64, f64), eps: (f64, f64), rho: f64, p: f64, adaptive: bool) -> Vec<(f64, f64)> {
    let t = if adaptive { (x.0.abs(), x.1.abs()) } else { (1.0, 1.0) };
    let unscaled = (if t.0 > 0.0 { eps.0 / t.0 } else { 0.0 }, if t.1 > 0.0 { eps.1 / t.1 } else { 0.0 });
    let start = if unscaled == (0.0, 0.0) { 0.0 } else { unscaled.1.atan2(unscaled.0) };
    unit_sphere(p, start, 72).into_iter().map(|(a, b)| (x.0 + rho * t.0 * a, x.1 + rho * t.1 * b)).collect()
}

/// `max_{‖ε‖_p ≤ ρ} f(x + T·ε)` estimated over the centre and 72 boundary points of the ball.
fn robust_value(problem: &dyn Problem, x: (f64, f64), sphere: &[(f64, f64)], rho: f64, adaptive: bool) -> f64 {
    let t = if adaptive { (x.0.abs(), x.1.abs()) } else { (1.0, 1.0) };
    sphere.iter().map(|(a, b)| problem.value(&[x.0 + rho * t.0 * a, x.1 + rho * t.1 * b])).fold(problem.value(&[x.0, x.1]), f64::max)
}

/// Largest Hessian eigenvalue (exact, 2×2: `linalg::symmetric_eigenvalues`). Not power iteration: that
/// finds the eigenvalue of largest magnitude, which on a concave stretch of the path is the negative one.
pub fn lambda_max(problem: &dyn Problem, x: &[f64]) -> f64 {
    problem.hessian(x).map_or(f64::NAN, |h| crate::linalg::symmetric_eigenvalues(h.view()).first().copied().unwrap_or(f64::NAN))
}

/// A local minimum found by Newton's method from `start` (the well's centre); `None` if it fails.
pub fn local_minimum(problem: &dyn Problem, start: [f64; 2]) -> Option<[f64; 2]> {
    let mut x = start.to_vec();
    let mut g = vec![0.0; 2];
    for _ in 0..50 {
        problem.grad(&x, &mut g);
        if g.iter().map(|v| v * v).sum::<f64>().sqrt() < 1e-12 {
            break;
        }
        let h = problem.hessian(&x)?;
        let d = crate::linalg::solve(h.view(), &g)?;
        x[0] -= d[0];
        x[1] -= d[1];
    }
    problem.grad(&x, &mut g);
    let ok = g.iter().all(|v| v.abs() < 1e-9) && lambda_min(problem, &x) > 0.0;
    ok.then_some([x[0], x[1]])
}

fn lambda_min(problem: &dyn Problem, x: &[f64]) -> f64 {
    problem.hessian(x).map_or(f64::NAN, |h| crate::linalg::symmetric_eigenvalues(h.view()).last().copied().unwrap_or(f64::NAN))
}

/// One of the two minima.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Minimum {
    pub name: &'static str,
    pub at: [f64; 2],
    pub f: f64,
    pub lambda_max: f64,
    /// A run ending within this distance counts as having landed here.
    pub radius: f64,
}

/// The sharp and the flat minimum of the chapter's landscape.
pub fn minima(problem: &dyn Problem, sharp_width: f64) -> Vec<Minimum> {
    let mut out = Vec::new();
    for (name, centre, radius) in [("sharp", [-1.0, 0.0], sharp_width), ("flat", [1.5, 0.0], 0.75)] {
        if let Some(at) = local_minimum(problem, centre) {
            out.push(Minimum { name, at, f: problem.value(&at), lambda_max: lambda_max(problem, &at), radius });
        }
    }
    out
}

/// Which minimum a point is at, if any.
pub fn landed<'a>(minima: &'a [Minimum], x: &[f64]) -> Option<&'a Minimum> {
    minima.iter().find(|m| ((x[0] - m.at[0]).powi(2) + (x[1] - m.at[1]).powi(2)).sqrt() < m.radius)
}

/// What the chapter computes: plain descent and SAM from one start on the two-minima landscape, its minima,
/// SAM's ε̂ at the inspected step, λ_max along both paths, and f and SAM's robust loss along y = 0.
pub struct Runs {
    pub landscape: Landscape,
    pub minima: Vec<Minimum>,
    /// The inspected step (clamped to SAM's run), SAM's iterate there and its ε̂.
    pub t: usize,
    pub xt: Vec<f64>,
    pub eps: Vec<f64>,
    /// λ_max(∇²f) at every iterate of each run.
    pub sharpness: Vec<Vec<f64>>,
    /// Along y = 0 across the map: (x, f(x, 0), the max of f over the ρ-ball around (x, 0)).
    pub robust_line: Vec<(f64, f64, f64)>,
}

impl Model for Sam {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(ps: &Params) -> Result<Runs, Message> {
        let (x, y) = ps.x0;
        let (rho, p, adaptive) = (ps.rho, p_of(ps), ps.adaptive);
        let (inner, sam) = optimizers(ps);
        let spec = spec_of(problem(ps), vec![x, y], vec![("plain descent".into(), inner), ("SAM".into(), sam)], ps.steps, 0);
        let landscape = super::common::run_landscape(spec, false)?;
        let problem = landscape.problem.as_ref();
        let minima = minima(problem, ps.sharp_width);
        let sam_trace = &landscape.report.runs[1];
        let t = ps.at_step.min(sam_trace.steps());
        let xt = sam_trace.params.get(t).cloned().unwrap_or_else(|| vec![x, y]);
        let eps = eps_hat(problem, &xt, rho, p, adaptive);
        let sharpness = landscape.report.runs.iter().map(|r| r.params.iter().map(|q| lambda_max(problem, q)).collect()).collect();
        let bounds = bounds_for(&landscape.spec.problem, (x, y));
        let sphere = unit_sphere(p, 0.0, 72);
        let n = 161;
        let (xa, xb) = (bounds.0, bounds.1);
        let robust_line = (0..n)
            .map(|i| {
                let u = xa + (xb - xa) * i as f64 / (n - 1) as f64;
                (u, problem.value(&[u, 0.0]), robust_value(problem, (u, 0.0), &sphere, rho, adaptive))
            })
            .collect();
        Ok(Runs { landscape, minima, t, xt, eps, sharpness, robust_line })
    }

    fn scene(ps: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let Runs { landscape: Landscape { spec, problem: built, report }, minima, t, xt, eps, sharpness, robust_line } = r;
        let problem = built.as_ref();
        let prob = spec.problem.clone();
        let (x, y) = ps.x0;
        let (rho, p, adaptive, lr) = (ps.rho, p_of(ps), ps.adaptive, ps.lr);
        let colors = [DESCENT, SAM];

        // the map
        let bounds = bounds_for(&prob, (x, y));
        let mut map = MapChart {
            title: "paths from one start".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds,
            paths: paths(&report, &colors),
            ..Default::default()
        };
        map.grab_point((x, y), "x₀");
        for m in &minima {
            map.markers.push((m.at[0], m.at[1], m.name.into(), usize::MAX));
        }
        if t < ps.at_step {
            scene.messages.push(Message::info(format!("inspect step t = {} is past SAM's last step; showing step {t}", ps.at_step)));
        }
        if rho > 0.0 && eps.iter().all(|v| v.is_finite()) {
            let tip = (xt[0] + eps[0], xt[1] + eps[1]);
            map.arrows.push(((xt[0], xt[1]), tip, SAM));
            map.paths.push(MapPath {
                name: String::new(),
                color: SAM,
                points: ball((xt[0], xt[1]), (eps[0], eps[1]), rho, p, adaptive),
                dashed: true,
            });
        }
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));

        // sharpness along the runs
        let steps = report.runs.iter().map(|r| r.steps()).max().unwrap_or(0).max(1) as f64;
        let mut series: Vec<Series> = report
            .runs
            .iter()
            .zip(colors)
            .zip(&sharpness)
            .map(|((r, c), lam)| Series::line(r.label.clone(), c, lam.iter().enumerate().map(|(s, v)| (s as f64, *v)).collect()))
            .collect();
        for m in &minima {
            series.push(
                Series::line(format!("λ_max at the {} minimum", m.name), GREY, vec![(0.0, m.lambda_max), (steps, m.lambda_max)])
                    .with_mark(Mark::Dashed),
            );
        }
        // the sharpest curvature the inner optimizer can rest at: its step-size bound on a quadratic, read as a
        // bound on λ (gradient descent ηλ < 2, heavy ball ηλ < 2(1+β))
        let (edge_name, edge) = rest_edge(&spec.runs[0].optimizer, lr);
        let top = minima.iter().map(|m| m.lambda_max).fold(0.0, f64::max);
        if lr > 0.0 && edge < 3.0 * top.max(1.0) {
            series.push(Series::line(edge_name, ORANGE, vec![(0.0, edge), (steps, edge)]).with_mark(Mark::Dashed));
        }
        scene.charts.push((
            "sharpness",
            Chart::Lines(LineChart {
                title: "sharpness along the path".into(),
                x_label: "step t".into(),
                y_label: "λ_max(∇²f(x_t))".into(),
                series,
                ..Default::default()
            }),
        ));
        scene.charts.push(("loss", Chart::Lines(loss_chart("loss along the path", &report, None, &colors))));

        // the robust loss along y = 0
        let mut robust = vec![
            Series::line("f(x, 0)", DESCENT, robust_line.iter().map(|&(u, f, _)| (u, f)).collect()),
            Series::line(
                format!("max over the ρ-ball (ρ = {}, p = {})", Sig(rho), p_text(p)),
                SAM,
                robust_line.iter().map(|&(u, _, r)| (u, r)).collect(),
            ),
        ];
        for m in &minima {
            robust.push(Series::line(format!("{} minimum", m.name), GREY, vec![(m.at[0], m.f)]).with_mark(Mark::Points));
        }
        scene.charts.push((
            "robust",
            Chart::Lines(LineChart {
                title: "what SAM aims at, along y = 0".into(),
                x_label: "x".into(),
                y_label: "loss".into(),
                series: robust,
                ..Default::default()
            }),
        ));

        // readouts
        for (trace, r) in report.runs.iter().zip(&spec.runs) {
            let end = trace.params.last().cloned().unwrap_or_else(|| vec![x, y]);
            let at = landed(&minima, &end);
            let place = match at {
                Some(m) => format!("the {} minimum", m.name),
                None if lambda_min(problem, &end) < 0.0 => "neither minimum: on the ridge between the wells (f curves down there)".into(),
                None => "neither minimum".into(),
            };
            scene.readout.push(Readout::new(
                format!("{}: ends at", trace.label),
                format!(
                    "({}, {}) — {place}; f = {}, λ_max = {}",
                    Sig(end[0]),
                    Sig(end[1]),
                    Sig(problem.value(&end)),
                    Sig(lambda_max(problem, &end))
                ),
            ));
            scene.readout.extend(convergence(trace, at.map(|m| m.f), None, Some(&r.optimizer)));
        }
        for m in &minima {
            scene.readout.push(Readout::new(
                format!("{} minimum", m.name),
                format!("at ({}, {}); f = {}, λ_max = {}", Sig(m.at[0]), Sig(m.at[1]), Sig(m.f), Sig(m.lambda_max)),
            ));
        }
        if rho > 0.0 {
            let (norm, what) = if adaptive {
                let scaled: Vec<f64> = eps.iter().zip(&xt).map(|(e, xi)| if *xi != 0.0 { e / xi.abs() } else { 0.0 }).collect();
                (p_norm(&scaled, p), "‖ε̂/|x|‖")
            } else {
                (p_norm(&eps, p), "‖ε̂‖")
            };
            scene.readout.push(Readout::new(
                format!("ε̂ at step {t} of SAM"),
                format!("({}, {}); {what}_{} = {}", Sig(eps[0]), Sig(eps[1]), p_text(p), Sig(norm)),
            ));
        }
        scene.readout.push(Readout::new(
            "gradient evaluations",
            format!("plain descent {}, SAM {} (two per step)", report.runs[0].steps(), 2 * report.runs[1].steps()),
        ));

        scene.values.push(("lr".into(), sig(lr)));
        scene.values.push(("rho".into(), sig(rho)));
        scene.values.push(("p_shown".into(), if p.is_infinite() { r"\infty".into() } else { p_text(p) }));
        let beta = if ps.inner.as_str() == "sgd_momentum" { ps.momentum } else { 0.0 };
        // the bound and its edge as values of their own (β's value goes into the caption), so a change of the inner
        // optimizer typesets and lays out "2(1+β)" alone instead of the whole formula
        let (bound, name, beta_note) =
            if beta > 0.0 { (r"2(1+\beta)", r"2(1+\beta)/\eta", format!(", β = {}", Sig(beta))) } else { ("2", r"2/\eta", String::new()) };
        scene.values.push(("rest_bound".into(), bound.into()));
        scene.values.push(("rest_name".into(), name.into()));
        scene.values.push(("rest_edge".into(), sig(edge)));
        scene.values.push(("rest_beta".into(), beta_note));
        scene.spec = Some(spec);
        scene.report = Some(report.into());
        scene
    }
}

impl Chapter for Sam {
    fn id(&self) -> &'static str {
        "sam"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Sharpness-Aware Minimization"
    }
    fn intro(&self) -> &'static str {
        "Flat minima are believed to generalise better than sharp ones, so SAM minimises the worst loss in a \
         neighbourhood, max over ‖ε‖_p ≤ ρ of f(x + ε), instead of f itself. It approximates the inner maximum \
         to first order by the dual-norm step ε̂ (the arrow) and then descends with the gradient taken at \
         x + ε̂, at the price of two gradients per step. Here the deeper minimum is a sharp well (λ_max ≈ 11 at \
         the default width) and the shallower one is flat (λ_max ≈ 0.36); both runs start at the same point. \
         The lecture's Theorem 2 (the flatness-based generalisation bound) needs a trained network and a test \
         set: chapter 11, “Small trainings”, draws its terms against ρ for the network it trains (the chart \
         “SAM's bound without h”)."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Set ρ to 0: SAM's path becomes plain descent's.",
            "Slide “inspect step t” to follow ε̂ and its ball along SAM's path; switch p to ∞ and the ball becomes \
             a square with ε̂ at a corner.",
            "Click near (−1.5, 0.8), closer to the sharp well: SAM falls in too and keeps bouncing across it. Click \
             near (−2.2, 1.5): SAM stalls on the ridge between the wells for the second half of the run. First-order \
             SAM only moves the border between the basins.",
            "Raise ρ to 0.35: in “what SAM aims at”, the worst-case loss of the sharp well now lies above the flat \
             one's.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new("what SAM minimises", r"\min_x\ \max_{\|\epsilon\|_p\le\rho} f(x+\epsilon),\quad \rho = {rho}"),
            Formula::new(
                "first-order worst case (dual norm, 1/p + 1/q = 1)",
                r"\hat\epsilon = \rho\,\mathrm{sign}(\nabla f)\,\frac{|\nabla f|^{q-1}}{\left(\|\nabla f\|_q^q\right)^{1/p}},\quad p = {p_shown}",
            ),
            Formula::new("SAM step (two gradients)", r"x_{t+1} = x_t - \eta\,\nabla f(x_t + \hat\epsilon_t),\quad \eta = {lr}"),
            Formula::new(
                "the inner optimizer can rest in a minimum only if (its bound on a quadratic{rest_beta})",
                r"\eta\,\lambda_{\max}(\nabla^2 f) < {rest_bound},\quad {rest_name} = {rest_edge}",
            ),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const CONTROLS: &[Control] = &[
            Control::range("rho", "neighbourhood radius ρ", 0.0, 1.0, 0.15)
                .unit("ρ")
                .help("radius of the ball SAM looks for the worst loss in"),
            Control::select("p_mode", "norm of the ball p", &[("2", "p = 2 (SAM)"), ("inf", "p = ∞ (sign)"), ("custom", "other p")], "2"),
            Control::range("p", "p", 1.05, 10.0, 3.0).unit("p").help("any p in (1, 10]").when("p_mode", &["custom"]),
            Control::toggle("adaptive", "adaptive (ASAM: ball scaled by |x|)", false),
            Control::log_range("lr", "learning rate η", 1e-3, 1.0, 0.09).unit("η"),
            Control::select("inner", "inner optimizer", &[("sgd", "gradient descent"), ("sgd_momentum", "SGD with momentum")], "sgd"),
            Control::range("momentum", "momentum β", 0.0, 0.99, 0.9).unit("β").when("inner", &["sgd_momentum"]),
            Control::int("steps", "steps T", 1, 2000, 600),
            Control::point("x0", "start x₀ (click the map)", (-1.85, 1.45), -5.0, 5.0),
            Control::range("sharp_width", "width of the sharp well", 0.1, 0.6, 0.3).help("its curvature is about 1/width²"),
            Control::int("at_step", "inspect step t (arrow ε̂ and ball)", 0, 2000, 0).help("a point of SAM's path"),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "map",
                label:
                    "landscape with the paths of plain descent and SAM from one start, SAM's ascent step ε̂ as an arrow and its p-norm ball",
                aspect: 0.75,
                clickable: true,
            },
            Canvas { id: "sharpness", label: "largest Hessian eigenvalue along each path, with 2/η", aspect: 0.6, clickable: false },
            Canvas { id: "loss", label: "loss along each path", aspect: 0.6, clickable: false },
            Canvas {
                id: "robust",
                label: "the loss and SAM's worst-case loss over the ρ-ball along the line y = 0",
                aspect: 0.6,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Sam>(st)
    }
}

fn p_norm(v: &[f64], p: f64) -> f64 {
    if p.is_infinite() {
        v.iter().fold(0.0, |m, x| m.max(x.abs()))
    } else {
        v.iter().map(|x| x.abs().powf(p)).sum::<f64>().powf(1.0 / p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_is_rem_euclid_bit_for_bit() {
        let tau = 2.0 * PI;
        // the corners' angles from every start θ that atan2 can give, the ends of the range and its edges
        let mut angles = vec![-tau * (1.0 - f64::EPSILON), -PI, -0.0, 0.0, f64::MIN_POSITIVE, tau, 4.0 * PI * (1.0 - f64::EPSILON)];
        for k in 0..=20_000 {
            let theta = -PI + tau * k as f64 / 20_000.0;
            angles.extend([0.25, 0.75, 1.25, 1.75].map(|c| c * PI - theta));
        }
        for a in angles {
            assert_eq!(turn(a).to_bits(), a.rem_euclid(tau).to_bits(), "{a}");
        }
        assert!(turn(f64::NAN).is_nan());
    }
}
