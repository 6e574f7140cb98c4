//! Chapter 9 — Muon and msign: what Newton–Schulz does to the singular values of Muon's momentum matrix,
//! the scalar polynomial behind it, Muon against AdamW and SGD on matrix least squares, and Muon's
//! invariance to multiplying the loss by a constant.

use super::common::{convergence, loss_chart, sig, Sig, GAP_FLOOR};
use super::memo;
use super::{Canvas, Chapter, Chart, Claim, Control, Formula, Message, Model, Readout, Rel, Scene, State};
use crate::linalg::msign::{msign, msign_svd, scalar_map, NsVariant};
use crate::linalg::svd::svd;
use crate::optim::config::{Adam, Decoupled, Muon as MuonConfig, MuonScale, Sgd};
use crate::optim::muon::MomentumForm;
use crate::optim::OptimizerSpec;
use crate::plot::{LineChart, Mark, Series};
use crate::problems::{MatrixLeastSquares, Problem, ProblemSpec, RandomMatrixSpec};
use crate::run::{Report, Trace};
use crate::spec::{RunSpec, Spec, X0};
use ndarray::ArrayView2;
use std::sync::Arc;

pub struct Muon;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub lr: f64,
        pub momentum: f64,
        pub nesterov: bool,
        pub momentum_form: String,
        pub ns: String,
        pub ns_steps: usize,
        pub rows: usize,
        pub features: usize,
        pub samples: usize,
        pub kappa: f64,
        pub loss_scale: f64,
        pub weight_decay: f64,
        pub steps: usize,
        pub at_step: usize,
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Muon.controls(), st)
    }
}

/// Palette: one colour per optimizer across the charts.
const MUON: usize = 0;
const ADAMW: usize = 1;
const SGD: usize = 2;
const BEFORE: usize = 5;
const GREY: usize = 6;
const ORANGE: usize = 4;

/// AdamW's learning rate in the comparison: the best of {0.01, 0.02, 0.05, 0.1, 0.2} at 100 steps on the
/// default problem was 0.2, and 0.1 was close; 0.1 stays stable over the shapes and κ the controls allow.
pub const ADAMW_LR: f64 = 0.1;

/// Muon's ε in the Newton–Schulz normalisation `M/(‖M‖_F + ε)` (the core's default).
const NS_EPS: f64 = 1e-7;

/// The matrix problem of the controls, with its loss multiplied by `loss_scale`.
pub fn problem(p: &Params, loss_scale: f64) -> ProblemSpec {
    ProblemSpec::RandomMatrixLeastSquares(RandomMatrixSpec {
        rows: p.rows,
        features: p.features,
        samples: p.samples,
        kappa: p.kappa,
        noise: 0.0,
        loss_scale,
    })
}

fn variant(p: &Params) -> NsVariant {
    NsVariant::parse(p.ns.as_str()).unwrap_or(NsVariant::KellerQuintic)
}

fn form(p: &Params) -> MomentumForm {
    if p.momentum_form.as_str() == "sum" {
        MomentumForm::Sum
    } else {
        MomentumForm::Ema
    }
}

/// Muon as the controls set it (shape scale √max(1, rows/cols), decoupled weight decay λ_wd).
pub fn muon_spec(p: &Params) -> MuonConfig {
    MuonConfig {
        lr: p.lr,
        momentum: p.momentum,
        nesterov: p.nesterov,
        ns_steps: p.ns_steps,
        ns: variant(p),
        momentum_form: form(p),
        scale: MuonScale::Shape,
        weight_decay: p.weight_decay,
        eps: NS_EPS,
    }
}

fn spec(problem: ProblemSpec, rows: usize, features: usize, runs: Vec<(String, OptimizerSpec)>, steps: usize) -> Spec {
    Spec {
        problem,
        x0: X0::Matrix(vec![vec![0.0; features]; rows]),
        runs: runs.into_iter().map(|(label, optimizer)| RunSpec { label, optimizer, schedule: Default::default() }).collect(),
        steps,
        seed: 0,
    }
}

/// The chapter's random matrix least squares itself (not boxed: [`crate::problems::FastMatrixLeastSquares`] reads its data).
fn build_least_squares(problem: &ProblemSpec, seed: u64) -> Result<MatrixLeastSquares, Message> {
    match problem {
        ProblemSpec::RandomMatrixLeastSquares(p) => p.build("problem", seed).map_err(|e| Message::error(e.to_string())),
        _ => Err(Message::error("the Muon chapter needs a random matrix least-squares problem")),
    }
}

thread_local! {
    /// Muon, AdamW and SGD on the chapter's problem, by their spec (see [`memo`]). Shared, not copied: the
    /// scene's export and this slot hold the same runs (1.5 MB at 16×16 and 150 steps, most of it the
    /// per-step matrices "inspect step t" reads).
    static MAIN_RUNS: memo::Slot<Spec, Result<Arc<Report>, Message>> = const { std::cell::RefCell::new(None) };
    /// Muon and SGD on λ·f, by their spec.
    static SCALED_RUNS: memo::Slot<Spec, Result<Arc<Report>, Message>> = const { std::cell::RefCell::new(None) };
}

/// [`super::common::run_report`] for one of the chapter's specs on [`crate::problems::FastMatrixLeastSquares`] over `lsq`, the
/// spec's problem: the same checks and messages, the same runs; with `internals`, each trace records its
/// optimizer's internals at every step.
fn run_fast(spec: &Spec, lsq: &MatrixLeastSquares, internals: bool) -> Result<Report, Message> {
    let fail = |e: crate::spec::SpecError| Message::error(format!("cannot run this setting: {e}"));
    spec.validate().map_err(fail)?;
    crate::run::run_on(spec, &crate::problems::FastMatrixLeastSquares::new(lsq), internals).map_err(fail)
}

/// The matrix Muon orthogonalised at step `t` (1-based), as its momentum stage recorded it
/// ([`crate::optim::Internal::MsignInput`]; the trace must have been run with internals).
pub fn msign_input(trace: &Trace, t: usize) -> Option<Vec<f64>> {
    if t == 0 || t > trace.steps() {
        return None;
    }
    let key = crate::optim::Key::top(crate::optim::Internal::MsignInput);
    trace.internals.iter().find(|(k, _)| *k == key).and_then(|(_, series)| series.get(t - 1)).cloned()
}

/// `f(W_t)` of the unscaled problem for a run on the λ-scaled one.
fn unscaled(trace: &Trace, loss_scale: f64) -> Vec<(f64, f64)> {
    trace.loss.iter().enumerate().map(|(t, f)| (t as f64, (f / loss_scale).max(GAP_FLOOR))).collect()
}

/// `‖W_t(a) − W_t(b)‖_F / ‖W_t(b)‖_F` over the common steps (0 where both are 0).
fn relative_gaps(a: &Trace, b: &Trace) -> Vec<f64> {
    a.params
        .iter()
        .zip(&b.params)
        .map(|(p, q)| {
            let d = p.iter().zip(q).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt();
            let n = q.iter().map(|y| y * y).sum::<f64>().sqrt();
            if d == 0.0 {
                0.0
            } else {
                d / n
            }
        })
        .collect()
}

/// Relative gap at or below which two paths count as the same in the readout.
pub const SAME_PATH: f64 = 1e-4;

/// "largest g; first above 1e-4 at step s" for two runs (or "at most g over all T steps").
fn gap_text(a: &Trace, b: &Trace) -> String {
    let g = relative_gaps(a, b);
    let largest = g.iter().copied().fold(0.0, f64::max);
    match g.iter().position(|v| *v > SAME_PATH) {
        None => format!("at most {} over all {} steps", Sig(largest), g.len().saturating_sub(1)),
        Some(s) => format!("largest {}; first above 1e-4 at step {s}", Sig(largest)),
    }
}

/// The matrix Muon's Newton–Schulz stage received at the inspected step, and what it and exact msign do to it.
pub struct Inspection {
    /// The input M (rows × features, row-major).
    pub input: Vec<f64>,
    /// σᵢ(M)/‖M‖_F, and ‖NS(M)vᵢ‖ and ‖msign(M)vᵢ‖ for each right singular vector vᵢ.
    pub before: Vec<f64>,
    pub after: Vec<f64>,
    pub exact: Vec<f64>,
    /// The range [lo, hi] of p_k over the input's normalised singular values [σ_min, σ_max].
    pub band: Option<(f64, f64, f64, f64)>,
    /// With weight decay: ‖ηλ_wd W_{t−1}‖_F, ‖ΔW‖_F and ‖ΔW + η(s·NS(M_t) + λ_wd W_{t−1})‖_F.
    pub decay_check: Option<(f64, f64, f64)>,
}

/// What the chapter computes: Muon, AdamW and SGD on the matrix least squares, the inspected step's matrix,
/// the bound ‖ΔW x‖ ≤ ‖ΔW‖₂‖x‖ on the data, and Muon and SGD on λ·f.
pub struct Runs {
    pub main: Spec,
    pub problem: MatrixLeastSquares,
    pub report: Arc<Report>,
    /// The inspected step (the asked one, clamped to the run).
    pub t: usize,
    pub inspection: Option<Inspection>,
    /// Over the data columns x: the largest ‖ΔW x‖/(‖ΔW‖₂‖x‖) and ‖ΔW‖₂, for Muon's update at t.
    pub bound: Option<(f64, f64)>,
    /// Muon and SGD on λ·f, or why they could not run; `None` when λ = 1 (they are `report`'s Muon and SGD).
    pub scaled: Option<Result<Arc<Report>, Message>>,
}

impl Model for Muon {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Runs, Message> {
        let (rows, features) = (p.rows.max(1), p.features.max(1));
        let lambda = p.loss_scale;
        let prob = problem(p, 1.0);
        let built = build_least_squares(&prob, 0)?;
        let problem_1 = &built;
        let l = problem_1.smoothness().unwrap_or(1.0);
        let sgd_lr = if l > 0.0 { 1.0 / l } else { 1.0 };
        let muon = muon_spec(p);
        let steps = p.steps;
        let muon_label = "Muon".to_string();
        let adamw_label = format!("AdamW (η = {})", Sig(ADAMW_LR));
        let sgd_label = format!("SGD (η = 1/L = {})", Sig(sgd_lr));
        let mut adamw_cfg = Adam::<Decoupled>::default();
        adamw_cfg.lr = ADAMW_LR;
        adamw_cfg.weight_decay = 0.0;
        let adamw = OptimizerSpec::Adamw(adamw_cfg);
        let sgd = OptimizerSpec::Sgd(Sgd { lr: sgd_lr, ..Sgd::default() });
        let main = spec(
            prob.clone(),
            rows,
            features,
            vec![(muon_label.clone(), OptimizerSpec::Muon(muon.clone())), (adamw_label, adamw), (sgd_label, sgd.clone())],
            steps,
        );
        // Muon's run records its internals (the matrix msign received at each step); the others do not need to
        let (muon_run, others) =
            (Spec { runs: main.runs[..1].to_vec(), ..main.clone() }, Spec { runs: main.runs[1..].to_vec(), ..main.clone() });
        // the three runs read the spec only (its problem builds `built`): the inspected step t and λ reuse them
        let report = memo::cached(&MAIN_RUNS, main.clone(), || {
            let mut report = run_fast(&muon_run, &built, true)?;
            report.runs.extend(run_fast(&others, &built, false)?.runs);
            Ok(Arc::new(report))
        })?;
        let muon_trace = &report.runs[0];
        let t = p.at_step.clamp(1, muon_trace.steps().max(1));
        let (ns, k) = (variant(p), p.ns_steps);
        let inspection = msign_input(muon_trace, t).map(|u| {
            let m = ArrayView2::from_shape((rows, features), &u).expect("problem shape");
            let fro = u.iter().map(|v| v * v).sum::<f64>().sqrt();
            // σᵢ of the normalised input, and what each output does to its right singular vector vᵢ:
            // ‖O vᵢ‖ = |p_k(σᵢ)| for O = NS(M) (p_k is not monotone, so sorting both lists would mismatch them)
            let dec = svd(m);
            let before: Vec<f64> = dec.s.iter().map(|s| s / (fro + NS_EPS)).collect();
            let gain = |o: &ndarray::Array2<f64>| -> Vec<f64> {
                (0..dec.s.len()).map(|i| o.dot(&dec.v.column(i)).iter().map(|x| x * x).sum::<f64>().sqrt()).collect()
            };
            let after = gain(&msign(m, ns, k, NS_EPS));
            let exact = gain(&msign_svd(m));
            let smin = before.iter().copied().filter(|s| *s > before[0] * 1e-12).fold(f64::INFINITY, f64::min);
            let band = smin.is_finite().then(|| {
                // the range of p_k over the input's singular values [σ_min, σ_max]
                let grid = (0..=400).map(|i| smin + (before[0] - smin) * i as f64 / 400.0);
                let (lo, hi) =
                    grid.map(|s| scalar_map(ns, k, s)).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
                (smin, before[0], lo, hi)
            });
            // the lecture's weight-decay term: Muon's step at t against −η(s·NS(M_t) + λ_wd W_{t−1}) computed here
            let decay_check = match (muon.weight_decay > 0.0, muon_trace.params.get(t), muon_trace.params.get(t - 1)) {
                (true, Some(w1), Some(w0)) => {
                    let o = msign(m, ns, k, NS_EPS);
                    let s_shape = (1f64).max(rows as f64 / features as f64).sqrt();
                    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
                    let dw: Vec<f64> = w1.iter().zip(w0).map(|(a, b)| a - b).collect();
                    let err =
                        norm(&mut dw.iter().zip(o.iter()).zip(w0).map(|((d, oi), w)| d + muon.lr * (s_shape * oi + muon.weight_decay * w)));
                    Some((norm(&mut w0.iter().map(|w| muon.lr * muon.weight_decay * w)), norm(&mut dw.iter().copied()), err))
                }
                _ => None,
            };
            Inspection { input: u.to_vec(), before, after, exact, band, decay_check }
        });
        // the bound behind spectral-norm steepest descent: ‖ΔW x‖ ≤ ‖ΔW‖₂‖x‖ for every input x, on Muon's update at t
        let bound = match (muon_trace.params.get(t), muon_trace.params.get(t - 1)) {
            (Some(w1), Some(w0)) => {
                let dw = ndarray::Array2::from_shape_fn((rows, features), |(i, j)| w1[i * features + j] - w0[i * features + j]);
                let spec_norm = crate::linalg::singular_values(dw.view()).first().copied().unwrap_or(0.0);
                let worst = problem_1
                    .x
                    .columns()
                    .into_iter()
                    .filter_map(|x| {
                        let nx = x.dot(&x).sqrt();
                        let y = dw.dot(&x);
                        (nx > 0.0 && spec_norm > 0.0).then(|| y.dot(&y).sqrt() / (spec_norm * nx))
                    })
                    .fold(0.0, f64::max);
                (spec_norm > 0.0).then_some((worst, spec_norm))
            }
            _ => None,
        };
        // the same runs on λ·f
        let scaled = (lambda != 1.0).then(|| {
            let s =
                spec(problem(p, lambda), rows, features, vec![(muon_label, OptimizerSpec::Muon(muon.clone())), ("SGD".into(), sgd)], steps);
            memo::cached(&SCALED_RUNS, s.clone(), || {
                build_least_squares(&s.problem, s.seed).and_then(|lsq| run_fast(&s, &lsq, false)).map(Arc::new)
            })
        });
        Ok(Runs { main, problem: built, report, t, inspection, bound, scaled })
    }

    fn scene(p: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let Runs { main, problem: built, report, t, inspection, bound, scaled } = r;
        let (rows, features) = (p.rows.max(1), p.features.max(1));
        let lambda = p.loss_scale;
        let lam_text = super::controls::fmt_num(lambda);
        let l = built.smoothness().unwrap_or(1.0);
        let sgd_lr = if l > 0.0 { 1.0 / l } else { 1.0 };
        let muon = muon_spec(p);
        if t != p.at_step {
            scene.messages.push(Message::info(format!("inspect step t = {} is past Muon's last step; showing step {t}", p.at_step)));
        }
        let ns = variant(p);
        let k = p.ns_steps;
        let mut spectrum = Vec::new();
        let mut band = None;
        if let Some(ins) = inspection {
            let m = ArrayView2::from_shape((rows, features), &ins.input).expect("problem shape");
            band = ins.band;
            spectrum = vec![ins.before, ins.after, ins.exact];
            scene.readout.extend(msign_checks(m));
            if let Some((decay, step, err)) = ins.decay_check {
                let c = Claim::compare(err, 1e-12 * step.max(f64::MIN_POSITIVE));
                let agree = if c.holds() && c.rel == Rel::Le { "the same to rounding" } else { "different" };
                scene.readout.push(
                    Readout::new(
                        format!("Muon's step {t} with weight decay λ_wd = {}", Sig(muon.weight_decay)),
                        format!(
                            "‖ηλ_wd W_{{t−1}}‖_F = {} of ‖ΔW‖_F = {}; ‖ΔW + η(s·NS(M_t) + λ_wd W_{{t−1}})‖_F = {} {} 1e-12·‖ΔW‖_F ({agree})",
                            Sig(decay),
                            Sig(step),
                            Sig(err),
                            c.symbol()
                        ),
                    )
                    .claiming(c),
                );
            }
        }
        if let Some((worst, spec_norm)) = bound {
            // 1 to rounding: a ΔW of rank one reaches the bound exactly
            let c = Claim::compare(worst, 1.0 + 1e-12);
            scene.readout.push(
                Readout::new(
                    format!("‖ΔW x‖ / (‖ΔW‖₂‖x‖) over the {} data columns x, Muon's update at step {t}", built.x.ncols()),
                    format!("largest {} {} 1 to rounding (‖ΔW‖₂ = {})", Sig(worst), c.symbol(), Sig(spec_norm)),
                )
                .claiming(c),
            );
        }
        let idx = |v: &[f64]| v.iter().enumerate().map(|(i, s)| ((i + 1) as f64, *s)).collect::<Vec<_>>();
        let ns_name =
            if ns == NsVariant::Svd { "after: exact msign (SVD)".to_string() } else { format!("after {k} Newton–Schulz steps") };
        let mut series = Vec::new();
        if let [before, after, exact] = spectrum.as_slice() {
            series.push(Series::line("before: σᵢ(M)/‖M‖_F", BEFORE, idx(before)).with_mark(Mark::LinePoints));
            series.push(Series::line(format!("{ns_name}: ‖NS(M)vᵢ‖"), MUON, idx(after)).with_mark(Mark::LinePoints));
            series.push(Series::line("exact msign (SVD): ‖msign(M)vᵢ‖", GREY, idx(exact)).with_mark(Mark::Dashed));
        }
        scene.charts.push((
            "spectrum",
            Chart::Lines(LineChart {
                title: format!("singular values of Muon's momentum at step {t}"),
                x_label: "index i of the input's singular values (largest first)".into(),
                y_label: "singular value".into(),
                series,
                y_range: Some((0.0, 1.3_f64.max(spectrum.iter().flatten().copied().filter(|v| v.is_finite()).fold(0.0, f64::max) * 1.1))),
                ..Default::default()
            }),
        ));

        // quadratic spacing: the quintics oscillate fastest near σ = 0
        let xs: Vec<f64> = (0..=400).map(|i| (i as f64 / 400.0).powi(2)).collect();
        let mut maps = vec![
            Series::line(
                format!("p_k(σ), {}", if ns == NsVariant::Svd { "exact".into() } else { format!("k = {k}") }),
                MUON,
                xs.iter().map(|&s| (s, scalar_map(ns, k, s))).collect(),
            ),
            Series::line("σ (identity)", GREY, vec![(0.0, 0.0), (1.0, 1.0)]).with_mark(Mark::Dashed),
            Series::line("1", GREY, vec![(0.0, 1.0), (1.0, 1.0)]),
        ];
        if let Some((_, _, lo, hi)) = band {
            maps.push(
                Series::line(
                    format!("band [{}, {}]", Sig(lo), Sig(hi)),
                    ORANGE,
                    vec![(0.0, lo), (1.0, lo), (1.0, hi), (0.0, hi), (0.0, lo)],
                )
                .with_mark(Mark::Dashed),
            );
        }
        if let [before, after, _] = spectrum.as_slice() {
            maps.push(
                Series::line(format!("this matrix at step {t}"), BEFORE, before.iter().zip(after).map(|(a, b)| (*a, *b)).collect())
                    .with_mark(Mark::Points),
            );
        }
        scene.charts.push((
            "scalar_map",
            Chart::Lines(LineChart {
                title: "what Newton–Schulz does to one singular value".into(),
                x_label: "σ of the normalised input".into(),
                y_label: "σ after".into(),
                series: maps,
                x_range: Some((0.0, 1.0)),
                y_range: Some((0.0, 1.3)),
                ..Default::default()
            }),
        ));

        // (c) Muon vs AdamW vs SGD
        let colors = [MUON, ADAMW, SGD];
        scene.charts.push(("loss", Chart::Lines(loss_chart("matrix least squares", &report, Some(0.0), &colors))));

        // (d) the same runs on λ·f
        let scaled: Option<(&Trace, &Trace)> = match &scaled {
            None => Some((&report.runs[0], &report.runs[2])),
            Some(Ok(s)) => match s.runs.as_slice() {
                [m, s] => Some((m, s)),
                _ => None,
            },
            Some(Err(m)) => {
                scene.messages.push(m.clone());
                None
            }
        };
        let mut inv = vec![
            Series::line("Muon on f", MUON, unscaled(&report.runs[0], 1.0)),
            Series::line("SGD on f", SGD, unscaled(&report.runs[2], 1.0)),
        ];
        let mut markers = Vec::new();
        if let Some((m, s)) = scaled {
            inv.insert(1, Series::line(format!("Muon on {}·f", lam_text), MUON, unscaled(m, lambda)).with_mark(Mark::Dashed));
            inv.push(Series::line(format!("SGD on {}·f", lam_text), SGD, unscaled(s, lambda)).with_mark(Mark::Dashed));
            if let Some(d) = &s.diverged {
                markers.push((d.step as f64, format!("SGD on {}·f diverged", lam_text)));
            }
            scene.readout.push(Readout::new(format!("Muon: ‖W_t(λ·f) − W_t(f)‖/‖W_t(f)‖, λ = {}", lam_text), gap_text(m, &report.runs[0])));
            scene.readout.push(Readout::new(format!("SGD: ‖W_t(λ·f) − W_t(f)‖/‖W_t(f)‖, λ = {}", lam_text), gap_text(s, &report.runs[2])));
            let grew = s.loss.last().zip(s.loss.first()).is_some_and(|(last, first)| last > first);
            // on λ·f the curvatures are λ times f's: gradient descent is stable iff λη < 2/L
            let past = Claim::compare(lambda * sgd_lr, 2.0 / l);
            if s.diverged.is_some() || (grew && past.rel == Rel::Gt) {
                let what = match &s.diverged {
                    Some(d) => format!("diverged at step {}", d.step),
                    None => {
                        format!("diverges: f grew to {} in {} steps", Sig(s.loss.last().copied().unwrap_or(f64::NAN) / lambda), s.steps())
                    }
                };
                let why = format!(" (gradient descent on λ·f: λη = {} {} 2/L = {})", Sig(lambda * sgd_lr), past.symbol(), Sig(2.0 / l));
                scene.readout.push(Readout::bad(format!("SGD on {}·f", lam_text), format!("{what}{why}")).claiming(past));
            }
        }
        // keep the view on the runs that do not blow up: from below the smallest loss to 100 × f(W₀)
        let f0 = report.runs[0].loss.first().copied().unwrap_or(1.0).max(GAP_FLOOR);
        let low = inv.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|v| v.is_finite() && *v > 0.0).fold(f0, f64::min);
        for series in &mut inv {
            // a curve that leaves the top ends there (plotters would draw the rest along the border)
            if let Some(i) = series.points.iter().position(|p| p.1.is_nan() || p.1 > f0 * 100.0) {
                series.points.truncate(i + 1);
            }
        }
        scene.charts.push((
            "scale",
            Chart::Lines(LineChart {
                y_range: Some((low / 2.0, f0 * 100.0)),
                title: format!("loss × λ, λ = {} (dashed), plotted as f", lam_text),
                x_label: "step t".into(),
                y_label: "f(W_t)".into(),
                y_log: true,
                series: inv,
                markers,
                ..Default::default()
            }),
        ));

        // readouts
        if let Some((smin, smax, lo, hi)) = band {
            scene.readout.push(Readout::new(
                format!("momentum at step {t}: normalised σ"),
                format!("from {} to {} (ratio {})", Sig(smin), Sig(smax), Sig(smax / smin)),
            ));
            scene.readout.push(if ns == NsVariant::Svd {
                Readout::new("exact msign: σ in", format!("[{}, {}]", Sig(lo), Sig(hi)))
            } else {
                Readout::new(format!("after {k} Newton–Schulz steps: σ in"), format!("[{}, {}] (exact msign: all 1)", Sig(lo), Sig(hi)))
            });
        }
        for (trace, r) in report.runs.iter().zip(&main.runs) {
            scene.readout.extend(convergence(trace, Some(0.0), Some(l), Some(&r.optimizer)));
        }
        scene.readout.push(Readout::new("L (largest curvature) and SGD's η = 1/L", format!("L = {}, η = {}", Sig(l), Sig(sgd_lr))));
        scene.readout.push(Readout::new(
            "optimizer memory: numbers kept per parameter (read from each optimizer's state after one step on W)",
            optimizer_memory((rows, features), &muon),
        ));

        let (ema, nest) = (muon.momentum_form == MomentumForm::Ema, muon.nesterov);
        // the form's two parts as values of their own, so a toggle typesets and lays out the changed part alone
        scene.values.push(("momentum_g".into(), if ema { r"(1-\beta)\,G_t" } else { "G_t" }.into()));
        // (an empty group when there is no Nesterov term: a piece's TeX is never empty)
        let momentum_use = match (ema, nest) {
            (_, false) => "{}",
            (true, true) => r"\text{use}\ \beta M_t + (1-\beta)G_t,\ ",
            (false, true) => r"\text{use}\ G_t + \beta M_t,\ ",
        };
        scene.values.push(("momentum_use".into(), momentum_use.into()));
        scene.values.push(("momentum".into(), sig(muon.momentum)));
        scene.values.push(("momentum_form".into(), if ema { "EMA".into() } else { "sum, as in the lecture".into() }));
        scene.values.push(("lr".into(), sig(muon.lr)));
        scene.values.push(("weight_decay".into(), sig(muon.weight_decay)));
        scene.values.push(("shape_scale".into(), sig((1f64).max(rows as f64 / features as f64).sqrt())));
        scene.values.push(("ns_name".into(), ns.name().replace('_', " ")));
        scene.values.push((
            "ns_abc".into(),
            // with its brackets, so a line breaks before the triple, not inside "(" … ")"
            ns.coefficients()
                .map_or(r"(\text{exact SVD})".into(), |(a, b, c)| format!("({}, {}, {})", fmt_coef(a), fmt_coef(b), fmt_coef(c))),
        ));
        // TeX of its own (not a value inside \text{…} of the formula), so the page typesets this piece alone on a change
        scene.values.push((
            "ns_shown".into(),
            if ns == NsVariant::Svd { r"\text{exact SVD instead}".into() } else { format!(r"\text{{{k} steps}}") },
        ));
        scene.spec = Some(main);
        scene.report = Some(report);
        scene
    }
}

impl Chapter for Muon {
    fn id(&self) -> &'static str {
        "muon"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Muon and msign"
    }
    fn intro(&self) -> &'static str {
        "For a weight matrix, the steepest step under the spectral norm is −η·msign(G): keep the singular vectors \
         of the (momentum) gradient and set every singular value to 1. Muon does this to its momentum matrix, \
         replacing the costly SVD by a few Newton–Schulz iterations, odd polynomials that push each singular \
         value towards 1. Because msign(λM) = msign(M), multiplying the loss by λ leaves Muon's path unchanged, \
         while plain gradient descent's step grows with λ. (The lecture's comparison table marks SGD as scale \
         invariant too; its step −ηG scales with the loss, as the second chart shows.)"
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Set the Newton–Schulz steps to 0, then 1, 2, 5: the smallest singular value after NS rises towards 1 at \
             every step, the largest passes 1 and stays within 20 % of it.",
            "Compare keller_quintic with lecture_quintic at 5 steps: keller_quintic lands every singular value in a \
             band around 1 (0.68 to 1.13), lecture_quintic never passes 1 but leaves the small ones behind (0.34).",
            "Raise the loss scale λ above 2: SGD (same η = 1/L) diverges, while Muon's two curves stay on top of \
             each other (within 1e-4 for at least 50 steps with Newton–Schulz, to rounding with the exact msign).",
            "Raise κ from 100 to 10⁴ and compare the final losses: SGD's rises by more than 40 % (its step is set by \
             the largest curvature), Muon's and AdamW's change by less than 25 %.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new("momentum ({momentum_form}); the EMA and the lecture's sum give the same msign: from M₀ = 0 the EMA is (1−β) × the sum, and msign(cM) = msign(M) (only ε in X₀ sees the scale)", r"M_t = \beta M_{t-1} + {momentum_g},\ {momentum_use}\ \beta = {momentum}"),
            Formula::new("Muon step (the lecture's, with its weight-decay term λ_wd W and Keller Jordan's shape scale s)", r"W_t = W_{t-1} - \eta\,\bigl(s\,\mathrm{msign}(M_t) + \lambda_{wd} W_{t-1}\bigr),\quad \eta = {lr},\ s = {shape_scale},\ \lambda_{wd} = {weight_decay}"),
            Formula::new("matrix sign", r"M = U\Sigma V^\top \ \Rightarrow\ \mathrm{msign}(M) = UV^\top = \mathrm{msign}(\lambda M)"),
            Formula::new("Newton–Schulz ({ns_name}); the lecture starts at X₀ = M, the page (like Keller Jordan's code) divides by ‖M‖_F first: the polynomials are built for singular values in (0, 1] (unnormalised, the lecture's quintic sends σ = 2 to 5.75 and grows without bound from there)", r"X_0 = \frac{M}{\|M\|_F+\varepsilon},\ X_{k+1} = aX_k + b\,(X_kX_k^\top)X_k + c\,(X_kX_k^\top)^2X_k,\ (a,b,c) = {ns_abc},\ {ns_shown}"),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const CONTROLS: &[Control] = &[
            Control::log_range("lr", "learning rate η (Muon)", 1e-3, 1.0, 0.1).unit("η"),
            Control::range("momentum", "momentum β", 0.0, 0.99, 0.95).unit("β"),
            Control::toggle("nesterov", "Nesterov", true),
            Control::select(
                "momentum_form",
                "momentum form",
                &[("ema", "EMA: M ← βM + (1−β)G (reference code)"), ("sum", "sum: M ← βM + G (lecture)")],
                "ema",
            ),
            Control::select(
                "ns",
                "Newton–Schulz coefficients",
                &[
                    ("keller_quintic", "Keller's quintic (3.4445, −4.775, 2.0315)"),
                    ("lecture_quintic", "lecture's quintic (15/8, −5/4, 3/8)"),
                    ("cubic", "cubic (3/2, −1/2)"),
                    ("svd", "exact msign (SVD)"),
                ],
                "keller_quintic",
            ),
            Control::int("ns_steps", "Newton–Schulz steps k", 0, 10, 5).when("ns", &["keller_quintic", "lecture_quintic", "cubic"]),
            Control::int("rows", "rows of W", 1, 16, 8),
            Control::int("features", "columns of W (features)", 1, 16, 16),
            Control::int("samples", "samples n", 4, 64, 32),
            Control::log_range("kappa", "condition number κ of XXᵀ/n", 1.0, 1e4, 100.0).unit("κ"),
            Control::log_range("loss_scale", "loss scale λ", 1e-3, 1e3, 0.1).unit("λ").help("runs Muon and SGD again on λ·f"),
            Control::range("weight_decay", "weight decay λ_wd (Muon)", 0.0, 0.2, 0.0)
                .unit("λ_wd")
                .help("the lecture's λW term: W ← W − η(s·msign(M) + λ_wd·W)"),
            Control::int("steps", "steps T", 1, 150, 100),
            Control::int("at_step", "inspect step t (singular values)", 1, 150, 1)
                .help("the momentum matrix Muon orthogonalises at step t"),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "spectrum",
                label: "singular values of Muon's momentum matrix before and after Newton–Schulz, and of the exact msign",
                aspect: 0.6,
                clickable: false,
            },
            Canvas {
                id: "scalar_map",
                label: "the Newton–Schulz polynomial applied to one singular value, on [0, 1]",
                aspect: 0.6,
                clickable: false,
            },
            Canvas { id: "loss", label: "loss of Muon, AdamW and SGD on matrix least squares", aspect: 0.6, clickable: false },
            Canvas { id: "scale", label: "loss of Muon and SGD on the loss and on λ times the loss", aspect: 0.6, clickable: false },
        ]
    }

    /// Newton–Schulz (the chapter's coefficients and k; Keller's quintic with k = 5 when it uses the SVD) and
    /// the exact SVD on a matrix of W's shape, timed in the browser (see [`super::timed`]).
    fn timed_kernels(&self, st: &State) -> Option<super::timed::Request> {
        let p = Params::of(st).ok()?;
        let (variant, steps) = match variant(&p) {
            NsVariant::Svd => (NsVariant::KellerQuintic, 5),
            v => (v, p.ns_steps),
        };
        Some(super::timed::Request { rows: p.rows, cols: p.features, variant, steps })
    }
    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Muon>(st)
    }
}

fn fmt_coef(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The lecture's memory comparison, measured: each optimizer is built for W's shape, takes one step, and its
/// state (see [`crate::optim::OptState`]) is counted per parameter.
fn optimizer_memory(shape: (usize, usize), muon: &MuonConfig) -> String {
    let n = shape.0 * shape.1;
    let mut adam = Adam::<crate::optim::config::Coupled>::default();
    adam.lr = 1e-3;
    let optimizers = [
        ("SGD", OptimizerSpec::Sgd(Sgd::default())),
        ("SGD + momentum", OptimizerSpec::Sgd(Sgd { momentum: 0.9, ..Sgd::default() })),
        ("Adam", OptimizerSpec::Adam(adam)),
        ("Muon", OptimizerSpec::Muon(muon.clone())),
        ("Lion", OptimizerSpec::Lion(crate::optim::Lion::default())),
    ];
    let g = vec![1.0; n];
    let parts: Vec<String> = optimizers
        .iter()
        .filter_map(|(name, spec)| {
            let mut opt = spec.build(shape, "optimizer").ok()?;
            let mut w = vec![0.0; n];
            opt.step(&mut w, &g, 1e-3, &mut crate::optim::NoOracle).ok()?;
            Some(format!("{name} {}", super::controls::fmt_num(opt.state().numbers_per_parameter(n))))
        })
        .collect();
    crate::checks::join_strs(&parts, " · ")
}

/// The msign special cases of the lecture, checked live on the momentum matrix `m` the chapter inspects:
/// msign(M) = M(MᵀM)^(−1/2) (computed independently, by an eigendecomposition of the smaller Gram matrix),
/// an orthogonal input is fixed, msign is the closest semi-orthogonal matrix (against 8 random ones), and a
/// diagonal or a scalar input gives its signs.
fn msign_checks(m: ArrayView2<f64>) -> Vec<Readout> {
    use crate::linalg::to_na;
    let (r, c) = m.dim();
    let o = msign_svd(m);
    let diff = |a: &ndarray::Array2<f64>, b: &ndarray::Array2<f64>| a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
    // (MᵀM)^(−1/2) on the range, by eigenvalues: M·G^(−1/2) with G = MᵀM, or (MMᵀ)^(−1/2)·M when wide
    let mn = to_na(m);
    let wide = r < c;
    let g = if wide { &mn * mn.transpose() } else { mn.transpose() * &mn };
    let e = crate::linalg::symmetric_eigen(g.clone());
    let top = e.eigenvalues.iter().copied().fold(0.0, f64::max);
    let mut inv_sqrt = nalgebra::DMatrix::<f64>::zeros(g.nrows(), g.ncols());
    for (k, lam) in e.eigenvalues.iter().enumerate() {
        if *lam > top * 1e-24 {
            let v = e.eigenvectors.column(k);
            inv_sqrt += v * v.transpose() / lam.sqrt();
        }
    }
    let polar = if wide { &inv_sqrt * &mn } else { &mn * &inv_sqrt };
    let polar = ndarray::Array2::from_shape_fn((r, c), |(i, j)| polar[(i, j)]);
    let fixed = msign_svd(o.view());
    // the closest semi-orthogonal matrix: no random semi-orthogonal Q is nearer to M than msign(M)
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let dist = |q: &ndarray::Array2<f64>| m.iter().zip(q.iter()).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
    let nearest_random = (0..8)
        .map(|_| {
            let g = ndarray::Array2::from_shape_fn((r, c), |_| StandardNormal.sample(&mut rng));
            dist(&msign_svd(g.view()))
        })
        .fold(f64::INFINITY, f64::min);
    let closest = Claim::compare(dist(&o), nearest_random);
    // a diagonal input: msign(diag(d)) = diag(sign d); a scalar: sign
    let d = ndarray::Array2::from_shape_fn((r, c), |(i, j)| if i == j { m[[i, j]] } else { 0.0 });
    let od = msign_svd(d.view());
    let diag_ok = (0..r.min(c)).all(|i| m[[i, i]] == 0.0 || (od[[i, i]] - m[[i, i]].signum()).abs() < 1e-12);
    let s = msign_svd(ndarray::arr2(&[[m[[0, 0]]]]).view())[[0, 0]];
    vec![
        Readout::new(
            "msign(M) = M(MᵀM)^(−1/2), M(MᵀM)^(−1/2) by eigenvalues vs UVᵀ by SVD",
            format!("largest entry difference {}", Sig(diff(&polar, &o))),
        ),
        Readout::new("msign(UVᵀ) = UVᵀ: an orthogonal input is fixed", format!("largest entry difference {}", Sig(diff(&fixed, &o)))),
        Readout::new(
            "msign(M) is the closest semi-orthogonal matrix",
            format!(
                "‖M − UVᵀ‖_F = {} {} {} = the nearest of 8 random semi-orthogonal matrices",
                Sig(dist(&o)),
                closest.symbol(),
                Sig(nearest_random)
            ),
        )
        .claiming(closest),
        Readout::new(
            "msign of M's diagonal part and of the scalar M₁₁",
            format!(
                "{}; msign({}) = {}",
                if diag_ok { "diag(sign(Mᵢᵢ)), as the lecture says" } else { "not diag(sign(Mᵢᵢ))" },
                Sig(m[[0, 0]]),
                Sig(s)
            ),
        ),
    ]
}
