//! Chapter 5 — L2 penalty vs decoupled weight decay: for SGD they are one update, for Adam they are not.
//!
//! Four runs from one start on a quadratic whose minimum is away from 0:
//! SGD with `weight_decay = λ` (the L2 penalty, which for plain SGD *is* the decoupled decay
//! `(1 − ηλ)x − η∇f`), plain SGD on the penalised objective `f̃ = f + λ/2‖x‖²` (a different problem, run
//! from its own spec), Adam with `weight_decay = λ` (L2 inside the gradient) and AdamW (decay beside the
//! Adam step). The first two coincide to rounding; the last two do not.

use super::common::{convergence, sig, spec_of, Sig, GAP_FLOOR};
use super::{Canvas, Chapter, Chart, Control, Field, Formula, Message, Model, Readout, Scene, State};
use crate::optim::config::{Adam, Coupled, Decoupled, Sgd};
use crate::optim::transforms::{AddDecayedWeights, Chain, Momentum as MomentumTransform, ScaleByLearningRate};
use crate::optim::Optimizer;
use crate::optim::OptimizerSpec;
use crate::plot::field::MapChart;
use crate::plot::field::MapPath;
use crate::plot::{LineChart, Mark, Series};
use crate::problems::{Problem, ProblemSpec};
use crate::run::{run_one, Report, Trace};
use crate::spec::{RunSpec, Spec};

pub struct WeightDecay;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub problem: String,
        pub weight_decay: f64,
        pub lr: f64,
        pub sgd_momentum: f64,
        pub steps: usize,
        pub x0: (f64, f64),
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&WeightDecay.controls(), st)
    }
}

/// Colours, one per run, the same on every chart.
const SGD_L2: usize = 0;
const SGD_PENALISED: usize = 5;
const ADAM_L2: usize = 1;
const ADAMW: usize = 2;

/// `(A, x*)` of the chosen quadratic `f = ½xᵀAx − bᵀx`, `b = Ax*`.
fn quadratic(p: &Params) -> ([[f64; 2]; 2], [f64; 2]) {
    match p.problem.as_str() {
        "isotropic" => ([[1.0, 0.0], [0.0, 1.0]], [2.0, -1.0]),
        "rotated" => {
            // eigenvalues 3 and 0.3 along the diagonals
            let (l1, l2) = (3.0, 0.3);
            ([[(l1 + l2) / 2.0, (l1 - l2) / 2.0], [(l1 - l2) / 2.0, (l1 + l2) / 2.0]], [2.0, -0.5])
        }
        _ => ([[3.0, 0.0], [0.0, 0.3]], [1.5, -1.5]),
    }
}

fn problem_spec(a: [[f64; 2]; 2], b: [f64; 2]) -> ProblemSpec {
    ProblemSpec::quadratic(a.iter().map(|r| r.to_vec()).collect(), b.to_vec())
}

fn mat_vec(a: &[[f64; 2]; 2], x: [f64; 2]) -> [f64; 2] {
    [a[0][0] * x[0] + a[0][1] * x[1], a[1][0] * x[0] + a[1][1] * x[1]]
}

/// Solves the 2×2 system `a·x = b` (a is symmetric positive definite here).
fn solve2(a: &[[f64; 2]; 2], b: [f64; 2]) -> [f64; 2] {
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    [(a[1][1] * b[0] - a[0][1] * b[1]) / det, (a[0][0] * b[1] - a[1][0] * b[0]) / det]
}

fn norm2(p: &[f64]) -> f64 {
    p.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn dist(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
}

fn point_text(p: &[f64]) -> String {
    match p {
        [x, y, ..] => format!("({}, {})", Sig(*x), Sig(*y)),
        _ => "—".into(),
    }
}

/// Bounds `(x0, x1, y0, y1)` holding every finite point (padded by 8%), widened to the height/width
/// `aspect` of the canvas so that circles look round. Points beyond `limit` in any coordinate are ignored
/// (a diverging path must not shrink everything else to a dot); half-widths are at least `min_half`.
pub(super) fn fit_bounds(points: impl Iterator<Item = (f64, f64)>, aspect: f64, limit: f64, min_half: f64) -> (f64, f64, f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (x, y) in points.filter(|(x, y)| x.is_finite() && y.is_finite() && x.abs() <= limit && y.abs() <= limit) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !(x0.is_finite() && y0.is_finite()) {
        return (-1.0, 1.0, -aspect, aspect);
    }
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    // the half-width that holds both extents at this aspect (the half-height follows from it)
    let hx = ((x1 - x0) / 2.0 * 1.08).max(min_half).max(((y1 - y0) / 2.0 * 1.08).max(min_half) / aspect);
    // Snap to "nice" sizes and centres, so that small control changes keep the same view and the browser
    // reuses the cached landscape image instead of recomputing it.
    let nice = |v: f64| {
        let p = 10f64.powf(v.log10().floor());
        [1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0].iter().map(|m| m * p).find(|&c| c >= v).unwrap_or(10.0 * p)
    };
    let hx = nice(hx * 1.0625);
    let hy = hx * aspect;
    let (gx, gy) = (hx / 8.0, hy / 8.0);
    let (cx, cy) = ((cx / gx).round() * gx, (cy / gy).round() * gy);
    (cx - hx, cx + hx, cy - hy, cy + hy)
}

/// What the chapter computes: the quadratic's and the penalised quadratic's minima, SGD + L2, SGD on f̃, Adam + L2
/// and AdamW from one start, and SGD's L2 vs decoupled decay without and with momentum.
pub struct Runs {
    /// SGD + L2, Adam + L2 and AdamW on f (the copied spec).
    pub main: Spec,
    /// The four runs in display order: SGD + L2, SGD on f̃, Adam + L2, AdamW.
    pub traces: Vec<Trace>,
    /// The penalised objective f̃ = f + λ/2‖x‖².
    pub penalised: Box<dyn Problem>,
    /// The minima of f, of f̃, and of f + (1 − β)λ/2‖x‖².
    pub x_star: [f64; 2],
    pub x_pen: [f64; 2],
    pub x_hat: [f64; 2],
    /// SGD with L2 and with decoupled decay, without momentum and with β.
    pub plain: (Trace, Trace),
    pub with_m: (Trace, Trace),
}

impl Model for WeightDecay {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Runs, Message> {
        let (a, x_star) = quadratic(p);
        let b = mat_vec(&a, x_star);
        let lambda = p.weight_decay;
        let lr = p.lr;
        let steps = p.steps;
        let (x, y) = p.x0;
        let prob = problem_spec(a, b);
        let a_pen = [[a[0][0] + lambda, a[0][1]], [a[1][0], a[1][1] + lambda]];
        let prob_pen = problem_spec(a_pen, b);
        let x_pen = solve2(&a_pen, b);

        let sgd = |wd: f64| OptimizerSpec::Sgd(Sgd { lr, weight_decay: wd, ..Sgd::default() });
        let mut adam = Adam::<Coupled>::default();
        adam.lr = lr;
        adam.weight_decay = lambda;
        let mut adamw = Adam::<Decoupled>::default();
        adamw.lr = lr;
        adamw.weight_decay = lambda;
        let main = spec_of(
            prob.clone(),
            vec![x, y],
            vec![
                ("SGD + L2".into(), sgd(lambda)),
                ("Adam + L2".into(), OptimizerSpec::Adam(adam)),
                ("AdamW".into(), OptimizerSpec::Adamw(adamw)),
            ],
            steps,
            0,
        );
        let penalised = spec_of(prob_pen.clone(), vec![x, y], vec![("SGD on f̃ = f + λ/2‖x‖²".into(), sgd(0.0))], steps, 0);
        let main_report = super::common::run_report(&main, false)?;
        let pen_report = super::common::run_report(&penalised, false)?;
        let built_pen = prob_pen.build(0).map_err(|e| Message::error(e.to_string()))?;
        let mut m = main_report.runs.into_iter();
        let (sgd_l2, adam_l2, adamw_t) = (m.next().expect("3 runs"), m.next().expect("3 runs"), m.next().expect("3 runs"));
        let sgd_pen = pen_report.runs.into_iter().next().expect("1 run");
        let beta = p.sgd_momentum;
        let x_hat = solve2(&[[a[0][0] + (1.0 - beta) * lambda, a[0][1]], [a[1][0], a[1][1] + (1.0 - beta) * lambda]], b);
        let built = prob.build(0).map_err(|e| Message::error(e.to_string()))?;
        let momentum_pair = |beta: f64| -> Option<(Trace, Trace)> {
            let l2 = OptimizerSpec::Sgd(Sgd { lr, momentum: beta, weight_decay: lambda, ..Sgd::default() });
            let run = RunSpec { label: String::new(), optimizer: l2.clone(), schedule: Default::default() };
            let l2_opt = l2.build(built.shape(), "optimizer").ok()?;
            let decoupled: Box<dyn Optimizer> = Box::new(Chain::new(vec![
                Box::new(MomentumTransform::new(beta, 0.0, false)),
                Box::new(AddDecayedWeights(lambda)),
                Box::new(ScaleByLearningRate::new(0.0)),
            ]));
            let x0 = [x, y];
            Some((
                run_one(built.as_ref(), l2_opt, &x0, &run, format!("SGD (β = {}) + L2", Sig(beta)), steps, 0, false),
                run_one(built.as_ref(), decoupled, &x0, &run, format!("SGD (β = {}), decoupled decay", Sig(beta)), steps, 0, false),
            ))
        };
        let (plain, with_m) = match (momentum_pair(0.0), momentum_pair(beta)) {
            (Some(p), Some(m)) => (p, m),
            _ => return Err(Message::error("cannot run SGD with these settings")),
        };
        Ok(Runs { main, traces: vec![sgd_l2, sgd_pen, adam_l2, adamw_t], penalised: built_pen, x_star, x_pen, x_hat, plain, with_m })
    }

    fn scene(p: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let Runs { main, traces, penalised: built_pen, x_star, x_pen, x_hat, plain, with_m } = r;
        let prob = main.problem.clone();
        let (lambda, lr, steps, beta) = (p.weight_decay, p.lr, p.steps, p.sgd_momentum);
        let (x, y) = p.x0;
        let sgd = |wd: f64| OptimizerSpec::Sgd(Sgd { lr, weight_decay: wd, ..Sgd::default() });
        // Runs in display order with their colours and dashes.
        let runs: Vec<(Trace, usize, bool)> = traces
            .into_iter()
            .zip([(SGD_L2, false), (SGD_PENALISED, true), (ADAM_L2, false), (ADAMW, false)])
            .map(|(t, (c, d))| (t, c, d))
            .collect();

        // Map.
        let all_points = runs.iter().flat_map(|(t, _, _)| t.params.iter().map(|p| (p[0], p[1])));
        let bounds = fit_bounds(all_points.chain([(x, y), (x_star[0], x_star[1]), (x_pen[0], x_pen[1]), (0.0, 0.0)]), 0.75, 50.0, 0.5);
        let mut map = MapChart {
            title: "f with the four paths".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds,
            paths: runs
                .iter()
                .map(|(t, c, dashed)| MapPath {
                    name: t.label.clone(),
                    color: *c,
                    points: t.params.iter().map(|p| (p[0], p[1])).collect(),
                    dashed: *dashed,
                })
                .collect(),
            ..Default::default()
        };
        map.grab_point((x, y), "x₀");
        map.markers.push((x_star[0], x_star[1], "x*".into(), 6));
        map.markers.push((x_pen[0], x_pen[1], "x̃*".into(), 3));
        map.markers.push((0.0, 0.0, "0".into(), usize::MAX));
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));

        // ‖x_t‖ over time, with the norms of the two minima as references.
        let mut norm_series: Vec<Series> = runs
            .iter()
            .map(|(t, c, dashed)| {
                let pts = t.params.iter().enumerate().map(|(s, p)| (s as f64, norm2(p))).collect();
                Series::line(t.label.clone(), *c, pts).with_mark(if *dashed { Mark::Dashed } else { Mark::Line })
            })
            .collect();
        let t_end = steps.max(1) as f64;
        norm_series.push(Series::line("‖x*‖ (no decay)", 6, vec![(0.0, norm2(&x_star)), (t_end, norm2(&x_star))]).with_mark(Mark::Dashed));
        norm_series.push(Series::line("‖x̃*‖ (penalised)", 3, vec![(0.0, norm2(&x_pen)), (t_end, norm2(&x_pen))]).with_mark(Mark::Dashed));
        scene.charts.push((
            "norm",
            Chart::Lines(LineChart {
                title: "‖x_t‖ per step".into(),
                x_label: "step t".into(),
                y_label: "‖x_t‖".into(),
                series: norm_series,
                x_range: Some((0.0, t_end)),
                ..Default::default()
            }),
        ));

        // Distance between the paired iterates over time.
        let gap = |p: &Trace, q: &Trace| -> Vec<(f64, f64)> {
            p.params.iter().zip(&q.params).enumerate().map(|(s, (u, v))| (s as f64, dist(u, v).max(GAP_FLOOR))).collect()
        };
        scene.charts.push((
            "gap",
            Chart::Lines(LineChart {
                title: "distance between the paired runs".into(),
                x_label: "step t".into(),
                y_label: "‖x_t − x'_t‖ (floor 1e-16)".into(),
                y_log: true,
                series: vec![
                    Series::line("SGD + L2 vs SGD on f̃", SGD_L2, gap(&runs[0].0, &runs[1].0)),
                    Series::line("Adam + L2 vs AdamW", ADAM_L2, gap(&runs[2].0, &runs[3].0)),
                ],
                x_range: Some((0.0, t_end)),
                ..Default::default()
            }),
        ));

        // SGD with momentum: L2 penalty (PyTorch's weight_decay, spec) vs decoupled decay (the same core
        // transforms with the decay after the momentum: momentum → add_decayed_weights → scale(−η)), with
        // β = 0 and with the chosen β.
        let path_gap = |p: &Trace, q: &Trace| -> Vec<(f64, f64)> {
            p.params.iter().zip(&q.params).enumerate().map(|(s, (u, v))| (s as f64, dist(u, v).max(GAP_FLOOR))).collect()
        };
        scene.charts.push((
            "momentum",
            Chart::Lines(LineChart {
                title: "SGD: L2 penalty vs decoupled decay".into(),
                x_label: "step t".into(),
                y_label: "‖x_t − x'_t‖ (floor 1e-16)".into(),
                y_log: true,
                series: vec![
                    Series::line("without momentum (β = 0)", SGD_L2, path_gap(&plain.0, &plain.1)),
                    Series::line(format!("with momentum β = {}", Sig(beta)), ADAMW, path_gap(&with_m.0, &with_m.1)),
                ],
                x_range: Some((0.0, t_end)),
                ..Default::default()
            }),
        ));

        // Readouts.
        let end = |t: &Trace| t.params.last().cloned().unwrap_or_default();
        scene.readout.push(Readout::new(
            "minimum of f (x*) and of f̃ = f + λ/2‖x‖² (x̃*)",
            format!("x* = {}, x̃* = {}", point_text(&x_star), point_text(&x_pen)),
        ));
        let pair = |p: &Trace, q: &Trace| -> String {
            if let (Some(d), Some(e)) = (&p.diverged, &q.diverged) {
                format!("both diverged (at steps {} and {})", d.step, e.step)
            } else if p.steps() == q.steps() {
                format!("{} (both after {} steps)", Sig(dist(&end(p), &end(q))), p.steps())
            } else {
                format!("runs stopped at different steps ({} and {})", p.steps(), q.steps())
            }
        };
        scene.readout.push(Readout::new("end points: SGD + L2 vs SGD on f̃", pair(&runs[0].0, &runs[1].0)));
        scene.readout.push(Readout::new("end points: Adam + L2 vs AdamW", pair(&runs[2].0, &runs[3].0)));
        for (t, _, _) in &runs {
            let e = end(t);
            scene.readout.push(Readout::new(
                format!("{}: end point", t.label),
                format!("{}, ‖x_T‖ = {}, distance to x̃* = {}", point_text(&e), Sig(norm2(&e)), Sig(dist(&e, &x_pen))),
            ));
        }
        // Convergence on the penalised objective f̃, the one the L2 runs minimise (AdamW minimises no fixed f̃).
        let f_pen_star = built_pen.minimum();
        let l_pen = built_pen.smoothness();
        for (i, (t, _, _)) in runs.iter().enumerate() {
            let mut on_pen = t.clone();
            on_pen.label = format!("{} (on f̃)", t.label);
            on_pen.loss = t.params.iter().map(|p| built_pen.value(p)).collect();
            // on f̃ (curvatures already shifted by λ) the two SGD runs are plain gradient descent; Adam + L2 is
            // Adam on f̃; AdamW minimises no fixed f̃
            let opt = match i {
                0 | 1 => Some(sgd(0.0)),
                2 => main.runs.get(1).map(|r| r.optimizer.clone()),
                _ => None,
            };
            scene.readout.extend(convergence(&on_pen, f_pen_star, l_pen, opt.as_ref()));
        }
        // SGD with momentum, L2 vs decoupled
        let max_gap = plain.0.params.iter().zip(&plain.1.params).map(|(p, q)| dist(p, q)).fold(0.0, f64::max);
        scene.readout.push(Readout::new(
            "SGD without momentum: L2 vs decoupled decay, largest distance between the iterates",
            if plain.0.steps() == plain.1.steps() {
                format!("{} over {} steps", Sig(max_gap), plain.0.steps())
            } else {
                format!("runs stopped at different steps ({} and {})", plain.0.steps(), plain.1.steps())
            },
        ));
        scene
            .readout
            .push(Readout::new(format!("SGD with momentum β = {}: end points of L2 vs decoupled", Sig(beta)), pair(&with_m.0, &with_m.1)));
        for t in [&with_m.0, &with_m.1] {
            let e = end(t);
            let value = if let Some(d) = &t.diverged {
                format!("stopped at step {}: {}", d.step, d.reason)
            } else {
                format!("{}, distance to x̃* = {}, to x̂ = {}", point_text(&e), Sig(dist(&e, &x_pen)), Sig(dist(&e, &x_hat)))
            };
            scene.readout.push(Readout::new(format!("{}: end point", t.label), value));
        }
        scene
            .readout
            .push(Readout::new("x̂: minimum of f + (1 − β)λ/2‖x‖², the fixed point of decoupled decay with momentum", point_text(&x_hat)));
        scene.values.push(("sgd_momentum".into(), sig(beta)));
        scene.values.push(("x_hat".into(), point_text(&x_hat)));
        scene.values.push(("eta_lambda".into(), sig(lr * lambda)));
        scene.values.push(("weight_decay".into(), sig(lambda)));
        scene.messages.push(Message::info(
            "The copied spec holds SGD + L2, Adam + L2 and AdamW on f; the dashed run is plain SGD on the quadratic with A + λI (the penalised f̃), a second spec. SGD with decoupled decay has no torch.optim class (PyTorch's SGD weight_decay is the L2 penalty): its runs in the momentum chart are the core's own transforms with the decay after the momentum, not in the spec.",
        ));
        scene.spec = Some(main);
        scene.report = Some(Report { runs: runs.into_iter().map(|(t, _, _)| t).collect() }.into());
        scene
    }
}

impl Chapter for WeightDecay {
    fn id(&self) -> &'static str {
        "weight-decay"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "L2 penalty vs decoupled weight decay"
    }
    fn intro(&self) -> &'static str {
        "Adding the penalty λ/2·‖x‖² to the loss puts λx into the gradient. For plain SGD that is exactly \
         weight decay, x ← (1 − ηλ)x − η∇f, so the two names mean one update. Adam divides the whole gradient, \
         λx included, by its per-coordinate √v̂, so its L2 penalty is no longer a uniform decay; AdamW \
         (Loshchilov & Hutter) takes the decay out of the gradient and applies it beside the Adam step. Here \
         the four runs start together on a quadratic whose minimum is away from 0."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Set λ = 0: Adam + L2 and AdamW become one run (distance 0) and all four end points are at the minimum x* of f.",
            "Raise λ and compare the end points: SGD + L2 and Adam + L2 both end at x̃*, the minimum of the penalised f̃; AdamW ends elsewhere.",
            "Watch the dashed path (SGD on the penalised f̃): it stays on top of SGD + L2 for every λ and η (where η is too large, the two blow up together).",
            "In the momentum chart, L2 and decoupled decay are one SGD run without momentum (distance 0); with momentum β they part: L2 ends at x̃*, decoupled at x̂, the minimum of f + (1 − β)λ/2‖x‖².",
            "Switch to the isotropic quadratic and read the distance between Adam + L2 and AdamW again: smaller than on the anisotropic one, but not 0 (Adam rescales each coordinate by its own gradient, whatever the curvature).",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new("L2 penalty (PyTorch's weight_decay λ; the lecture's λ‖x‖² is λ/2 here)", r"\tilde f(x) = f(x) + \tfrac{\lambda}{2}\|x\|^2,\quad \nabla\tilde f = \nabla f + \lambda x,\quad \lambda = {weight_decay}"),
            Formula::new("SGD: L2 and decoupled decay are one update (the slide's λ‖x‖² gives (1 − 2ηλ); Loshchilov & Hutter's SGDW, whose decay is not multiplied by η, matches with λ' = ηλ)", r"x_{t+1} = x_t - \eta(\nabla f(x_t) + \lambda x_t) = (1 - {eta_lambda})\,x_t - \eta\nabla f(x_t)"),
            Formula::new("SGD with momentum (PyTorch form, no dampening): L2 puts λx into the momentum, decoupled decay (SGDW) does not. The slide's eq. (10) keeps λx inside the momentum, so its (10)–(11) apply both; it also damps by (1 − β) and steps by m_t without η", r"\text{L2: } b_t = \beta b_{t-1} + \nabla f(x_t) + \lambda x_t,\ x_{t+1} = x_t - \eta b_t;\qquad \text{decoupled: } b_t = \beta b_{t-1} + \nabla f(x_t),\ x_{t+1} = x_t - \eta b_t - \eta\lambda x_t,\quad \beta = {sgd_momentum}"),
            Formula::new("where they stop: L2 at x̃*, decoupled with momentum where the gradient, amplified 1/(1 − β) by the momentum, meets the unamplified decay", r"\text{L2: } \nabla f(x) + \lambda x = 0,\qquad \text{decoupled: } \nabla f(x) + (1-\beta)\lambda x = 0\ \ (\hat x = {x_hat})"),
            Formula::new("Adam + L2: the decay is divided by √v̂ too", r"g_t = \nabla f(x_t) + \lambda x_t,\quad x_{t+1} = x_t - \eta\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)"),
            Formula::new("AdamW: decay beside the Adam step", r"g_t = \nabla f(x_t),\quad x_{t+1} = (1 - {eta_lambda})\,x_t - \eta\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)"),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const CONTROLS: &[Control] = &[
            Control::select(
                "problem",
                "quadratic",
                &[
                    ("aligned", "anisotropic, axis-aligned (curvatures 3 and 0.3)"),
                    ("rotated", "anisotropic, rotated 45°"),
                    ("isotropic", "isotropic (curvature 1)"),
                ],
                "aligned",
            )
            .help("f = ½xᵀAx − bᵀx with its minimum x* away from 0, so that decay visibly moves the end point"),
            Control::range("weight_decay", "weight decay λ", 0.0, 2.0, 0.5)
                .unit("λ")
                .help("PyTorch's weight_decay: the penalty is λ/2·‖x‖²; AdamW multiplies x by 1 − ηλ each step"),
            Control::log_range("lr", "learning rate η (all four runs)", 1e-3, 3.0, 0.1)
                .unit("η")
                .help("the same η for every run, so ηλ, the decay per step, is the same for SGD and AdamW"),
            Control::range("sgd_momentum", "SGD momentum β (momentum chart)", 0.0, 0.99, 0.9)
                .unit("β")
                .help("PyTorch SGD momentum (no dampening) for the L2 vs decoupled comparison with momentum"),
            Control::int("steps", "steps T", 1, 3000, 400),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "map",
                label: "level sets of f with the paths of SGD + L2, SGD on the penalised objective, Adam + L2 and AdamW, and the minima of f and of the penalised objective",
                aspect: 0.75,
                clickable: true,
            },
            Canvas { id: "norm", label: "norm of the parameters against step for each run", aspect: 0.5, clickable: false },
            Canvas {
                id: "gap",
                label: "distance between the iterates of the two SGD runs and between Adam + L2 and AdamW, against step",
                aspect: 0.5,
                clickable: false,
            },
            Canvas {
                id: "momentum",
                label: "distance between SGD with the L2 penalty and SGD with decoupled weight decay, without momentum and with momentum β, against step",
                aspect: 0.5,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<WeightDecay>(st)
    }
}
