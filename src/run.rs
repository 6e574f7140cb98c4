//! Spec → traces: runs every optimizer of a spec on its problem and records what the plots and the
//! command line show. A run stops at the first non-finite value or failed step and says why.

use crate::optim::{Optimizer, Oracle};
use crate::problems::{batch_rng, Problem};
use crate::spec::{RunSpec, Spec, SpecError};
use ndarray::Array2;
use serde::Serialize;

/// Magnitude of a loss treated as divergence before it overflows.
pub const DIVERGENCE_LOSS: f64 = 1e100;

/// How far a run may move away from its start before it counts as exploding: the loss more than
/// `EXPLOSION × max(|f(x₀) − f*|, |f(x₁) − f*|, 1)` away from f* (from 0 where f* is unknown), or the
/// parameters more than `EXPLOSION × max(‖x₀‖, ‖x₁‖, 2|f(x₀) − f*|/‖∇f(x₀)‖, 1)` from the origin.
/// - `2|f(x₀) − f*|/‖∇f(x₀)‖` is a length of the problem's own: on a convex quadratic
///   `‖x₀ − x*‖ ≥ 2(f(x₀) − f*)/‖∇f(x₀)‖` (as `‖∇f‖·‖x − x*‖ ≥ (x − x*)ᵀA(x − x*)`), so a minimum far from the
///   origin and from x₀ does not make a converging run "explode";
/// - the first step x₁ sets the scale too: an adaptive method's first step has length ≈ η whatever the
///   gradient, so from a start near the minimum Adam at η = 100 (κ = 1e4, x₀ = (1e-3, 1e-3)) lands 1e10 ×
///   the start's gap away and then converges; judged from x₀ alone it was stopped at step 1.
///
/// A run that converges does neither; one that diverges geometrically is stopped within a few dozen steps
/// of leaving (one step later than a rule from x₀ alone), instead of near overflow.
pub const EXPLOSION: f64 = 1e6;

/// Why the iterate `x` with loss `f` counts as exploding, if it does (see [`EXPLOSION`]).
fn exploding(f: f64, x: &[f64], f_ref: f64, loss_scale: f64, x_scale: f64) -> Option<String> {
    if (f - f_ref).abs() > EXPLOSION * loss_scale {
        let dir = if f < f_ref { "fell" } else { "grew" };
        let from = if f_ref == 0.0 { "0".to_string() } else { format!("f* = {}", short(f_ref)) };
        return Some(format!(
            "the loss {dir} to {} (more than 1e6 × {}, the larger of 1 and its distance from {from} at x₀ and x₁)",
            short(f),
            short(loss_scale)
        ));
    }
    let n = norm(x);
    (n > EXPLOSION * x_scale).then(|| {
        format!("‖x‖ grew to {} (more than 1e6 × {}, the largest of 1, ‖x₀‖, ‖x₁‖ and 2|f(x₀) − f*|/‖∇f(x₀)‖)", short(n), short(x_scale))
    })
}

/// A number for a message: three significant digits.
fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.2e}")
    } else {
        format!("{}", (v * 1000.0).round() / 1000.0)
    }
}

/// Where and why a run stopped early.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diverged {
    pub step: usize,
    pub reason: String,
    /// The learning rate of the step that failed (`None` when no step was taken: a bad start). Not printed
    /// (the reason says it); the chapters compare it with the method's stability bound.
    #[serde(skip)]
    pub lr: Option<f64>,
}

/// Everything recorded for one run. `loss`, `params` and `grad_norm` hold one entry per iterate
/// `x₀ … x_T`; `lr` one per step `1 … T`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    pub label: String,
    pub loss: Vec<f64>,
    pub params: Vec<Vec<f64>>,
    pub lr: Vec<f64>,
    pub grad_norm: Vec<f64>,
    pub diverged: Option<Diverged>,
    /// Optimizer internals per step (effective step sizes, SAM's ε̂, slow weights), when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub internals: Vec<(crate::optim::Key, Vec<Vec<f64>>)>,
}

impl Trace {
    /// Number of steps actually taken.
    pub fn steps(&self) -> usize {
        self.loss.len().saturating_sub(1)
    }
}

/// What `optlab run` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub runs: Vec<Trace>,
}

struct StepOracle<'a> {
    problem: &'a dyn Problem,
    batch: Option<&'a [usize]>,
}

impl Oracle for StepOracle<'_> {
    fn grad(&mut self, x: &[f64], out: &mut [f64]) {
        match self.batch {
            Some(b) => self.problem.batch_grad(x, b, out),
            None => self.problem.grad(x, out),
        }
    }
    fn hessian(&mut self, x: &[f64]) -> Option<Array2<f64>> {
        self.problem.hessian(x)
    }
}

/// Runs every run of a validated spec.
pub fn run(spec: &Spec) -> Result<Report, SpecError> {
    run_with(spec, false)
}

/// Like [`run`], optionally recording optimizer internals at every step.
pub fn run_with(spec: &Spec, internals: bool) -> Result<Report, SpecError> {
    let problem = spec.validate()?;
    run_on(spec, problem.as_ref(), internals)
}

/// Runs every run of a spec on `problem`: the spec's own (see [`run_with`]), or one computing the same
/// function faster (the Muon chapter's least squares).
pub fn run_on(spec: &Spec, problem: &dyn Problem, internals: bool) -> Result<Report, SpecError> {
    run_on_with_progress(spec, problem, internals, &mut |_| {})
}

/// [`run_on`], calling `progress` after every step of every run with the number of steps done so far over
/// all runs (a run that stops early counts its remaining steps as done).
pub fn run_on_with_progress(
    spec: &Spec,
    problem: &dyn Problem,
    internals: bool,
    progress: &mut dyn FnMut(usize),
) -> Result<Report, SpecError> {
    let x0 = spec.x0.flat();
    let mut runs = Vec::with_capacity(spec.runs.len());
    for (i, r) in spec.runs.iter().enumerate() {
        let opt = r.optimizer.build(problem.shape(), &format!("runs[{i}].optimizer"))?;
        let before = i * spec.steps;
        let trace = run_steps(problem, opt, &x0, r, spec.label(i), spec.steps, spec.seed, internals, &mut |t| progress(before + t));
        progress(before + spec.steps);
        runs.push(trace);
    }
    Ok(Report { runs })
}

/// Estimated native nanoseconds of running every run of `spec` on `problem` (its built problem): per step
/// the optimizer's gradients, Hessians and own arithmetic ([`crate::optim::StepCost`]) plus what the run loop
/// records (the loss and the full gradient's norm), with the problem's oracle costs from
/// [`crate::problems::ProblemSpec::cost`].
pub fn work(spec: &Spec, problem: &dyn Problem) -> f64 {
    let n = problem.dim();
    let pc = spec.problem.cost(n);
    let step_grad = pc.batch_gradient.unwrap_or(pc.gradient);
    spec.runs
        .iter()
        .map(|r| {
            let c = r.optimizer.cost(problem.shape());
            // the run loop's own gradient serves a deterministic step's first gradient; a stochastic step draws
            // a batch gradient besides
            let extra = (c.gradients - 1.0).max(0.0) * step_grad + pc.batch_gradient.unwrap_or(0.0);
            let per_step = pc.value + pc.gradient + extra + c.hessians * pc.hessian + c.own + 2.0 * n as f64;
            spec.steps as f64 * per_step
        })
        .sum()
}

/// ‖v‖₂, scaled by the largest entry first so that entries near 1e154 and above do not overflow the squares.
fn norm(v: &[f64]) -> f64 {
    let m = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    if m == 0.0 || !m.is_finite() {
        return m;
    }
    if (1e-150..1e150).contains(&m) {
        return v.iter().map(|x| x * x).sum::<f64>().sqrt();
    }
    m * v.iter().map(|x| (x / m) * (x / m)).sum::<f64>().sqrt()
}

fn first_bad(v: &[f64]) -> Option<f64> {
    v.iter().copied().find(|x| !x.is_finite())
}

/// Runs one optimizer for `steps` steps from `x0`.
#[allow(clippy::too_many_arguments)]
pub fn run_one(
    problem: &dyn Problem,
    opt: Box<dyn Optimizer>,
    x0: &[f64],
    run: &RunSpec,
    label: String,
    steps: usize,
    seed: u64,
    record_internals: bool,
) -> Trace {
    run_steps(problem, opt, x0, run, label, steps, seed, record_internals, &mut |_| {})
}

/// [`run_one`], calling `progress(t)` after step `t`.
#[allow(clippy::too_many_arguments)]
fn run_steps(
    problem: &dyn Problem,
    mut opt: Box<dyn Optimizer>,
    x0: &[f64],
    run: &RunSpec,
    label: String,
    steps: usize,
    seed: u64,
    record_internals: bool,
    progress: &mut dyn FnMut(usize),
) -> Trace {
    let base_lr = run.optimizer.base_lr();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; x.len()];
    problem.grad(&x, &mut g);
    let mut trace = Trace {
        label,
        loss: Vec::with_capacity(steps + 1),
        params: Vec::with_capacity(steps + 1),
        lr: Vec::with_capacity(steps),
        grad_norm: Vec::with_capacity(steps + 1),
        diverged: None,
        internals: Vec::new(),
    };
    let f0 = problem.value(&x);
    if !f0.is_finite() || first_bad(&g).is_some() {
        trace.diverged = Some(Diverged { step: 0, reason: format!("the loss or gradient at x0 is not finite (f = {f0})"), lr: None });
        return trace;
    }
    if !norm(&g).is_finite() {
        // every entry is finite, but their norm is beyond the largest double: it could not be printed
        let big = g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        trace.diverged = Some(Diverged {
            step: 0,
            reason: format!("the gradient at x0 (entries up to {big:e}) has a norm beyond the largest double (1.8e308)"),
            lr: None,
        });
        return trace;
    }
    if f0.abs() > DIVERGENCE_LOSS {
        trace.diverged = Some(Diverged {
            step: 0,
            reason: format!("the loss at x0 ({f0:e}) is already beyond ±1e100, where a run counts as diverged"),
            lr: None,
        });
        return trace;
    }
    trace.loss.push(f0);
    trace.params.push(x.clone());
    trace.grad_norm.push(norm(&g));
    let f_ref = problem.minimum().filter(|m| m.is_finite()).unwrap_or(0.0);
    let mut loss_scale = (f0 - f_ref).abs().max(1.0);
    // the distance a minimum may lie from x₀ (see [`EXPLOSION`]); with ∇f(x₀) = 0 the run stays at x₀ or is
    // moved by noise only, and ‖x₀‖ and 1 are the lengths left
    let g0 = norm(&g);
    let reach = if g0 > 0.0 { (f0 - f_ref).abs() / g0 * 2.0 } else { 0.0 };
    let mut x_scale = norm(&x).max(if reach.is_finite() { reach } else { f64::MAX }).max(1.0);
    let mut rng = batch_rng(seed);
    let mut bg = vec![0.0; x.len()];
    for t in 1..=steps {
        let lr = run.schedule.lr(base_lr, t - 1);
        let batch = problem.sample_batch(&mut rng);
        let mut oracle = StepOracle { problem, batch: batch.as_deref() };
        let step_grad = match batch.as_deref() {
            Some(b) => {
                problem.batch_grad(&x, b, &mut bg);
                &bg
            }
            None => &g,
        };
        if let Err(e) = opt.step(&mut x, step_grad, lr, &mut oracle) {
            trace.diverged = Some(Diverged { step: t, reason: e.0, lr: Some(lr) });
            break;
        }
        let f = problem.value(&x);
        problem.grad(&x, &mut g);
        if t == 1 {
            // the first step sets the scale too (see [`EXPLOSION`]); non-finite values are caught below
            loss_scale = loss_scale.max((f - f_ref).abs()).min(f64::MAX);
            x_scale = x_scale.max(norm(&x)).min(f64::MAX);
        }
        let reason = if let Some(v) = first_bad(&x) {
            Some(format!("a parameter became {v}"))
        } else if !f.is_finite() || f.abs() > DIVERGENCE_LOSS {
            Some(format!("the loss reached {f:e}"))
        } else if let Some(why) = exploding(f, &x, f_ref, loss_scale, x_scale) {
            Some(why)
        } else if let Some(v) = first_bad(&g) {
            Some(format!("the gradient became {v}"))
        } else {
            (!norm(&g).is_finite()).then(|| "the gradient's norm passed the largest double (1.8e308)".to_string())
        };
        if let Some(reason) = reason {
            trace.diverged = Some(Diverged { step: t, reason: format!("{reason} at step {t} (lr = {})", csv_num(lr)), lr: Some(lr) });
            break;
        }
        trace.lr.push(lr);
        trace.loss.push(f);
        trace.params.push(x.clone());
        trace.grad_norm.push(norm(&g));
        if record_internals {
            for (key, v) in opt.internals() {
                match trace.internals.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, series)) => series.push(v),
                    None => trace.internals.push((key, vec![v])),
                }
            }
        }
        progress(t);
    }
    trace
}

/// A number for CSV: the shortest text that reads back to the same double, in scientific notation beyond
/// 1e16 or below 1e-5 (Rust's plain `{}` would print 1e308 as 309 digits).
pub fn csv_num(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-5..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// One row per step and run: `label,step,loss,lr,grad_norm,x_0,…` (`lr` is empty at step 0).
pub fn to_csv(report: &Report) -> String {
    let n = report.runs.iter().flat_map(|r| r.params.first()).map(Vec::len).max().unwrap_or(0);
    let mut out = String::from("label,step,loss,lr,grad_norm");
    for i in 0..n {
        out += &format!(",x_{i}");
    }
    out.push('\n');
    for r in &report.runs {
        let label = format!("\"{}\"", r.label.replace('"', "\"\""));
        for (t, loss) in r.loss.iter().enumerate() {
            let lr = if t == 0 { String::new() } else { csv_num(r.lr[t - 1]) };
            out += &format!("{label},{t},{},{lr},{}", csv_num(*loss), csv_num(r.grad_norm[t]));
            for v in &r.params[t] {
                out += &format!(",{}", csv_num(*v));
            }
            out.push('\n');
        }
    }
    out
}
