//! Chapter 10 — the race: every optimizer of the core on one landscape, from one start, for the same number
//! of steps, each at a learning rate tuned once for that landscape (scaled together by `lr_scale`).

use super::common::{bounds_for, sig, spec_of, Sig, GAP_FLOOR, TOLERANCE};
use super::{Canvas, Chapter, Chart, Claim, Control, Field, Formula, Message, Model, Readout, Rel, Scene, State};
use crate::analysis::{end_rate, steps_to_tolerance};
use crate::optim::{OptimizerSpec, RACE_LANDSCAPES};
use crate::plot::field::{MapChart, MapPath};
use crate::plot::{LineChart, Mark, Series};
use crate::problems::Problem;
use crate::problems::{FlatSharpSpec, ProblemSpec};
use crate::run::{Report, Trace};
use crate::spec::Spec;
use std::cmp::Ordering;

pub struct Race;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub problem: String,
        pub kappa: f64,
        pub lr_scale: f64,
        pub steps: usize,
        pub x0: (f64, f64),
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Race.controls(), st)
    }
}

/// Lower edge of the loss chart when the landscape has no minimum (the saddle): below it lines are cut.
const SADDLE_FLOOR: f64 = -10.0;

/// The learning rates tuned for `problem` (see [`crate::optim::Racer`]), one per racer of [`racers`], in their order.
fn base_lrs(problem: &str) -> Vec<f64> {
    let i = RACE_LANDSCAPES.iter().position(|l| *l == problem).unwrap_or(0);
    crate::optim::racers().iter().map(|r| r.lrs[i]).collect()
}

fn problem(p: &Params) -> ProblemSpec {
    match p.problem.as_str() {
        "rosenbrock" => ProblemSpec::rosenbrock(),
        "saddle" => ProblemSpec::saddle(),
        "plateau" => ProblemSpec::plateau(1.0),
        "flat_sharp" => ProblemSpec::FlatSharp(FlatSharpSpec::default()),
        _ => ProblemSpec::conditioned(p.kappa, 30.0),
    }
}

/// Every racer of the registry (each optimizer family declares its own, see [`Racer`]) at its rate in `lrs`,
/// capped at the racer's largest step size (Newton's 10).
pub fn racers(lrs: &[f64]) -> Vec<(String, OptimizerSpec)> {
    crate::optim::racers().iter().zip(lrs).map(|(r, lr)| (r.name.to_string(), (r.build)(lr.min(r.max_lr)))).collect()
}

/// Palette index and dash of racer `i`: seven colours, then the same colours dashed.
fn style(i: usize) -> (usize, bool) {
    (i % 7, i >= 7)
}

/// First step from which `f − f*` stays within the tolerance to the end of the run (a run that dips below and
/// climbs back out has not converged).
pub fn settled(loss: &[f64], f_star: f64) -> Option<usize> {
    // a NaN gap counts as outside
    let last_out = loss.iter().rposition(|f| !matches!((f - f_star).partial_cmp(&TOLERANCE), Some(Ordering::Less | Ordering::Equal)));
    match last_out {
        None if !loss.is_empty() => Some(0),
        Some(i) if i + 1 < loss.len() => Some(i + 1),
        _ => None,
    }
}

/// One row of the final table.
fn row(t: &Trace, opt: &OptimizerSpec, f_star: Option<f64>, unbounded: bool, quad: Option<f64>) -> Readout {
    let lr = opt.base_lr();
    let last = t.loss.last().copied().unwrap_or(f64::NAN);
    let mut parts = vec![match f_star {
        Some(m) => format!("final f − f* = {}", Sig(last - m)),
        None => format!("final f = {}", Sig(last)),
    }];
    let mut claims = Vec::new();
    if let Some(m) = f_star {
        let gap_max = |from: usize| t.loss[from..].iter().map(|f| f - m).fold(f64::NEG_INFINITY, f64::max);
        parts.push(match (settled(&t.loss, m), steps_to_tolerance(&t.loss, m, TOLERANCE)) {
            (Some(s), _) => {
                claims.push(Claim::new(gap_max(s), Rel::Le, TOLERANCE));
                format!("f − f* ≤ 1e-6 from step {s} on")
            }
            (None, Some(s)) => {
                claims.push(Claim::new(t.loss[s] - m, Rel::Le, TOLERANCE));
                format!("reached f − f* ≤ 1e-6 at step {s} but left it again")
            }
            (None, None) => {
                let gap_min = t.loss.iter().map(|f| f - m).fold(f64::INFINITY, f64::min);
                let c = Claim::new(gap_min, Rel::Gt, TOLERANCE);
                claims.push(c);
                format!("smallest f − f* = {} {} 1e-6", Sig(gap_min), c.symbol())
            }
        });
        // the rate at the end of the run, as in `common::convergence`'s rate line but short: every optimizer has a row
        if let Some((r, a, b)) = end_rate(&t.loss, m, 1e-12) {
            parts.push(format!("rate {}/step over steps {a}–{b}", Sig(r)));
        }
    }
    parts.push(format!("η = {}", Sig(lr)));
    match &t.diverged {
        Some(d) if unbounded => {
            parts.insert(0, format!("diverged at step {} (f → −∞: this landscape has no minimum)", d.step));
            claims.into_iter().fold(Readout::bad(t.label.clone(), crate::checks::join_strs(&parts, " · ")), Readout::claiming)
        }
        Some(d) => {
            // the method's own step-size bound on a quadratic (`quad` = L), or that it has none
            let (text, claim) = super::common::divergence_text(d, Some(opt), quad, super::common::largest_lr(t, Some(opt)), false);
            parts.insert(0, text);
            claims.extend(claim);
            claims.into_iter().fold(Readout::bad(t.label.clone(), crate::checks::join_strs(&parts, " · ")), Readout::claiming)
        }
        None => claims.into_iter().fold(Readout::new(t.label.clone(), crate::checks::join_strs(&parts, " · ")), Readout::claiming),
    }
}

/// What the chapter computes: every racer from one start at its tuned rate times the scale.
pub struct Runs {
    pub spec: Spec,
    pub report: Report,
    pub problem: Box<dyn Problem>,
}

impl Model for Race {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Runs, Message> {
        let lrs: Vec<f64> = base_lrs(p.problem.as_str()).iter().map(|v| v * p.lr_scale).collect();
        let spec = spec_of(problem(p), vec![p.x0.0, p.x0.1], racers(&lrs), p.steps, 0);
        let built = spec.problem.build(0).map_err(|e| Message::error(e.to_string()))?;
        let report = super::common::run_report(&spec, false)?;
        Ok(Runs { spec, report, problem: built })
    }

    fn scene(p: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let Runs { spec, report, problem: built } = r;
        let prob = spec.problem.clone();
        let (x, y) = p.x0;
        let scale = p.lr_scale;
        let f_star = built.minimum();

        let bounds = bounds_for(&prob, (x, y));
        let mut map = MapChart {
            title: "landscape and paths".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds,
            paths: report
                .runs
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let (color, dashed) = style(i);
                    MapPath { name: t.label.clone(), color, points: t.params.iter().map(|p| (p[0], p[1])).collect(), dashed }
                })
                .collect(),
            ..Default::default()
        };
        map.grab_point((x, y), "x₀");
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));

        let saddle = matches!(prob, ProblemSpec::Saddle(_));
        let series = report
            .runs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let (color, dashed) = style(i);
                let pts: Vec<(f64, f64)> = match f_star {
                    Some(m) => t.loss.iter().enumerate().map(|(s, f)| (s as f64, (f - m).max(GAP_FLOOR))).collect(),
                    None if saddle => {
                        // cut each line where it leaves the chart through the floor
                        let mut out = Vec::new();
                        for (s, f) in t.loss.iter().enumerate() {
                            out.push((s as f64, f.max(SADDLE_FLOOR)));
                            if *f < SADDLE_FLOOR {
                                break;
                            }
                        }
                        out
                    }
                    None => t.loss.iter().enumerate().map(|(s, f)| (s as f64, *f)).collect(),
                };
                Series::line(t.label.clone(), color, pts).with_mark(if dashed { Mark::Dashed } else { Mark::Line })
            })
            .collect();
        let markers =
            report.runs.iter().filter_map(|t| t.diverged.as_ref().map(|d| (d.step as f64, format!("{} diverged", t.label)))).collect();
        scene.charts.push((
            "loss",
            Chart::Lines(LineChart {
                title: "loss per step".into(),
                x_label: "step t".into(),
                y_label: match (f_star, saddle) {
                    (Some(_), _) => "f(x_t) − f*".into(),
                    (None, true) => format!("f(x_t) (lines end where f < {SADDLE_FLOOR})"),
                    (None, false) => "f(x_t)".into(),
                },
                y_log: f_star.is_some(),
                series,
                markers,
                x_range: Some((0.0, p.steps.max(1) as f64)),
                ..Default::default()
            }),
        ));

        for (i, t) in report.runs.iter().enumerate() {
            let quad =
                if matches!(prob, ProblemSpec::Quadratic(_) | ProblemSpec::ConditionedQuadratic(_)) { built.smoothness() } else { None };
            scene.readout.push(row(t, &spec.runs[i].optimizer, f_star, saddle, quad));
        }
        for (r, lr) in crate::optim::racers().iter().zip(base_lrs(p.problem.as_str())) {
            if scale * lr > r.max_lr {
                scene.messages.push(Message::info(format!("{}'s step size is capped at {}.", r.name, r.max_lr)));
            }
        }
        scene.values.push(("lr_scale".into(), sig(scale)));
        // what Newton–Schulz does to a column's one singular value σ = 1 (after the normalisation)
        let ns_sigma = crate::linalg::msign::scalar_map(crate::linalg::msign::NsVariant::KellerQuintic, 5, 1.0);
        scene.values.push(("ns_sigma".into(), format!("{ns_sigma:.3}")));
        scene.values.push(("ns_step".into(), format!("{:.3}", 2f64.sqrt() * ns_sigma)));
        scene.spec = Some(spec);
        scene.report = Some(report.into());
        scene
    }
}

impl Chapter for Race {
    fn id(&self) -> &'static str {
        "race"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Race: every optimizer on one landscape"
    }
    fn intro(&self) -> &'static str {
        "All the optimizers of the lecture start from the same point and take the same number of steps on one \
         landscape. Each runs at a learning rate tuned once for that landscape (a grid search over 1, 2, 5 × 10^k, \
         best worst case from four starts; AdamW shares Adam's); the slider “lr scale” multiplies all of them at once, so you can see \
         which methods tolerate larger or smaller steps. Muon works on matrices; here the parameter is a 2×1 \
         column, whose one singular value is ‖v‖: the exact msign(v) is v/‖v‖. Newton–Schulz starts at v/‖v‖ \
         (σ = 1) and Keller Jordan's quintic, tuned to land in a band rather than on 1, takes σ = 1 to about \
         0.70 in five steps; Muon's shape factor √max(1, rows/cols) = √2 then makes the step about 0.985·η·v/‖v‖ \
         (the formula shows the computed values)."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Read the table for the quadratic (κ = 20), then raise κ to 200: SGD, AdaGrad and RMSProp no longer reach \
             f − f* ≤ 1e-6 within 200 steps, while momentum, Nesterov and Adam still do, a little later.",
            "Move the lr scale to 3: SGD, Nesterov and Newton diverge (red rows). At 0.3 none diverges, but SGD no \
             longer reaches the tolerance and Newton needs 19 steps instead of 1.",
            "On the saddle, click a start just above the x-axis: Newton's method jumps onto the saddle point in one \
             step (it heads for any point where the gradient vanishes), while the gradient methods slide off downhill.",
            "On Rosenbrock, compare the number of steps to tolerance: Newton needs 5, no first-order method gets there \
             within 200.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new("every racer's step size", r"\eta_i = {lr_scale} \times \eta_i^{\text{tuned}}"),
            Formula::new(
                "Muon on a 2×1 column: five Keller-quintic steps from v/‖v‖, then the shape factor √2",
                r"\operatorname{msign}(v) = \frac{v}{\|v\|},\quad \mathrm{NS}_5\Big(\frac{v}{\|v\|}\Big) = {ns_sigma}\,\frac{v}{\|v\|},\quad \text{step} = \sqrt2\cdot {ns_sigma}\,\eta = {ns_step}\,\eta",
            ),
            Formula::new("Newton's step", r"x_{t+1} = x_t - \eta\,H(x_t)^{-1}\nabla f(x_t)"),
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
                    ("flat_sharp", "flat and sharp minima"),
                ],
                "conditioned_quadratic",
            ),
            Control::log_range("kappa", "condition number κ", 1.0, 1000.0, 20.0).unit("κ").when("problem", &["conditioned_quadratic"]),
            Control::log_range("lr_scale", "lr scale (all optimizers)", 0.01, 100.0, 1.0)
                .unit("×")
                .help("multiplies every optimizer's tuned learning rate (Newton's is capped at 10)"),
            Control::int("steps", "steps T", 1, 500, 200),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas { id: "map", label: "level sets of the landscape with the path of every optimizer", aspect: 0.75, clickable: true },
            Canvas { id: "loss", label: "loss per step of every optimizer", aspect: 0.7, clickable: false },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Race>(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prints the learning rates `base_lrs` holds. For each landscape and racer, every grid value
    /// 1, 2, 5 × 10^k in [1e-4, 10] is run for 200 steps from four starts; a start scores the step from
    /// which f − f* stays ≤ 1e-6, or 200 + 20·log10(gap/1e-6) when not reached, or +∞ when diverged (the final f on a
    /// landscape without f*). The rate with the best worst-case score over the starts wins, so no lucky
    /// start decides. Run with `cargo test --lib tune_race_rates -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn tune_race_rates() {
        let grid: Vec<f64> = (-4..=1).flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e))).filter(|v| *v <= 10.0).collect();
        let starts = [[-1.5, 1.0], [1.5, 1.2], [-1.0, -1.2], [0.8, -0.5]];
        for name in ["conditioned_quadratic", "rosenbrock", "plateau", "flat_sharp"] {
            let mut st = State::default();
            for c in Race.controls() {
                st.set(c.name, c.default_text());
            }
            st.set("problem", name);
            let prob = problem(&Params::of(&st).unwrap());
            let built = prob.build(0).unwrap();
            let table = crate::optim::racers();
            let mut best = Vec::new();
            for i in 0..table.len() {
                if table[i].name == "Newton" {
                    best.push(1.0); // Newton keeps its full step
                    continue;
                }
                if table[i].name == "AdamW" {
                    best.push(best[i - 1]); // AdamW at Adam's rate
                    continue;
                }
                let mut winner: Option<(f64, f64)> = None;
                for &lr in &grid {
                    let mut lrs = vec![1.0; table.len()];
                    lrs[i] = lr;
                    let racer = racers(&lrs).remove(i);
                    let worst = starts
                        .iter()
                        .map(|x0| {
                            let spec = spec_of(prob.clone(), x0.to_vec(), vec![racer.clone()], 200, 0);
                            let t = &crate::run::run(&spec).unwrap().runs[0];
                            let last = *t.loss.last().unwrap();
                            match (&t.diverged, built.minimum()) {
                                (Some(_), _) => f64::INFINITY,
                                (None, Some(m)) => match settled(&t.loss, m) {
                                    Some(s) => s as f64,
                                    None => 200.0 + 20.0 * ((last - m) / TOLERANCE).log10(),
                                },
                                (None, None) => last,
                            }
                        })
                        .fold(f64::NEG_INFINITY, f64::max);
                    if worst.is_finite() && winner.is_none_or(|(b, _)| worst < b) {
                        winner = Some((worst, lr));
                    }
                }
                best.push(winner.map_or(f64::NAN, |(_, lr)| lr));
            }
            println!("{name}: {best:?}");
        }
    }
}
