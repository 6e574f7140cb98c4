//! Chapter 7 — Lookahead: k fast steps of an inner optimizer, then one step back towards the slow weights.
//! The fast weights, their jumps back and the slow weights on one map; the loss against the inner optimizer
//! alone.

use super::common::{bounds_for, convergence, sig, spec_of, Sig, GAP_FLOOR};
use super::weight_decay::fit_bounds;
use super::{Canvas, Chapter, Chart, Control, Field, Formula, Message, Model, Readout, Scene, State};
use crate::optim::config::{Adam, Coupled, LookaheadSpec, Sgd};
use crate::optim::OptimizerSpec;
use crate::plot::field::{MapChart, MapPath};
use crate::plot::{Mark, Series};
use crate::problems::Problem;
use crate::problems::{FiniteSumSpec, ProblemSpec};
use crate::run::{Report, Trace};
use crate::spec::Spec;

pub struct Lookahead;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub problem: String,
        pub kappa: f64,
        pub inner: String,
        pub lr: f64,
        pub momentum: f64,
        pub k: usize,
        pub alpha: f64,
        pub steps: usize,
        pub x0: (f64, f64),
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Lookahead.controls(), st)
    }
}

/// Colours: Lookahead's fast weights, its slow weights, the inner optimizer alone.
const FAST: usize = 0;
const SLOW: usize = 2;
const INNER: usize = 1;

/// Most slow-weight updates marked with a cross.
const MAX_SLOW_MARKS: usize = 60;

/// Most jump-back arrows drawn (the first ones; later jumps are short and would pile up).
const MAX_ARROWS: usize = 12;

fn problem(p: &Params) -> ProblemSpec {
    match p.problem.as_str() {
        "rosenbrock" => ProblemSpec::rosenbrock(),
        "finite_sum" => ProblemSpec::FiniteSum(FiniteSumSpec { samples: 256, dim: 2, noise: 0.5, batch: 8, kappa: 10.0 }),
        _ => ProblemSpec::conditioned(p.kappa, 20.0),
    }
}

fn inner(p: &Params) -> (OptimizerSpec, &'static str) {
    let lr = p.lr;
    match p.inner.as_str() {
        "adam" => {
            let mut a = Adam::<Coupled>::default();
            a.lr = lr;
            (OptimizerSpec::Adam(a), "Adam")
        }
        "sgd" => (OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() }), "SGD"),
        _ => (OptimizerSpec::Sgd(Sgd { lr, momentum: p.momentum, ..Sgd::default() }), "SGD + momentum"),
    }
}

/// A jump back of the fast weights: from where the inner optimizer got to where Lookahead put them.
pub type Jump = (Vec<f64>, Vec<f64>);

/// The fast weights as drawn: every iterate, plus, at each synchronisation step `t` (a multiple of `k`),
/// the point `v` the inner optimizer reached before being pulled back: the run records only
/// `x_t = αv + (1−α)·slow`, so `v = (x_t − (1−α)·slow)/α` with the slow weights before the step.
/// Returns the path and the `(v, x_t)` jumps. For α below 1e-3 the division would amplify rounding, so no
/// jump is reconstructed.
pub fn fast_path(trace: &Trace, k: usize, alpha: f64) -> (Vec<Vec<f64>>, Vec<Jump>) {
    let slow = trace
        .internals
        .iter()
        .find(|(k, _)| k.what == crate::optim::Internal::Slow && k.depth == 0)
        .map(|(_, v)| v.as_slice())
        .unwrap_or(&[]);
    let mut path = Vec::with_capacity(trace.params.len() * 2);
    let mut jumps = Vec::new();
    for (t, x) in trace.params.iter().enumerate() {
        if t > 0 && k > 0 && t % k == 0 && alpha >= 1e-3 {
            // slow weights before step t: after step t − 1, or x₀ before the first step
            let before = if t >= 2 { slow.get(t - 2) } else { trace.params.first() };
            if let Some(s) = before {
                let v: Vec<f64> = x.iter().zip(s).map(|(xi, si)| (xi - (1.0 - alpha) * si) / alpha).collect();
                if v.iter().all(|c| c.is_finite()) {
                    path.push(v.clone());
                    jumps.push((v, x.clone()));
                }
            }
        }
        path.push(x.clone());
    }
    (path, jumps)
}

/// The slow weights at their updates: `x₀`, then every `k`-th step.
pub fn slow_points(trace: &Trace, k: usize) -> Vec<(usize, Vec<f64>)> {
    let slow = trace
        .internals
        .iter()
        .find(|(k, _)| k.what == crate::optim::Internal::Slow && k.depth == 0)
        .map(|(_, v)| v.as_slice())
        .unwrap_or(&[]);
    let mut out: Vec<(usize, Vec<f64>)> = trace.params.first().map(|p| vec![(0, p.clone())]).unwrap_or_default();
    for (i, s) in slow.iter().enumerate() {
        let t = i + 1;
        if k > 0 && t % k == 0 {
            out.push((t, s.clone()));
        }
    }
    out
}

/// What the chapter computes: Lookahead and its inner optimizer alone from one start, the fast path with its
/// jumps back and the slow weights.
pub struct Runs {
    pub spec: Spec,
    pub report: Report,
    pub problem: Box<dyn Problem>,
    pub inner: OptimizerSpec,
    pub fast: Vec<Vec<f64>>,
    pub jumps: Vec<Jump>,
    pub slow: Vec<(usize, Vec<f64>)>,
}

impl Model for Lookahead {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Runs, Message> {
        let (inner_spec, inner_name) = inner(p);
        let (k, alpha) = (p.k.max(1), p.alpha);
        let la = OptimizerSpec::Lookahead(LookaheadSpec { k, alpha, inner: Box::new(inner_spec.clone()) });
        let spec = spec_of(
            problem(p),
            vec![p.x0.0, p.x0.1],
            vec![(format!("Lookahead({inner_name}), fast weights"), la), (format!("{inner_name} alone"), inner_spec.clone())],
            p.steps,
            0,
        );
        let built = spec.problem.build(0).map_err(|e| Message::error(e.to_string()))?;
        let report = super::common::run_report(&spec, true)?;
        let (fast, jumps) = fast_path(&report.runs[0], k, alpha);
        let slow = slow_points(&report.runs[0], k);
        Ok(Runs { spec, report, problem: built, inner: inner_spec, fast, jumps, slow })
    }

    fn scene(p: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let Runs { spec, report, problem: built, inner: inner_spec, fast, jumps, slow } = r;
        let prob = &spec.problem;
        let (x, y) = p.x0;
        let (k, alpha) = (p.k.max(1), p.alpha);
        let (la_t, inner_t) = (&report.runs[0], &report.runs[1]);
        let f_star = built.minimum();
        // Map.
        let xy = |p: &Vec<f64>| (p[0], p[1]);
        let bounds = if matches!(prob, ProblemSpec::FiniteSum(_)) {
            let pts = fast.iter().chain(&inner_t.params).map(xy);
            fit_bounds(pts.chain([(x, y)]), 0.75, 50.0, 0.5)
        } else {
            bounds_for(prob, (x, y))
        };
        let (w, h) = (bounds.1 - bounds.0, bounds.3 - bounds.2);
        let mut map = MapChart {
            title: format!("fast and slow weights (k = {k}, α = {})", Sig(alpha)),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds,
            paths: vec![
                MapPath { name: la_t.label.clone(), color: FAST, points: fast.iter().map(xy).collect(), dashed: false },
                MapPath { name: inner_t.label.clone(), color: INNER, points: inner_t.params.iter().map(xy).collect(), dashed: false },
                MapPath {
                    name: "Lookahead slow weights (×)".into(),
                    color: SLOW,
                    points: slow.iter().map(|(_, p)| xy(p)).collect(),
                    dashed: false,
                },
            ],
            ..Default::default()
        };
        // Arrows for the first jumps back that lie on the map and are long enough to see (2 % of it).
        let on_map = |p: &Vec<f64>| p[0] >= bounds.0 && p[0] <= bounds.1 && p[1] >= bounds.2 && p[1] <= bounds.3;
        map.arrows = jumps
            .iter()
            .filter(|(v, x)| on_map(v) && on_map(x) && ((v[0] - x[0]) / w).hypot((v[1] - x[1]) / h) > 0.02)
            .take(MAX_ARROWS)
            .map(|(v, x)| (xy(v), xy(x), FAST))
            .collect();
        map.grab_point((x, y), "x₀");
        // (only those on the map: far-off coordinates overflow the chart's pixel arithmetic)
        map.markers
            .extend(slow.iter().skip(1).take(MAX_SLOW_MARKS).filter(|(_, p)| on_map(p)).map(|(_, p)| (p[0], p[1], String::new(), SLOW)));
        let field_seed = 0;
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), field_seed))));

        // Loss: fast weights and inner alone every step, slow weights at their updates.
        let gap = |f: f64| match f_star {
            Some(m) => (f - m).max(GAP_FLOOR),
            None => f,
        };
        let slow_loss: Vec<(f64, f64)> = slow.iter().map(|(t, p)| (*t as f64, gap(built.value(p)))).collect();
        let mut loss = super::common::loss_chart("loss per step", &report, f_star, &[FAST, INNER]);
        loss.series.push(Series::line("Lookahead slow weights", SLOW, slow_loss.clone()).with_mark(Mark::LinePoints));
        loss.x_range = Some((0.0, p.steps.max(1) as f64));
        scene.charts.push(("loss", Chart::Lines(loss)));

        // Readouts.
        let smooth = built.smoothness();
        let quad = if matches!(prob, ProblemSpec::Rosenbrock(_)) { None } else { smooth };
        for (t, r) in [la_t, inner_t].into_iter().zip(&spec.runs) {
            scene.readout.extend(convergence(t, f_star, quad, Some(&r.optimizer)));
        }
        if let Some((t, p)) = slow.last() {
            let f = built.value(p);
            let text = match f_star {
                Some(m) => format!("f − f* = {} at step {t}", Sig(f - m)),
                None => format!("f = {} at step {t}", Sig(f)),
            };
            scene.readout.push(Readout::new("Lookahead slow weights: last update", text));
        }
        scene.readout.push(Readout::new(
            "slow-weight updates",
            format!(
                "{} (every k = {k} inner steps); the fast weights jump back by 1 − α = {} of their progress",
                slow.len().saturating_sub(1),
                Sig(1.0 - alpha)
            ),
        ));
        if let Some(l) = quad {
            scene.readout.extend(super::common::stability_readout(&inner_spec, l, inner_spec.base_lr()).map(|mut r| {
                r.label = format!("inner optimizer alone: {}", r.label);
                r
            }));
        }
        scene.values.push(("k".into(), k.to_string()));
        scene.values.push(("alpha".into(), sig(alpha)));
        scene.values.push(("lr".into(), sig(p.lr)));
        scene.spec = Some(spec);
        scene.report = Some(report.into());
        scene
    }
}

impl Chapter for Lookahead {
    fn id(&self) -> &'static str {
        "lookahead"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Lookahead: k steps forward, one step back"
    }
    fn intro(&self) -> &'static str {
        "Lookahead (Zhang, Lucas, Ba & Hinton, 2019) wraps any inner optimizer. The inner optimizer takes k \
         steps on the fast weights; then the slow weights move a fraction α of the way towards where the fast \
         weights got, and the fast weights restart from there. With α = 1 it is the inner optimizer alone; with \
         smaller α the slow weights average out the back-and-forth of the fast ones. The map draws the fast \
         weights with their jumps back (arrows) and the slow weights (green crosses), beside the inner optimizer alone."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Set α = 1 (or k = 1 and α = 1): the Lookahead path and the inner optimizer's path coincide.",
            "Pick SGD as the inner optimizer and raise η just past 2/L, to 2.1: SGD alone diverges, Lookahead still converges. At η = 2.5 Lookahead only delays the divergence.",
            "Make k large (20) with α = 0.5 and follow the arrows: each marks a jump back of the fast weights.",
            "Switch to the noisy least-squares problem: the slow weights end far below the inner optimizer alone (their averaging damps the mini-batch noise).",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new(
                "inner loop: k fast steps of the inner optimizer A",
                r"v_\tau = \mathcal{A}(v_{\tau-1}),\ \ \tau = 1,\dots,k = {k},\quad v_0 = \theta_{t-1}",
            ),
            Formula::new(
                "outer step: move the slow weights towards the fast ones",
                r"\theta_t = (1-\alpha)\,\theta_{t-1} + \alpha\, v_k,\quad \alpha = {alpha}",
            ),
            Formula::new("inner step size", r"\eta = {lr}"),
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
                    ("finite_sum", "noisy least squares (mini-batch B = 8, σ = 0.5)"),
                ],
                "conditioned_quadratic",
            ),
            Control::log_range("kappa", "condition number κ", 1.0, 1000.0, 50.0).unit("κ").when("problem", &["conditioned_quadratic"]),
            Control::select(
                "inner",
                "inner optimizer",
                &[("sgd_momentum", "SGD + momentum"), ("sgd", "SGD"), ("adam", "Adam")],
                "sgd_momentum",
            ),
            Control::log_range("lr", "inner learning rate η", 1e-4, 10.0, 1.0).unit("η"),
            Control::range("momentum", "inner momentum β", 0.0, 0.99, 0.9).unit("β").when("inner", &["sgd_momentum"]),
            Control::int("k", "inner steps k", 1, 50, 5).unit("steps"),
            Control::range("alpha", "slow step α", 0.0, 1.0, 0.5).unit("α").help("α = 1 is the inner optimizer alone; α = 0 never moves"),
            Control::int("steps", "steps T (inner steps)", 1, 2000, 150),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "map",
                label:
                    "level sets with the fast weights of Lookahead and their jumps back, its slow weights, and the inner optimizer alone",
                aspect: 0.75,
                clickable: true,
            },
            Canvas {
                id: "loss",
                label: "loss per step of Lookahead's fast and slow weights and of the inner optimizer alone",
                aspect: 0.6,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Lookahead>(st)
    }
}
