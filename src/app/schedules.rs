//! Chapter 6 — learning-rate schedules: the η_t curve on the same time axis as the loss of a run that
//! uses it, beside a run at the constant base rate, on a noisy finite sum where a constant η stalls at a
//! noise floor.

use super::common::{as_first_step, convergence, sig, spec_of, Landscape, Sig, GAP_FLOOR};
use super::weight_decay::fit_bounds;
use super::{Canvas, Chapter, Chart, Control, Field, Formula, Message, Model, Readout, Scene, State};
use crate::optim::config::{Adam, Coupled, Sgd};
use crate::optim::schedule::ScheduleSpec;
use crate::optim::OptimizerSpec;
use crate::plot::field::{MapChart, MapPath};
use crate::plot::{LineChart, Mark, Series};
use crate::problems::{FiniteSumSpec, ProblemSpec};
use crate::run::Trace;
use crate::spec::Spec;

pub struct Schedules;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub landscape: String,
        pub const_lr: f64,
        pub schedule: String,
        pub optimizer: String,
        pub lr: f64,
        pub momentum: f64,
        pub gamma: f64,
        pub step_size: usize,
        pub t_max: usize,
        pub eta_min: f64,
        pub total_iters: usize,
        pub end_factor: f64,
        pub start_factor: f64,
        pub steps: usize,
        pub batch: usize,
        pub noise: f64,
        pub seed: usize,
        pub every_step: bool,
        pub x0: (f64, f64),
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Schedules.controls(), st)
    }
}

/// Colours: the scheduled run and the constant-η run.
const SCHEDULED: usize = 0;
const CONSTANT: usize = 6;

/// Samples of the finite sum (the batch slider's maximum).
const SAMPLES: usize = 64;

fn problem(p: &Params) -> ProblemSpec {
    ProblemSpec::FiniteSum(FiniteSumSpec { samples: SAMPLES, dim: 2, noise: p.noise, batch: p.batch.clamp(1, SAMPLES), kappa: 10.0 })
}

/// The schedule chosen by the controls, with the name shown in the legend.
fn schedule(p: &Params) -> (ScheduleSpec, &'static str) {
    let step_size = p.step_size.max(1);
    let gamma = p.gamma;
    let t_max = p.t_max.max(1);
    let eta_min = p.eta_min;
    let total_iters = p.total_iters.max(1);
    match p.schedule.as_str() {
        "step" => (ScheduleSpec::Step { step_size, gamma }, "step decay"),
        // The smooth twin of the step schedule: the same factor γ per step_size steps.
        "exponential" => (ScheduleSpec::Exponential { gamma: gamma.powf(1.0 / step_size as f64) }, "exponential decay"),
        "cosine" => (ScheduleSpec::Cosine { t_max, eta_min }, "cosine annealing"),
        "linear" => (ScheduleSpec::Linear { start_factor: 1.0, end_factor: p.end_factor, total_iters }, "linear decay"),
        _ => (
            ScheduleSpec::Sequential {
                schedulers: vec![
                    ScheduleSpec::Linear { start_factor: p.start_factor.max(1e-6), end_factor: 1.0, total_iters },
                    ScheduleSpec::Cosine { t_max, eta_min },
                ],
                milestones: vec![total_iters],
            },
            "warm-up + cosine",
        ),
    }
}

fn optimizer(p: &Params) -> OptimizerSpec {
    let lr = p.lr;
    if p.optimizer.as_str() == "adam" {
        let mut a = Adam::<Coupled>::default();
        a.lr = lr;
        OptimizerSpec::Adam(a)
    } else {
        OptimizerSpec::Sgd(Sgd { lr, momentum: p.momentum, ..Sgd::default() })
    }
}

/// Mean of `f − f*` over the last tenth of the run (at least one iterate): the level a noisy run settles at.
fn tail_mean(t: &Trace, f_star: f64) -> f64 {
    let n = t.loss.len();
    let k = (n / 10).max(1).min(n);
    t.loss[n - k..].iter().map(|f| f - f_star).sum::<f64>() / k.max(1) as f64
}

/// Trailing mean over `window` values (fewer at the start).
fn window_mean(v: &[f64], window: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(v.len());
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += v[i];
        if i >= window {
            sum -= v[i - window];
        }
        out.push(sum / (i + 1).min(window) as f64);
    }
    out
}

/// The minimiser of a quadratic objective from one Newton step at 0: `x* = −H⁻¹∇f(0)`.
fn quadratic_minimiser(p: &dyn crate::problems::Problem) -> Option<Vec<f64>> {
    let zero = vec![0.0; p.dim()];
    let mut g = vec![0.0; p.dim()];
    p.grad(&zero, &mut g);
    let h = p.hessian(&zero)?;
    let x = crate::linalg::solve(h.view(), &g)?;
    Some(x.into_iter().map(|v| -v).collect()).filter(|v: &Vec<f64>| v.len() >= 2 && v.iter().all(|c| c.is_finite()))
}

/// The non-convex landscape: the SAM chapter's two Gaussian wells in a shallow bowl, set so that the well
/// at (−1, 0) is narrow and shallow (a poor minimum, curvature ≈ 0.6/0.2² = 15) and the one at (1.5, 0) is
/// wide and deep (the good one, curvature ≈ 1).
pub const TWO_WELLS: (f64, f64, f64, f64, f64) = (0.6, 0.2, 1.0, 1.0, 0.05);

fn two_wells_problem() -> ProblemSpec {
    let (sharp_depth, sharp_width, flat_depth, flat_width, bowl) = TWO_WELLS;
    ProblemSpec::FlatSharp(crate::problems::FlatSharpSpec { sharp_depth, sharp_width, flat_depth, flat_width, bowl })
}

/// The chart of η_t per step for the runs' series, from 0 to a little above the largest rate.
fn lr_chart(series: Vec<Series>, lr_max: f64, t_end: f64) -> LineChart {
    LineChart {
        title: "learning rate η_t (step t uses η_t)".into(),
        x_label: "step t".into(),
        y_label: "η_t".into(),
        y_range: Some((0.0, lr_max * 1.05)),
        series,
        x_range: Some((0.0, t_end)),
        ..Default::default()
    }
}

/// The schedule from the large base rate against a small constant rate on the two wells: which minimum each
/// run ends in, and whether the poor minimum's curvature lets each rate rest there (the inner optimizer's
/// resting limit, see the SAM chapter).
/// The two-wells runs: the schedule from the large base rate against a small constant rate.
fn two_wells_spec(p: &Params) -> Spec {
    let (x, y) = p.x0;
    let steps = p.steps;
    let (sched, sched_name) = schedule(p);
    let opt = optimizer(p);
    let const_lr = p.const_lr;
    let mut constant = opt.clone();
    constant.set_base_lr(const_lr);
    let mut spec = spec_of(
        two_wells_problem(),
        vec![x, y],
        vec![
            (format!("{sched_name} from η = {}", Sig(opt.base_lr())), opt.clone()),
            (format!("constant η = {}", Sig(const_lr)), constant.clone()),
        ],
        steps,
        0,
    );
    spec.runs[0].schedule = sched;
    spec
}

fn two_wells(p: &Params, r: Landscape) -> Scene {
    use super::sam::{landed, minima};
    use super::{Claim, Rel};
    use crate::analysis::stability_bound;
    let mut scene = Scene::default();
    let Landscape { spec, problem: built, report } = r;
    let prob = spec.problem.clone();
    let (x, y) = p.x0;
    let steps = p.steps;
    let wells = minima(built.as_ref(), TWO_WELLS.1);
    let f_star = wells.iter().map(|m| m.f).fold(f64::INFINITY, f64::min);
    let colors = [SCHEDULED, CONSTANT];
    let t_end = steps.max(1) as f64;
    let rates: Vec<Vec<f64>> =
        spec.runs.iter().map(|r| (1..=steps).map(|s| r.schedule.lr(r.optimizer.base_lr(), s - 1)).collect()).collect();
    let lr_max = rates.iter().flatten().copied().fold(0.0, f64::max).max(1e-12);
    let lr_series = rates
        .iter()
        .zip(&report.runs)
        .zip(colors)
        .map(|((r, t), c)| Series::line(t.label.clone(), c, r.iter().enumerate().map(|(i, v)| ((i + 1) as f64, *v)).collect()))
        .collect();
    scene.charts.push(("lr", Chart::Lines(lr_chart(lr_series, lr_max, t_end))));
    let mut loss =
        super::common::loss_chart("f − f* per step (f* of the wide, good minimum)", &report, f_star.is_finite().then_some(f_star), &colors);
    loss.x_range = Some((0.0, t_end));
    scene.charts.push(("loss", Chart::Lines(loss)));
    let mut map = MapChart {
        title: "both paths on the two wells".into(),
        x_label: "x₁".into(),
        y_label: "x₂".into(),
        bounds: super::common::bounds_for(&prob, (x, y)),
        paths: super::common::paths(&report, &colors),
        ..Default::default()
    };
    map.markers.push((x, y, "x₀".into(), usize::MAX));
    for m in &wells {
        map.markers.push((m.at[0], m.at[1], if m.name == "sharp" { "poor (sharp)".into() } else { "good (wide)".into() }, usize::MAX));
    }
    scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob, 0))));

    for (i, t) in report.runs.iter().enumerate() {
        let end = t.params.last().cloned().unwrap_or_else(|| vec![x, y]);
        let place = match landed(&wells, &end) {
            Some(m) if m.name == "sharp" => "the poor (sharp) minimum",
            Some(_) => "the good (wide) minimum",
            None => "neither minimum",
        };
        scene.readout.push(Readout::new(
            format!("{}: ends in", t.label),
            // f − f* below 0 is rounding in f*
            format!(
                "{place} at ({}, {}); f − f* = {}",
                Sig(end[0]),
                Sig(end[1]),
                Sig((t.loss.last().copied().unwrap_or(f64::NAN) - f_star).max(0.0))
            ),
        ));
        scene
            .readout
            .extend(t.diverged.as_ref().map(|d| Readout::bad(t.label.clone(), format!("diverged at step {}: {}", d.step, d.reason))));
        // can this run's largest rate rest in the poor minimum?
        let top = rates[i].iter().copied().fold(0.0, f64::max);
        let mut at_top = spec.runs[i].optimizer.clone();
        at_top.set_base_lr(top);
        // the limit on the curvature λ at rate η: the method's bound on η for L = 1, divided by η
        let limit = stability_bound(&at_top, 1.0).ok().filter(|_| top > 0.0).map(|b| (b.bound / top, b.formula.replace('L', "η")));
        if limit.is_none() {
            scene.readout.push(Readout::new(
                format!("{}: the poor minimum", t.label),
                "no fixed curvature limit for this optimizer: it rescales its step per coordinate",
            ));
        }
        if let (Some(sharp), Some((lim, name))) = (wells.iter().find(|m| m.name == "sharp"), limit) {
            let c = if sharp.lambda_max < lim {
                Claim::new(sharp.lambda_max, Rel::Lt, lim)
            } else {
                Claim::new(sharp.lambda_max, Rel::Ge, lim)
            };
            let word = if c.rel == Rel::Lt { "it can rest there" } else { "too sharp to rest in at that rate" };
            scene.readout.push(
                Readout::new(
                    format!("{}: the poor minimum at its largest rate η = {}", t.label, Sig(top)),
                    format!("λ_max = {} {} {name} = {} ({word})", Sig(sharp.lambda_max), c.symbol(), Sig(lim)),
                )
                .claiming(c),
            );
        }
    }
    for m in &wells {
        scene.readout.push(Readout::new(
            if m.name == "sharp" { "poor (sharp) minimum" } else { "good (wide) minimum" },
            format!("at ({}, {}); f = {}, λ_max = {}", Sig(m.at[0]), Sig(m.at[1]), Sig(m.f), Sig(m.lambda_max)),
        ));
    }
    finish(scene, p, spec, report)
}

/// The formulas' values both views share (the exponential schedule's rate k, the base η), and the spec and
/// report to copy.
fn finish(mut scene: Scene, p: &Params, spec: Spec, report: crate::run::Report) -> Scene {
    let k = match &spec.runs[0].schedule {
        ScheduleSpec::Exponential { gamma } if *gamma > 0.0 => sig(-gamma.ln()),
        _ => sig(-p.gamma.max(1e-300).ln() / p.step_size.max(1) as f64),
    };
    scene.values.push(("exp_k".into(), k));
    scene.values.push(("lr".into(), sig(spec.runs[0].optimizer.base_lr())));
    scene.spec = Some(spec);
    scene.report = Some(report.into());
    scene
}

impl Model for Schedules {
    type Params = Params;
    type Runs = Landscape;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Landscape, Message> {
        let spec = if p.landscape == "two_wells" { two_wells_spec(p) } else { quadratic_spec(p) };
        super::common::run_landscape(spec, false)
    }

    fn scene(p: &Params, r: Landscape) -> Scene {
        if p.landscape == "two_wells" {
            return two_wells(p, r);
        }
        let mut scene = Scene::default();
        let Landscape { spec, problem: built, report } = r;
        let prob = spec.problem.clone();
        let steps = p.steps;
        let seed = p.seed as u64;
        let opt = spec.runs[0].optimizer.clone();
        let (f_star, l) = (built.minimum().unwrap_or(0.0), built.smoothness());
        let colors = [SCHEDULED, CONSTANT];
        let t_end = steps.max(1) as f64;

        // η_t of both runs from the schedule itself, so a run that stopped early still shows its whole curve.
        let lr_series: Vec<Series> = spec
            .runs
            .iter()
            .zip(&report.runs)
            .zip(colors)
            .map(|((r, t), c)| {
                let pts = (1..=steps).map(|s| (s as f64, r.schedule.lr(r.optimizer.base_lr(), s - 1))).collect();
                Series::line(t.label.clone(), c, pts)
            })
            .collect();
        let lr_max = spec
            .runs
            .iter()
            .flat_map(|r| (1..=steps).map(move |s| r.schedule.lr(r.optimizer.base_lr(), s - 1)))
            .fold(0.0, f64::max)
            .max(1e-12);
        scene.charts.push(("lr", Chart::Lines(lr_chart(lr_series, lr_max, t_end))));
        let window = (steps / 20).max(1);
        let mut loss =
            super::common::loss_chart(&format!("full loss per step, mean over the last {window} steps"), &report, Some(f_star), &colors);
        loss.x_range = Some((0.0, t_end));
        let every_step = p.every_step;
        if !every_step {
            loss.series.clear();
        }
        for (t, c) in report.runs.iter().zip(colors) {
            let gaps: Vec<f64> = t.loss.iter().map(|f| f - f_star).collect();
            let pts = window_mean(&gaps, window).into_iter().enumerate().map(|(i, g)| (i as f64, g.max(GAP_FLOOR))).collect();
            let mean = Series::line(format!("{} (mean)", t.label), c, pts);
            loss.series.push(if every_step { mean.with_mark(Mark::Dashed) } else { mean });
        }
        scene.charts.push(("loss", Chart::Lines(loss)));

        // The second half of each run, zoomed on the minimum: the noise ball of the constant run against the
        // shrinking cloud of the scheduled one.
        let half = |t: &Trace| -> Vec<(f64, f64)> { t.params.iter().skip(steps / 2).map(|p| (p[0], p[1])).collect() };
        let x_star = quadratic_minimiser(built.as_ref());
        let pts = report.runs.iter().flat_map(half);
        let bounds = fit_bounds(pts.chain(x_star.as_ref().map(|p| (p[0], p[1]))), 0.75, 50.0, 0.02);
        let mut map = MapChart {
            title: format!("steps {}…{} of both runs, around x*", steps / 2, steps),
            x_label: "x₁".into(),
            y_label: "x₂".into(),
            bounds,
            paths: report
                .runs
                .iter()
                .zip(colors)
                .rev()
                .map(|(t, c)| MapPath { name: t.label.clone(), color: c, points: half(t), dashed: false })
                .collect(),
            ..Default::default()
        };
        if let Some(p) = &x_star {
            map.markers.push((p[0], p[1], "x*".into(), 3));
        }
        // the finite sum is least squares, so its level sets are those of one quadratic (cheap to draw)
        let field = match super::common::quadratic_view(built.as_ref()) {
            Some(q) => Field::Landscape(q, 0),
            None => Field::Landscape(prob, seed),
        };
        scene.charts.push(("map", Chart::Map(map, field)));

        let noisy = p.noise > 0.0 && p.batch < SAMPLES;
        for (r, t) in spec.runs.iter().zip(&report.runs) {
            // a finite sum's full-batch loss is a quadratic; the bound holds for the noiseless run
            for mut line in convergence(t, Some(f_star), if noisy { None } else { l }, Some(&r.optimizer)) {
                // With noisy gradients the loss dips below the tolerance by chance; say what is counted.
                if noisy {
                    as_first_step(&mut line);
                }
                scene.readout.push(line);
            }
            // f − f* below 0 is rounding in f*.
            scene
                .readout
                .push(Readout::new(format!("{}: mean f − f* over the last 10 % of steps", t.label), sig(tail_mean(t, f_star).max(0.0))));
            if let Some(last) = t.lr.last() {
                scene.readout.push(Readout::new(format!("{}: last η_t", t.label), sig(*last)));
            }
        }
        if let Some(l) = l {
            let lr_max =
                report.runs.iter().zip(&spec.runs).map(|(t, r)| super::common::largest_lr(t, Some(&r.optimizer))).fold(0.0, f64::max);
            scene.readout.extend(super::common::stability_readout(&opt, l, lr_max).map(|mut r| {
                r.label = format!("{} (without noise; largest η_t)", r.label);
                r
            }));
        }
        finish(scene, p, spec, report)
    }
}

/// The runs on the quadratic or the noisy least squares: the schedule against its constant base rate.
fn quadratic_spec(p: &Params) -> Spec {
    let prob = problem(p);
    let seed = p.seed as u64;
    let (x, y) = p.x0;
    let steps = p.steps;
    let (sched, sched_name) = schedule(p);
    let opt = optimizer(p);
    let mut spec = spec_of(
        prob.clone(),
        vec![x, y],
        vec![(sched_name.to_string(), opt.clone()), (format!("constant η = {}", Sig(opt.base_lr())), opt.clone())],
        steps,
        seed,
    );
    spec.runs[0].schedule = sched;
    spec
}

impl Chapter for Schedules {
    fn id(&self) -> &'static str {
        "schedules"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Learning-rate schedules"
    }
    fn intro(&self) -> &'static str {
        "With mini-batch gradients a constant step size does not converge: the iterates settle in a noise ball \
         whose size grows with η. A schedule lowers η over time — in steps, exponentially, along a cosine or a \
         line — so early steps are large and late steps average the noise away; a warm-up starts small and \
         ramps up first, which guards against unstable early steps. The first chart is the schedule η_t; the next, \
         on the same steps, the loss of a run that uses it and of a run at the constant base rate η. On the \
         two-well landscape a large rate cannot rest in a minimum sharper than its limit, so a schedule that starts \
         large can leave a sharp, poor minimum that a small constant rate stays in."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Compare the two “last 10 % of steps” readouts: under mini-batch noise the decaying η ends far lower. Then set the noise σ to 0 (or B = 64): both runs reach the minimum.",
            "Pick step decay and lower γ to 0.1: after each drop of η_t the noisy loss settles at a lower level.",
            "Raise η to 1.5: the constant run diverges on its noisy mini-batches (though below the noiseless bound in the readout), the warmed-up, decaying one does not. Then shorten the warm-up to 1 step: it diverges too.",
            "Choose cosine annealing with T_max = 300 and follow η_t after step 300: like PyTorch's CosineAnnealingLR it rises again, back to η at step 600.",
            "Switch to the two wells, start in the poor minimum at (−0.99, 0.01) and set η to 0.5: the warm-up leaves \
             it once η_t passes the poor minimum's limit 2(1+β)/λ_max, and the run ends in the wide, good minimum; the \
             constant η = 0.02 stays. With η = 0.2, below the limit, the schedule stays too; with Adam both stay.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new("step decay (StepLR)", r"\eta_t = \eta\,\gamma^{\lfloor t/s \rfloor},\quad \gamma = {gamma},\ s = {step_size}"),
            Formula::new(
                "exponential decay (the same γ per s steps, smoothly)",
                r"\eta_t = \eta\,\gamma^{t/s} = \eta\,e^{-kt},\quad k = {exp_k}",
            ),
            Formula::new(
                "cosine annealing",
                r"\eta_t = \eta_{\min} + \tfrac12(\eta - \eta_{\min})\bigl(1 + \cos(\pi t/T_{\max})\bigr),\quad T_{\max} = {t_max}",
            ),
            Formula::new(
                "linear decay; linear warm-up over the first n steps",
                r"\eta_t = \eta\bigl(a + (b - a)\min(t, n)/n\bigr),\quad n = {total_iters}",
            ),
            Formula::new("the base rate of both runs", r"\eta = {lr}"),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const DECAY: &[&str] = &["step", "exponential"];
        const COSINE: &[&str] = &["cosine", "warmup_cosine"];
        const LSQ: &[&str] = &["least_squares"];
        const CONTROLS: &[Control] = &[
            Control::select(
                "landscape",
                "landscape",
                &[("least_squares", "noisy least squares (mini-batches)"), ("two_wells", "two wells: a sharp poor minimum, a wide good one")],
                "least_squares",
            ),
            Control::select(
                "schedule",
                "schedule",
                &[
                    ("warmup_cosine", "linear warm-up, then cosine"),
                    ("cosine", "cosine annealing"),
                    ("step", "step decay"),
                    ("exponential", "exponential decay"),
                    ("linear", "linear decay"),
                ],
                "warmup_cosine",
            ),
            Control::select("optimizer", "optimizer", &[("sgd", "SGD with momentum"), ("adam", "Adam")], "sgd"),
            Control::log_range("lr", "base learning rate η", 1e-4, 3.0, 0.05).unit("η"),
            Control::range("momentum", "momentum β", 0.0, 0.99, 0.9).unit("β").when("optimizer", &["sgd"]),
            Control::range("gamma", "decay factor γ per s steps", 0.01, 1.0, 0.5)
                .unit("γ")
                .help("step decay multiplies η by γ every s steps; exponential decay spreads the same factor over the s steps (γ^(1/s) per step)")
                .when("schedule", DECAY),
            Control::int("step_size", "decay interval s", 1, 1000, 200).unit("steps").when("schedule", DECAY),
            Control::int("t_max", "cosine length T_max", 1, 3000, 970)
                .unit("steps")
                .help("after T_max steps the cosine rises again (PyTorch's closed form is periodic)")
                .when("schedule", COSINE),
            Control::range("eta_min", "floor η_min", 0.0, 0.5, 0.0).unit("η_min").when("schedule", COSINE),
            Control::int("total_iters", "linear phase length n (decay or warm-up)", 1, 3000, 30)
                .unit("steps")
                .when("schedule", &["linear", "warmup_cosine"]),
            Control::range("end_factor", "final factor b of the linear decay", 0.0, 1.0, 0.0).when("schedule", &["linear"]),
            Control::log_range("start_factor", "warm-up start factor a", 1e-3, 1.0, 0.01).when("schedule", &["warmup_cosine"]),
            Control::int("steps", "steps T", 1, 3000, 1000),
            Control::int("batch", "mini-batch size B", 1, SAMPLES as i64, 8).help("B = 64 is the full batch: no gradient noise").when("landscape", LSQ),
            Control::range("noise", "label noise σ", 0.0, 3.0, 0.5).unit("σ").when("landscape", LSQ),
            Control::int("seed", "seed (data and batches)", 0, 9999, 0).when("landscape", LSQ),
            Control::toggle("every_step", "also draw the loss at every step", false)
                .help("the loss chart shows the mean over a window of T/20 steps; this adds the noisy per-step values")
                .when("landscape", LSQ),
            Control::log_range("const_lr", "η of the constant run", 1e-4, 3.0, 0.02)
                .unit("η")
                .help("on the two wells the constant run keeps a small rate of its own, against the schedule from the large base rate")
                .when("landscape", &["two_wells"]),
            Control::point("x0", "start x₀", (-2.5, 2.5), -10.0, 10.0),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "lr",
                label: "learning rate per step of the scheduled run and of the constant run",
                aspect: 0.35,
                clickable: false,
            },
            Canvas {
                id: "loss",
                label: "loss gap per step of the scheduled run and of the constant run, on the same steps as the learning-rate chart",
                aspect: 0.5,
                clickable: false,
            },
            Canvas {
                id: "map",
                label: "level sets with the paths: on least squares the second half of both paths around the minimum, on the two wells both whole paths",
                aspect: 0.75,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Schedules>(st)
    }
}
