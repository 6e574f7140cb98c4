//! Pieces the chapters share: running a spec, the loss chart, paths on a map, the convergence readout.

use super::{Claim, Message, Readout, Rel};
use crate::analysis::{end_rate, stability_bound, steps_to_tolerance};
use crate::optim::OptimizerSpec;
use crate::plot::field::MapPath;
use crate::plot::{LineChart, Series};
use crate::problems::ProblemSpec;
use crate::run::{run_with, Report, Trace};
use crate::spec::{RunSpec, Spec, X0};

/// Smallest gap drawn on a log axis: below it f − f* is rounding noise (an exact 0 is drawn here too).
pub const GAP_FLOOR: f64 = 1e-16;

/// Gap below which a run counts as converged in the readouts.
pub const TOLERANCE: f64 = 1e-6;

/// Three significant digits, plain or scientific.
pub fn sig(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() { "undefined".into() } else { "∞".into() };
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let digits = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.digits$}")
    } else {
        format!("{v:.2e}")
    }
}

/// [`sig`] as a format argument: the same text, written into the formatter (no string built and dropped at
/// each of the chapters' ~270 uses inside `format!`).
#[derive(Clone, Copy)]
pub struct Sig(pub f64);

impl std::fmt::Display for Sig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&sig(self.0))
    }
}

/// A spec over a 2-D (or any) problem with the given runs.
pub fn spec_of(problem: ProblemSpec, x0: Vec<f64>, runs: Vec<(String, OptimizerSpec)>, steps: usize, seed: u64) -> Spec {
    Spec {
        problem,
        x0: X0::Vector(x0),
        runs: runs.into_iter().map(|(label, optimizer)| RunSpec { label, optimizer, schedule: Default::default() }).collect(),
        steps,
        seed,
    }
}

/// Runs a spec; a spec the controls could not make valid becomes an error message (never a panic).
pub fn run_report(spec: &Spec, internals: bool) -> Result<Report, Message> {
    run_with(spec, internals).map_err(|e| Message::error(format!("cannot run this setting: {e}")))
}

/// The runs of a chapter on one landscape: its spec, the built problem (for f*, L, values) and the report.
pub struct Landscape {
    pub spec: Spec,
    pub problem: Box<dyn crate::problems::Problem>,
    pub report: Report,
}

/// Builds the spec's problem (with the spec's seed) and runs it (with the optimizers' internals when `internals`); either failure is
/// the error message the chapter shows.
pub fn run_landscape(spec: Spec, internals: bool) -> Result<Landscape, Message> {
    let problem = spec.problem.build(spec.seed).map_err(|e| Message::error(e.to_string()))?;
    let report = run_report(&spec, internals)?;
    Ok(Landscape { spec, problem, report })
}

/// Loss per step of every run: `f − f*` on a log axis when `f*` is known, else `f` on a linear axis.
pub fn loss_chart(title: &str, report: &Report, f_star: Option<f64>, colors: &[usize]) -> LineChart {
    let series = report
        .runs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let pts = t.loss.iter().enumerate().map(|(s, f)| (s as f64, f_star.map_or(*f, |m| (f - m).max(GAP_FLOOR)))).collect();
            Series::line(t.label.clone(), colors.get(i).copied().unwrap_or(i), pts)
        })
        .collect();
    let markers =
        report.runs.iter().filter_map(|t| t.diverged.as_ref().map(|d| (d.step as f64, format!("{} diverged", t.label)))).collect();
    LineChart {
        title: title.into(),
        x_label: "step t".into(),
        y_label: if f_star.is_some() { "f(x_t) − f*".into() } else { "f(x_t)".into() },
        y_log: f_star.is_some(),
        series,
        markers,
        ..Default::default()
    }
}

/// The iterates of each run as paths on a 2-D map.
pub fn paths(report: &Report, colors: &[usize]) -> Vec<MapPath> {
    report
        .runs
        .iter()
        .enumerate()
        .map(|(i, t)| MapPath {
            name: t.label.clone(),
            color: colors.get(i).copied().unwrap_or(i),
            points: t.params.iter().filter(|p| p.len() >= 2).map(|p| (p[0], p[1])).collect(),
            dashed: false,
        })
        .collect()
}

/// "2/L = 2.00", or "2" for a bound that is a plain number (Newton's).
fn bound_text(b: &crate::analysis::StabilityBound) -> String {
    if b.formula.parse::<f64>().is_ok() {
        b.formula.clone()
    } else {
        format!("{} = {}", b.formula, Sig(b.bound))
    }
}

/// Why a run diverged, in the page's words: the step, the reason the run recorded, and — on a quadratic
/// with largest curvature `smoothness` — the step-size bound *of the method that diverged* when it has one in
/// closed form (with the computed claim `η > bound` or `η ≤ bound`), or that it has none. `lr` is the largest
/// learning rate the run used up to the step that failed (see [`largest_lr`]); `varied` says that a schedule
/// changed it (the text then says "largest η_t": the bound is one for a constant η). A run that failed at its
/// start (step 0) took no step, and no step size is blamed.
pub fn divergence_text(
    d: &crate::run::Diverged,
    optimizer: Option<&OptimizerSpec>,
    smoothness: Option<f64>,
    lr: f64,
    varied: bool,
) -> (String, Option<Claim>) {
    let reason = d.reason.trim_end_matches('.');
    let eta = if varied { "largest η_t" } else { "η" };
    let l = smoothness.filter(|l| *l > 0.0 && l.is_finite());
    match (optimizer, l) {
        (Some(opt), Some(l)) if d.step > 0 && lr.is_finite() => match stability_bound(opt, l) {
            Ok(b) if lr > b.bound => {
                let claim = Claim::new(lr, Rel::Gt, b.bound);
                (
                    format!("diverged at step {} ({}: {eta} = {} {} {})", d.step, b.method, Sig(lr), claim.symbol(), bound_text(&b)),
                    Some(claim),
                )
            }
            Ok(b) => {
                // within the bound and still diverged (noise, a non-quadratic problem, a schedule): say so
                let claim = Claim::new(lr, Rel::Le, b.bound);
                (
                    format!(
                        "diverged at step {}: {reason} ({eta} = {} {} {}, within {}'s bound on a quadratic)",
                        d.step,
                        Sig(lr),
                        claim.symbol(),
                        bound_text(&b),
                        b.method
                    ),
                    Some(claim),
                )
            }
            Err(method) => (format!("diverged at step {}: {reason} (no closed-form step-size bound for {method})", d.step), None),
        },
        (Some(opt), _) if d.step > 0 => match stability_bound(opt, 1.0) {
            Err(method) => (format!("diverged at step {}: {reason} (no closed-form step-size bound for {method})", d.step), None),
            Ok(_) => (format!("diverged at step {}: {reason}", d.step), None),
        },
        _ => (format!("diverged at step {}: {reason}", d.step), None),
    }
}

/// "Stable on this quadratic for η below …": the method's bound (see [`stability_bound`]) and where this
/// run's largest η is, as a computed claim; `None` when the method has no closed-form bound.
pub fn stability_readout(optimizer: &OptimizerSpec, l: f64, lr: f64) -> Option<Readout> {
    let b = stability_bound(optimizer, l).ok()?;
    let claim = if lr < b.bound { Claim::new(lr, Rel::Lt, b.bound) } else { Claim::new(lr, Rel::Ge, b.bound) };
    let verdict = if lr < b.bound { "stable" } else { "unstable" };
    Some(
        Readout::new(
            format!("{} on this quadratic: stable iff η < {}", b.method, b.formula),
            format!("η = {} {} {} = {} ({verdict}; L = {})", Sig(lr), claim.symbol(), b.formula, Sig(b.bound), Sig(l)),
        )
        .claiming(claim),
    )
}

/// The learning rates a run used: one per step taken, then the one of the step that failed, if one did.
fn used_lrs(trace: &Trace) -> impl Iterator<Item = f64> + '_ {
    trace.lr.iter().copied().chain(trace.diverged.as_ref().and_then(|d| d.lr))
}

/// The largest learning rate a run used, including the step that failed (a warm-up may never reach the
/// optimizer's base rate); the base rate when no step was taken.
pub fn largest_lr(trace: &Trace, optimizer: Option<&OptimizerSpec>) -> f64 {
    let m = used_lrs(trace).fold(f64::NAN, f64::max);
    if m.is_nan() {
        optimizer.map_or(f64::NAN, |o| o.base_lr())
    } else {
        m
    }
}

const STEPS_TO: &str = "steps to f − f* ≤ 1e-6";

/// Relabels [`convergence`]'s "steps to f − f* ≤ 1e-6" line as the first step below the tolerance: for a run
/// that does not stay below it (it ends above, or noise takes it below by chance), "steps to" would read as
/// reached and kept.
pub fn as_first_step(line: &mut Readout) {
    line.label = line.label.replace(STEPS_TO, "first step with f − f* ≤ 1e-6");
}

/// [`convergence`]'s lines one by one, so that a chapter can put its own line in one's place (the momentum
/// chapter sets its rate beside the theory).
pub struct ConvergenceLines {
    /// how the run diverged, when it did
    pub diverged: Option<Readout>,
    /// "steps to f − f* ≤ 1e-6" (or the first step below it), when f* is known
    pub steps_to: Option<Readout>,
    /// "measured rate at the end", when f* is known
    pub rate: Option<Readout>,
    /// "final f − f*", or "final loss" when f* is not known
    pub last: Readout,
}

impl ConvergenceLines {
    pub fn into_vec(self) -> Vec<Readout> {
        self.diverged.into_iter().chain(self.steps_to).chain(self.rate).chain(Some(self.last)).collect()
    }
}

/// "steps to tolerance", "measured rate", "final loss", and a divergence line naming the bound of the method
/// that diverged (see [`divergence_text`]). `smoothness` is the largest curvature when the problem is a
/// quadratic (else `None`), `optimizer` the run's optimizer.
pub fn convergence(trace: &Trace, f_star: Option<f64>, smoothness: Option<f64>, optimizer: Option<&OptimizerSpec>) -> Vec<Readout> {
    convergence_lines(trace, f_star, smoothness, optimizer).into_vec()
}

/// [`convergence`]'s lines, each by name.
pub fn convergence_lines(
    trace: &Trace,
    f_star: Option<f64>,
    smoothness: Option<f64>,
    optimizer: Option<&OptimizerSpec>,
) -> ConvergenceLines {
    let name = &trace.label;
    let diverged = trace.diverged.as_ref().map(|d| {
        let mut lrs = used_lrs(trace);
        let varied = lrs.next().is_some_and(|first| lrs.any(|v| v != first));
        let (text, claim) = divergence_text(d, optimizer, smoothness, largest_lr(trace, optimizer), varied);
        let r = Readout::bad(name.to_string(), text);
        match claim {
            Some(c) => r.claiming(c),
            None => r,
        }
    });
    let last = trace.loss.last().copied().unwrap_or(f64::NAN);
    match f_star {
        Some(m) => {
            let hit = steps_to_tolerance(&trace.loss, m, TOLERANCE);
            // A run can pass below the tolerance and end above it (SAM rests beside the minimum, not in it):
            // then the step is the first one below, and the line says that f − f* ends above.
            let left = hit.is_some() && last - m > TOLERANCE;
            let mut line = Readout::new(
                format!("{name}: {STEPS_TO}"),
                match hit {
                    None => format!("not within {} steps", trace.steps()),
                    Some(s) if left => format!("{s}; at the end f − f* > 1e-6 again"),
                    Some(s) => s.to_string(),
                },
            );
            if left {
                as_first_step(&mut line);
                line = line.claiming(Claim::new(last - m, Rel::Gt, TOLERANCE));
            }
            ConvergenceLines {
                diverged,
                steps_to: Some(line),
                rate: Some(Readout::new(
                    format!("{name}: measured rate at the end"),
                    end_rate_text(&trace.loss, m).unwrap_or_else(|| "—".into()),
                )),
                last: Readout::new(format!("{name}: final f − f*"), sig(last - m)),
            }
        }
        None => ConvergenceLines { diverged, steps_to: None, rate: None, last: Readout::new(format!("{name}: final loss"), sig(last)) },
    }
}

/// [`end_rate`] of `f − f*` above 1e-12 as "0.969 per step (fit over steps 400–600)"; `None` when fewer than
/// three steps are above it.
fn end_rate_text(loss: &[f64], f_star: f64) -> Option<String> {
    end_rate(loss, f_star, 1e-12).map(|(r, a, b)| format!("{} per step (fit over steps {a}–{b})", Sig(r)))
}

/// The factors by which a map's default view is widened.
const ZOOMS: [f64; 11] = [1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0];

/// Plot bounds for a 2-D landscape problem, widened (keeping the aspect) to show the start point.
pub fn bounds_for(problem: &ProblemSpec, start: (f64, f64)) -> (f64, f64, f64, f64) {
    let (x0, x1, y0, y1) = default_bounds(problem);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (hx, hy) = ((x1 - x0) / 2.0, (y1 - y0) / 2.0);
    let grow = (((start.0 - cx).abs() * 1.15 / hx).max((start.1 - cy).abs() * 1.15 / hy)).max(1.0);
    let grow = if grow.is_finite() { grow.min(10.0) } else { 1.0 };
    // widened in steps, so that nearby starts and paths share one view (and its cached field image)
    let grow = ZOOMS.iter().copied().find(|&z| z >= grow).unwrap_or(10.0);
    (cx - hx * grow, cx + hx * grow, cy - hy * grow, cy + hy * grow)
}

fn default_bounds(problem: &ProblemSpec) -> (f64, f64, f64, f64) {
    match problem {
        ProblemSpec::Rosenbrock(_) => (-2.0, 2.0, -1.0, 3.0),
        ProblemSpec::FlatSharp(_) => (-2.5, 3.0, -2.0, 2.0),
        ProblemSpec::Plateau(_) => (-4.0, 4.0, -3.0, 3.0),
        _ => (-2.0, 2.0, -1.5, 1.5),
    }
}

/// A quadratic objective as the `quadratic` problem with the same level sets, `½xᵀHx + ∇f(0)ᵀx` (`f` up to a
/// constant), read off at 0. Drawing a finite sum's landscape through it costs O(d²) per pixel instead of
/// O(N·d). Only for problems that are quadratic (least squares): anything else would be misdrawn.
pub fn quadratic_view(p: &dyn crate::problems::Problem) -> Option<ProblemSpec> {
    let d = p.dim();
    let zero = vec![0.0; d];
    let mut g = vec![0.0; d];
    p.grad(&zero, &mut g);
    let h = p.hessian(&zero)?;
    let a: Vec<Vec<f64>> = (0..d).map(|i| (0..d).map(|j| 0.5 * (h[[i, j]] + h[[j, i]])).collect()).collect();
    let b: Vec<f64> = g.iter().map(|v| -v).collect();
    Some(ProblemSpec::quadratic(a, b)).filter(|q| q.build(0).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finite_sums_quadratic_view_has_its_level_sets() {
        let spec = ProblemSpec::FiniteSum(crate::problems::FiniteSumSpec { samples: 64, noise: 0.7, ..Default::default() });
        let fs = spec.build(3).unwrap();
        let q = quadratic_view(fs.as_ref()).expect("least squares is quadratic").build(0).unwrap();
        let pts = [[0.0, 0.0], [1.0, -2.0], [-3.0, 0.5], [0.25, 4.0]];
        for p in &pts[1..] {
            let (df, dq) = (fs.value(p) - fs.value(&pts[0]), q.value(p) - q.value(&pts[0]));
            assert!((df - dq).abs() <= 1e-10 * df.abs().max(1.0), "{p:?}: {df} vs {dq}");
        }
        // a problem that is not quadratic would be misdrawn; Rosenbrock's Hessian at 0 is not its landscape
        let rb = ProblemSpec::rosenbrock();
        let r = rb.build(0).unwrap();
        let rq = quadratic_view(r.as_ref()).unwrap().build(0).unwrap();
        assert!(((r.value(&[1.0, 1.0]) - r.value(&[0.0, 0.0])) - (rq.value(&[1.0, 1.0]) - rq.value(&[0.0, 0.0]))).abs() > 0.5);
    }
}
