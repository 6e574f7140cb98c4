//! Chapter 2 — hard landscapes: ill-conditioning, a saddle, a plateau, Rosenbrock's valley, and Newton's
//! step with its cost.

use super::common::{bounds_for, convergence, loss_chart, paths, sig, spec_of, Landscape, Sig};
use super::{Canvas, Chapter, Chart, Claim, Control, Field, Formula, Message, Model, Readout, Rel, Scene, State};
use crate::analysis::LbfgsTrace;
use crate::optim::config::{NewtonSpec, Sgd};
use crate::optim::OptimizerSpec;
use crate::plot::field::MapChart;
use crate::plot::{LineChart, Mark, Series};
use crate::problems::Problem;
use crate::problems::ProblemSpec;
use crate::run::Trace;

pub struct Landscapes;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub problem: String,
        pub kappa: f64,
        pub angle: f64,
        pub lr: f64,
        pub steps: usize,
        pub x0: (f64, f64),
        pub newton: bool,
        pub n_params: f64,
        pub lbfgs_m: usize,
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Landscapes.controls(), st)
    }
}

/// Gradient norm at or below which an end point counts as stationary.
const STATIONARY: f64 = 1e-6;
/// Curvatures below this fraction of L count as flat (a plateau far out has |λ| ~ e^{−r²/2}).
const FLAT: f64 = 1e-6;

/// Eigenvalues `(λ₁ ≤ λ₂)` of a symmetric 2×2 matrix.
fn eig2(h: &ndarray::Array2<f64>) -> Option<(f64, f64)> {
    if h.dim() != (2, 2) {
        return None;
    }
    let (a, b, d) = (h[[0, 0]], 0.5 * (h[[0, 1]] + h[[1, 0]]), h[[1, 1]]);
    let (m, r) = ((a + d) / 2.0, (((a - d) / 2.0).powi(2) + b * b).sqrt());
    (m.is_finite() && r.is_finite()).then_some((m - r, m + r))
}

/// What a run's end point is, from the gradient and the Hessian computed there: a minimum, a saddle point,
/// a flat region, or not stationary yet. Returns the readout and whether the point is a saddle.
fn end_point(name: &str, p: &dyn Problem, x: &[f64], l: f64) -> Option<(Readout, bool)> {
    let mut g = vec![0.0; x.len()];
    p.grad(x, &mut g);
    let gn = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let (lo, hi) = eig2(&p.hessian(x)?)?;
    if !gn.is_finite() {
        return None;
    }
    let label = format!("{name}: end point ({}, {})", Sig(x[0]), Sig(x[1]));
    let flat_scale = FLAT * l.abs().max(1e-300);
    let stationary = Claim::compare(gn, STATIONARY);
    let curv = format!("Hessian eigenvalues {}, {}", Sig(lo), Sig(hi));
    if stationary.rel != Rel::Le {
        return Some((
            Readout::new(label, format!("not stationary: ‖∇f‖ = {} {} {}; {curv}", Sig(gn), stationary.symbol(), Sig(STATIONARY)))
                .claiming(stationary),
            false,
        ));
    }
    let big = lo.abs().max(hi.abs());
    if big <= flat_scale {
        let c = Claim::new(big, Rel::Le, flat_scale);
        return Some((
            Readout::new(
                label,
                format!(
                    "a flat region, not a minimum: ‖∇f‖ = {} {} {}, every |curvature| ≤ {} ({curv})",
                    Sig(gn),
                    stationary.symbol(),
                    Sig(STATIONARY),
                    Sig(flat_scale)
                ),
            )
            .claiming(stationary)
            .claiming(c),
            false,
        ));
    }
    if lo < 0.0 && hi > 0.0 {
        return Some((
            Readout::new(
                label,
                format!(
                    "a saddle point, not a minimum: ‖∇f‖ = {} {} {}, Hessian eigenvalues {} < 0 < {}",
                    Sig(gn),
                    stationary.symbol(),
                    Sig(STATIONARY),
                    Sig(lo),
                    Sig(hi)
                ),
            )
            .claiming(stationary)
            .claiming(Claim::new(lo, Rel::Lt, 0.0))
            .claiming(Claim::new(0.0, Rel::Lt, hi)),
            true,
        ));
    }
    if lo > 0.0 {
        return Some((
            Readout::new(
                label,
                format!(
                    "a minimum: ‖∇f‖ = {} {} {}, Hessian eigenvalues 0 < {} ≤ {}",
                    Sig(gn),
                    stationary.symbol(),
                    Sig(STATIONARY),
                    Sig(lo),
                    Sig(hi)
                ),
            )
            .claiming(stationary)
            .claiming(Claim::new(0.0, Rel::Lt, lo))
            .claiming(Claim::new(lo, Rel::Le, hi)),
            false,
        ));
    }
    Some((
        Readout::new(label, format!("stationary: ‖∇f‖ = {} {} {}; {curv}", Sig(gn), stationary.symbol(), Sig(STATIONARY)))
            .claiming(stationary),
        false,
    ))
}

/// The problem chosen by the controls.
fn problem(p: &Params) -> ProblemSpec {
    match p.problem.as_str() {
        "rosenbrock" => ProblemSpec::rosenbrock(),
        "saddle" => ProblemSpec::saddle(),
        "plateau" => ProblemSpec::plateau(1.0),
        _ => ProblemSpec::conditioned(p.kappa, p.angle),
    }
}

/// What the chapter computes: gradient descent (and Newton) from one start, Newton's 40-step run for its
/// order of convergence and L-BFGS with memory m from the same start.
pub struct Runs {
    pub landscape: Landscape,
    pub newton: Option<Trace>,
    pub lbfgs: Option<LbfgsTrace>,
}

impl Model for Landscapes {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Runs, Message> {
        let prob = problem(p);
        let start = vec![p.x0.0, p.x0.1];
        let mut runs = vec![("gradient descent".to_string(), OptimizerSpec::Sgd(Sgd { lr: p.lr, ..Sgd::default() }))];
        if p.newton {
            runs.push(("Newton".to_string(), OptimizerSpec::Newton(NewtonSpec::default())));
        }
        let landscape = super::common::run_landscape(spec_of(prob.clone(), start.clone(), runs, p.steps, 0), false)?;
        let order = spec_of(prob, start.clone(), vec![("Newton".into(), OptimizerSpec::Newton(NewtonSpec::default()))], 40, 0);
        let newton = crate::run::run(&order).ok().and_then(|r| r.runs.into_iter().next());
        let lbfgs = Some(crate::analysis::lbfgs(landscape.problem.as_ref(), &start, p.lbfgs_m, 100, 1e-10));
        Ok(Runs { landscape, newton, lbfgs })
    }

    fn scene(p: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let Runs { landscape: Landscape { spec, problem: built, report }, newton, lbfgs } = r;
        let prob = spec.problem.clone();
        let (x, y) = p.x0;
        let lr = p.lr;
        let (f_star, l) = (built.minimum(), built.smoothness());
        let colors = [0, 1];
        let bounds = bounds_for(&prob, (x, y));
        let mut map = MapChart {
            title: "landscape and paths".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds,
            paths: paths(&report, &colors),
            ..Default::default()
        };
        map.grab_point((x, y), "x₀");
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));
        scene.charts.push(("loss", Chart::Lines(loss_chart("loss per step", &report, f_star, &colors))));
        let (order_chart, order_lines) = newton_order(report.runs.first(), p.lbfgs_m, newton.as_ref(), lbfgs.as_ref());
        scene.charts.push(("order", Chart::Lines(order_chart)));
        scene.readout.extend(order_lines);
        let (saddle_chart, saddle_lines) = saddles_in_high_dimension();
        scene.charts.push(("saddles", Chart::Lines(saddle_chart)));
        for (t, r) in report.runs.iter().zip(&spec.runs) {
            // the saddle is unbounded below: no step size makes gradient descent converge there
            let quad = if matches!(prob, ProblemSpec::Saddle(_)) { None } else { l };
            scene.readout.extend(convergence(t, f_star, quad, Some(&r.optimizer)));
        }
        // what each run's end point is, from the gradient and Hessian there
        let is_saddle = matches!(prob, ProblemSpec::Saddle(_));
        for t in &report.runs {
            let Some(end) = t.params.last().filter(|_| t.diverged.is_none()) else { continue };
            if let Some((r, saddle)) = end_point(&t.label, built.as_ref(), end, l.unwrap_or(1.0)) {
                if saddle && t.label == "Newton" {
                    let lo = built.hessian(end).as_ref().and_then(eig2).map_or(f64::NAN, |e| e.0);
                    scene.messages.push(
                        Message::warn(format!(
                            "Newton's step jumps to the stationary point of the local quadratic model, whatever its curvature: here it reached a saddle point (Hessian eigenvalue {} < 0), not a minimum. Newton's method is attracted to saddles; gradient descent is pushed away from them along negative curvature.",
                            Sig(lo)
                        ))
                        .claiming(Claim::new(lo, Rel::Lt, 0.0)),
                    );
                }
                scene.readout.push(r);
            }
        }
        if is_saddle {
            if let Some(m) = saddle_message(&report.runs[0], lr) {
                scene.messages.push(m);
            }
        }
        if let Some(t) = report.runs.first().filter(|_| matches!(prob, ProblemSpec::Plateau(_))) {
            // how long gradient descent takes to leave the plateau: a tenth of the way to the minimum at 0
            let start = &t.params[0];
            let r0 = start[0].hypot(start[1]);
            let moved = t.params.iter().position(|p| (p[0] - start[0]).hypot(p[1] - start[1]) >= 0.1 * r0);
            scene.readout.push(Readout::new(
                "gradient descent: steps until it has covered a tenth of the way to the minimum",
                match moved {
                    Some(s) => s.to_string(),
                    None if t.diverged.is_some() => "— (diverged first)".into(),
                    None => format!("not within {} steps", t.steps()),
                },
            ));
        }
        if let Some(l) = l {
            scene.readout.push(Readout::new("largest curvature L; stable η < 2/L", format!("L = {}, 2/L = {}", Sig(l), Sig(2.0 / l))));
            scene.values.push(("two_over_l".into(), sig(2.0 / l)));
        } else {
            scene.values.push(("two_over_l".into(), "2/\\sup\\lambda_{\\max}".into()));
        }
        let n = p.n_params;
        let m = p.lbfgs_m as f64;
        scene.readout.push(Readout::new(
            format!("cost per step at N = {}", Sig(n)),
            format!(
                "gradient ≈ {} operations; L-BFGS (m = {}) ≈ 4mN = {} operations and 2mN = {} stored numbers; Newton ≈ N³ = {} operations and N² = {} stored numbers ({} bytes)",
                Sig(n),
                p.lbfgs_m,
                Sig(4.0 * m * n),
                Sig(2.0 * m * n),
                Sig(n.powi(3)),
                Sig(n * n),
                Sig(8.0 * n * n)
            ),
        ));
        scene.values.push(("lr".into(), sig(lr)));
        scene.readout.extend(saddle_lines);
        scene.spec = Some(spec);
        scene.report = Some(report.into());
        scene
    }
}

impl Chapter for Landscapes {
    fn id(&self) -> &'static str {
        "landscapes"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Hard landscapes and Newton's step"
    }
    fn intro(&self) -> &'static str {
        "Plain gradient descent struggles when curvature differs a lot between directions (a high condition \
         number κ): it jitters across the steep direction while crawling along the shallow one. Plateaus and \
         saddle points have tiny gradients, so small learning rates stall there. Newton's step x − H⁻¹∇f uses \
         the curvature and solves a quadratic in one step, but needs the Hessian: O(N²) memory and O(N³) work, \
         and it goes to the stationary point of its local quadratic model, a saddle as readily as a minimum."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Raise κ to 200 and compare the number of gradient steps with Newton's single step.",
            "Push η above 2/L (shown in the readout) and watch the run diverge: the loss grows geometrically (measured rate above 1).",
            "Pick the saddle, set η = 0.1 and start on the x-axis (click the map at y = 0): gradient descent walks into the saddle point. Start just off the axis and it escapes along y, where f falls without bound; Newton jumps to the saddle point in one step.",
            "Pick the plateau, start far out (click the map at (3, 0)) and lower η: the readout counts the steps until the path moves; a ten times smaller η takes several times as many (raise T when it reads “not within”).",
            "Read the last chart: at N = 1 about half of the random critical points are minima, at N = 2 about 15 %, and from N = 6 on none of 2,000: in high dimension almost every critical point is a saddle, far more often than 2^−N.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new("gradient descent", r"x_{t+1} = x_t - \eta\,\nabla f(x_t),\quad \eta = {lr}"),
            Formula::new("Newton's step", r"x_{t+1} = x_t - H(x_t)^{-1}\nabla f(x_t)"),
            Formula::new("stable step sizes on a quadratic", r"\eta < 2/L = {two_over_l}"),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const CONTROLS: &[Control] = &[
            Control::select(
                "problem",
                "landscape",
                &[
                    ("conditioned_quadratic", "ill-conditioned quadratic"),
                    ("rosenbrock", "Rosenbrock valley"),
                    ("saddle", "saddle x² − y²"),
                    ("plateau", "plateau"),
                ],
                "conditioned_quadratic",
            ),
            Control::log_range("kappa", "condition number κ", 1.0, 1000.0, 20.0)
                .unit("κ")
                .help("ratio of the largest to the smallest curvature")
                .when("problem", &["conditioned_quadratic"]),
            Control::range("angle", "rotation", -90.0, 90.0, 30.0).unit("°").when("problem", &["conditioned_quadratic"]),
            Control::log_range("lr", "learning rate η", 1e-4, 10.0, 1.6).unit("η"),
            Control::int("steps", "steps T", 1, 1000, 100),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
            Control::toggle("newton", "show Newton's method", true),
            Control::log_range("n_params", "model size N (cost comparison)", 1e2, 1e10, 1e6).unit("parameters"),
            Control::int("lbfgs_m", "L-BFGS memory m", 1, 20, 5)
                .help("quasi-Newton on the order chart: pairs (s, y) kept to approximate the inverse Hessian, about 4mN operations and 2mN numbers per step"),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "map",
                label: "level sets of the landscape with the paths of gradient descent and Newton's method",
                aspect: 0.75,
                clickable: true,
            },
            Canvas { id: "loss", label: "loss against step for each method", aspect: 0.6, clickable: false },
            Canvas {
                id: "order",
                label: "Newton's error at step t+1 against its error at step t (log–log), with slopes 1 and 2",
                aspect: 0.6,
                clickable: false,
            },
            Canvas {
                id: "saddles",
                label: "share of random critical points that are minima against the dimension N, with 2^−N for comparison",
                aspect: 0.6,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Landscapes>(st)
    }
}

/// What gradient descent does on the saddle `f = x² − y²`, from its run: `y` is multiplied by `1 + 2η`
/// each step (negative curvature: it escapes), `x` by `1 − 2η` (it shrinks when `|1 − 2η| < 1`). Started on
/// the x-axis, y stays exactly 0 and the run walks into the saddle point (or overshoots in x).
fn saddle_message(t: &crate::run::Trace, lr: f64) -> Option<Message> {
    let (first, last) = (t.params.first()?, t.params.last()?);
    let (x0, y0, xt, yt) = (first[0], first[1], last[0], last[1]);
    let mult = (1.0 - 2.0 * lr).abs();
    let shrink = Claim::compare(mult, 1.0);
    let stopped = t.diverged.as_ref().map_or(String::new(), |d| {
        format!(" (the run stopped at step {}: {}; f is unbounded below)", d.step, d.reason.trim_end_matches('.'))
    });
    if y0 == 0.0 {
        let how = if shrink.rel == Rel::Le && mult < 1.0 {
            format!(
                "|x| shrinks by |1 − 2η| = {} {} 1 per step ({} → {}): gradient descent walks into the saddle point (0, 0), a stationary point that is not a minimum; any start off the axis escapes along y",
                Sig(mult),
                Rel::Lt.symbol(),
                Sig(x0.abs()),
                Sig(xt.abs())
            )
        } else {
            let what = if mult > 1.0 { "overshoots and grows" } else { "flips sign without shrinking" };
            format!("|1 − 2η| = {} {} 1, so x {what} ({} → {}) instead of settling at the saddle point (η ≥ 1 here; η < 1 walks into it){stopped}", Sig(mult), Rel::Ge.symbol(), Sig(x0.abs()), Sig(xt.abs()))
        };
        let claim = if mult < 1.0 { Claim::new(mult, Rel::Lt, 1.0) } else { Claim::new(mult, Rel::Ge, 1.0) };
        return Some(
            Message::info(format!("Started on the x-axis: the gradient (2x, −2y) has no y-part there, so y stays 0. {how}."))
                .claiming(claim),
        );
    }
    let grew = Claim::compare(y0.abs(), yt.abs());
    if grew.rel == Rel::Le && yt.abs() > y0.abs() {
        let claim = Claim::new(y0.abs(), Rel::Lt, yt.abs());
        Some(
            Message::info(format!(
                "Gradient descent escapes the saddle along the negative-curvature direction y: |y| is multiplied by 1 + 2η = {} each step and grew from {} to {} ({} {} {}), while f = x² − y² falls without bound{stopped}.",
                Sig(1.0 + 2.0 * lr),
                Sig(y0.abs()),
                Sig(yt.abs()),
                Sig(y0.abs()),
                claim.symbol(),
                Sig(yt.abs())
            ))
            .claiming(claim),
        )
    } else {
        None
    }
}

/// Dimensions and samples of the random-critical-point view (fixed: it depends on no control).
const SADDLE_N: usize = 12;
const SADDLE_SAMPLES: usize = 2000;

/// "Saddle points are much more common in high dimension" (the lecture), measured: the share of random
/// critical points (GOE Hessians, see [`crate::analysis::random_critical_points`]) that are minima, for
/// N = 1 … 12, beside 2^−N (each curvature's sign a fair coin). Computed once per session: it depends on no
/// control.
fn saddles_in_high_dimension() -> (LineChart, Vec<Readout>) {
    static CACHE: std::sync::OnceLock<Vec<(usize, f64, f64)>> = std::sync::OnceLock::new();
    let r = CACHE.get_or_init(|| crate::analysis::random_critical_points(SADDLE_N, SADDLE_SAMPLES, 0));
    let floor = 0.5 / SADDLE_SAMPLES as f64;
    let measured: Vec<(f64, f64)> = r.iter().filter(|(_, p, _)| *p > 0.0).map(|(n, p, _)| (*n as f64, *p)).collect();
    let coin: Vec<(f64, f64)> = (1..=SADDLE_N).map(|n| (n as f64, 0.5f64.powi(n as i32))).collect();
    let chart = LineChart {
        title: format!("random critical points that are minima ({SADDLE_SAMPLES} GOE Hessians per N)"),
        x_label: "dimension N".into(),
        y_label: "share that are minima".into(),
        y_log: true,
        y_range: Some((floor, 1.0)),
        series: vec![
            Series::line("measured: every eigenvalue > 0", 0, measured).with_mark(Mark::LinePoints),
            Series::line("2^−N (signs as fair coins)", 1, coin).with_mark(Mark::Dashed),
        ],
        ..Default::default()
    };
    let none_from = r.iter().find(|(_, p, _)| *p == 0.0).map(|(n, _, _)| *n);
    let shares: Vec<String> = r.iter().take(4).map(|(n, p, _)| format!("N = {n}: {}", Sig(*p))).collect();
    let neg = r.iter().map(|(_, _, q)| q).sum::<f64>() / r.len() as f64;
    let mut lines = vec![Readout::new(
        "random critical points that are minima",
        match none_from {
            Some(n) => {
                format!("{}; none of {SADDLE_SAMPLES} from N = {n} on (the rest are saddles)", crate::checks::join_strs(&shares, ", "))
            }
            None => format!("{}; at N = {SADDLE_N}: {}", crate::checks::join_strs(&shares, ", "), Sig(r.last().map_or(0.0, |x| x.1))),
        },
    )];
    lines.push(Readout::new(
        "random critical points: share of negative curvature directions",
        format!("{} on average over N = 1 … {SADDLE_N}", Sig(neg)),
    ));
    (chart, lines)
}

/// Newton's quadratic convergence, shown: a Newton run from `start` (40 steps at most), its errors
/// `e_t = ‖x_t − x_T‖` to the point it converges to, plotted as `(log e_t, log e_{t+1})` beside lines of
/// slope 1 (linear convergence) and 2 (quadratic); the order `p = log(e_{t+1}/e_t) / log(e_t/e_{t−1})` from
/// the last three errors above rounding.
fn newton_order(gd: Option<&Trace>, m: usize, newton: Option<&Trace>, lbfgs: Option<&LbfgsTrace>) -> (LineChart, Vec<Readout>) {
    let mut chart = LineChart {
        title: "Newton near its limit: e_{t+1} against e_t".into(),
        x_label: "log₁₀ e_t".into(),
        y_label: "log₁₀ e_{t+1}".into(),
        ..Default::default()
    };
    let Some(t) = newton else {
        return (chart, vec![]);
    };
    let limit = t.params.last().cloned().unwrap_or_default();
    let err: Vec<f64> = t.params.iter().map(|p| (p[0] - limit[0]).hypot(p[1] - limit[1])).collect();
    // e_t above rounding (relative to the limit's size)
    let floor = 1e-13 * (1.0 + limit[0].hypot(limit[1]));
    let usable: Vec<f64> = err.iter().copied().take_while(|e| *e > floor).collect();
    let converged_pts = t.grad_norm.last().is_some_and(|g| *g < 1e-8);
    let pts: Vec<(f64, f64)> = if converged_pts { usable.windows(2).map(|w| (w[0].log10(), w[1].log10())).collect() } else { Vec::new() };
    let converged = t.grad_norm.last().is_some_and(|g| *g < 1e-8);
    let line = if t.diverged.is_some() {
        format!(
            "Newton stopped at step {}: {}",
            t.diverged.as_ref().map_or(0, |d| d.step),
            t.diverged.as_ref().map_or("", |d| d.reason.as_str())
        )
    } else if !converged {
        format!(
            "Newton has not converged within {} steps (‖∇f‖ = {}), so there is no limit to measure against",
            t.steps(),
            Sig(t.grad_norm.last().copied().unwrap_or(f64::NAN))
        )
    } else if usable.len() <= 1 {
        "Newton lands on its limit in one step: a quadratic is its own quadratic model".to_string()
    } else if usable.len() < 3 {
        format!("Newton reaches its limit in {} steps, too few to measure an order", usable.len())
    } else {
        let n = usable.len();
        let (a, b, c) = (usable[n - 3], usable[n - 2], usable[n - 1]);
        let order = (c / b).ln() / (b / a).ln();
        format!(
            "p ≈ {} from its last three errors e = {}, {}, {} (linear convergence has p = 1; Newton's is quadratic, p = 2, in the limit, and a few steps only estimate it)",
            Sig(order),
            Sig(a),
            Sig(b),
            Sig(c)
        )
    };
    // gradient descent's errors to the same limit, for contrast (linear convergence: slope 1), when it converged
    let gd_pts: Vec<(f64, f64)> = match gd {
        Some(g) if converged_pts && g.diverged.is_none() => {
            let e: Vec<f64> = g.params.iter().map(|p| (p[0] - limit[0]).hypot(p[1] - limit[1])).take_while(|e| *e > floor).collect();
            e.windows(2).map(|w| (w[0].log10(), w[1].log10())).collect()
        }
        _ => Vec::new(),
    };
    // the reference slopes start at the first point shown (at (0, 0) when there is none), so the chart always
    // says what its axes mean
    let (x0, y0) = pts.first().or(gd_pts.first()).copied().unwrap_or((0.0, 0.0));
    let x1 = pts.iter().chain(&gd_pts).map(|p| p.0).fold(x0 - 4.0, f64::min);
    chart.series.push(Series::line("slope 1 (linear)", 2, vec![(x0, y0), (x1, y0 + (x1 - x0))]).with_mark(Mark::Dashed));
    chart.series.push(Series::line("slope 2 (quadratic)", 3, vec![(x0, y0), (x1, y0 + 2.0 * (x1 - x0))]).with_mark(Mark::Dashed));
    if !gd_pts.is_empty() {
        chart.series.insert(0, Series::line("gradient descent", 0, gd_pts).with_mark(Mark::Points));
    }
    chart.series.insert(0, Series::line("Newton: (log e_t, log e_{t+1})", 1, pts).with_mark(Mark::LinePoints));
    let mut lines = vec![Readout::new("Newton's order of convergence near its limit", line)];
    // quasi-Newton: L-BFGS with memory m from the same start, errors to its own limit
    if let Some(q) = lbfgs {
        let converged = q.grad_norm.last().is_some_and(|g| *g <= 1e-10);
        let newton_steps = t.grad_norm.iter().position(|g| *g <= 1e-10);
        let last_g = q.grad_norm.last().copied().unwrap_or(f64::NAN);
        let text = if converged {
            let lim = q.params.last().cloned().unwrap_or_default();
            let e: Vec<f64> = q.params.iter().map(|p| (p[0] - lim[0]).hypot(p[1] - lim[1])).take_while(|e| *e > floor).collect();
            let qpts: Vec<(f64, f64)> = e.windows(2).map(|w| (w[0].log10(), w[1].log10())).collect();
            if !qpts.is_empty() {
                chart.series.insert(1, Series::line(format!("L-BFGS (m = {m})"), 4, qpts).with_mark(Mark::LinePoints));
            }
            format!(
                "‖∇f‖ ≤ 1e-10 after {} steps and {} function evaluations (Newton: {}); each step costs O(mN), not O(N³)",
                q.loss.len() - 1,
                q.evaluations,
                newton_steps.map_or("not within 40 steps".to_string(), |s| format!("{s} step{}", if s == 1 { "" } else { "s" }))
            )
        } else {
            match &q.stopped {
                Some(why) => format!("stopped after {} steps: {why}", q.loss.len() - 1),
                None => format!(
                    "‖∇f‖ = {} and f = {} after {} steps: not converged",
                    Sig(q.grad_norm.last().copied().unwrap_or(f64::NAN)),
                    Sig(q.loss.last().copied().unwrap_or(f64::NAN)),
                    q.loss.len() - 1
                ),
            }
        };
        let mut r = Readout::new(format!("L-BFGS (m = {m}, weak Wolfe line search) from x₀"), text);
        if converged {
            r = r.claiming(Claim::new(last_g, Rel::Le, 1e-10));
        }
        lines.push(r);
    }
    (chart, lines)
}
