//! Chapter 4 — adaptive methods: AdaGrad, RMSProp and Adam side by side, with the per-coordinate effective
//! step size each one takes over time.

use super::common::{convergence, loss_chart, paths, sig, spec_of, Landscape, Sig, GAP_FLOOR};
use super::memo;
use super::{Canvas, Chapter, Chart, Claim, Control, Field, Formula, Message, Model, Readout, Rel, Scene, State};
use crate::optim::config::Sgd;
use crate::optim::config::{Adagrad, Adam, Coupled, Rmsprop};
use crate::optim::OptimizerSpec;
use crate::plot::field::MapChart;
use crate::plot::{LineChart, Mark, Series};
use crate::problems::Problem;
use crate::problems::ProblemSpec;
use crate::run::{run_one, Trace};
use crate::spec::RunSpec;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

pub struct Adaptive;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub problem: String,
        pub kappa: f64,
        pub angle: f64,
        pub lr: f64,
        pub beta1: f64,
        pub beta2: f64,
        pub alpha: f64,
        pub eps: f64,
        pub bias_correction: bool,
        pub steps: usize,
        pub rare: f64,
        pub x0: (f64, f64),
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Adaptive.controls(), st)
    }
}

/// Palette indices of AdaGrad, RMSProp and Adam (the same in every chart).
const COLORS: [usize; 3] = [0, 1, 2];

fn problem(p: &Params) -> ProblemSpec {
    match p.problem.as_str() {
        "rosenbrock" => ProblemSpec::rosenbrock(),
        _ => ProblemSpec::conditioned(p.kappa, p.angle),
    }
}

/// The three optimizers with the controls' hyperparameters (PyTorch defaults for everything else).
fn optimizers(p: &Params) -> Vec<(String, OptimizerSpec)> {
    let (lr, eps) = (p.lr, p.eps);
    let mut adam = Adam::<Coupled>::default();
    (adam.lr, adam.beta1, adam.beta2, adam.eps) = (lr, p.beta1, p.beta2, eps);
    adam.bias_correction = p.bias_correction;
    vec![
        ("AdaGrad".into(), OptimizerSpec::Adagrad(Adagrad { lr, eps, ..Adagrad::default() })),
        ("RMSProp".into(), OptimizerSpec::Rmsprop(Rmsprop { lr, alpha: p.alpha, eps, ..Rmsprop::default() })),
        ("Adam".into(), OptimizerSpec::Adam(adam)),
    ]
}

/// `lr · step_scale` per coordinate and step: the factor each optimizer puts on its direction (the gradient
/// for AdaGrad and RMSProp, the first moment for Adam).
pub fn effective_steps(trace: &Trace, lr: f64) -> Vec<Vec<f64>> {
    trace
        .internals
        .iter()
        .find(|(k, _)| *k == crate::optim::Key::top(crate::optim::Internal::StepScale))
        .map(|(_, per_step)| per_step.iter().map(|s| s.iter().map(|v| lr * v).collect()).collect())
        .unwrap_or_default()
}

/// Spread of the last quarter below which an effective step counts as levelled off.
const LEVEL: f64 = 0.05;

/// What one coordinate's effective step did over the run, in words derived from the series: over the last
/// quarter of the steps it levelled off (max/min − 1 ≤ 5 %), rose or fell at every step, or went up and
/// down; and the claim the words rest on when they state one.
pub fn step_trend(series: &[f64]) -> (String, Option<Claim>) {
    let n = series.len();
    if n < 4 {
        return ("too few steps to tell a trend".into(), None);
    }
    let tail = &series[3 * n / 4..];
    let (lo, hi) = tail.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let spread = hi / lo - 1.0;
    if !(spread.is_finite() && lo > 0.0) {
        return ("—".into(), None);
    }
    let c = Claim::compare(spread, LEVEL);
    if c.rel == Rel::Le {
        return (format!("levels off (last quarter spread {} % {} {} %)", Sig(100.0 * spread), c.symbol(), Sig(100.0 * LEVEL)), Some(c));
    }
    let ratio = tail[tail.len() - 1] / tail[0];
    let word = if tail.windows(2).all(|w| w[1] >= w[0]) {
        "rises at every step"
    } else if tail.windows(2).all(|w| w[1] <= w[0]) {
        "falls at every step"
    } else {
        "goes up and down"
    };
    (
        format!("{word} over the last quarter (×{}, spread {} % {} {} %)", Sig(ratio), Sig(100.0 * spread), c.symbol(), Sig(100.0 * LEVEL)),
        Some(c),
    )
}

/// The sparse-features problem: least squares `f(w) = (1/N)Σ ½(aᵢᵀw − yᵢ)²` over features that are ±1 (a
/// random sign) where present and 0 elsewhere, the
/// first [`FREQUENT`] present in a sample with probability [`P_FREQUENT`], the other [`RARE`] with the
/// chosen (small) probability; `yᵢ = aᵢᵀw*` with `w* = 1`, so `f* = 0`. One sample per step (B = 1).
/// Loss and full gradient come from the quadratic form `G = AᵀA/N`, `c = Aᵀy/N` (O(d²) instead of O(N·d)).
pub struct SparseRegression {
    rows: Vec<f64>,
    y: Vec<f64>,
    d: usize,
    g: Vec<f64>,
    c: Vec<f64>,
    y2: f64,
    l: f64,
}

pub const FREQUENT: usize = 4;
pub const RARE: usize = 12;
pub const P_FREQUENT: f64 = 0.9;
const SPARSE_SAMPLES: usize = 500;
const SPARSE_STEPS: usize = 300;

thread_local! {
    /// The sparse-features runs (21 of them, each method over its η grid, and the best η of each), by the bits
    /// of p, the one control they read (see [`memo`]).
    static SPARSE_RUNS: memo::Slot<u64, Arc<Vec<(Trace, f64)>>> = const { std::cell::RefCell::new(None) };
}
/// The learning rates each method is tried with on the sparse problem (its best is shown).
const SPARSE_LRS: [f64; 7] = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0];

impl SparseRegression {
    pub fn new(p_rare: f64, seed: u64) -> SparseRegression {
        let (n, d) = (SPARSE_SAMPLES, FREQUENT + RARE);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut rows = vec![0.0; n * d];
        for i in 0..n {
            for j in 0..d {
                let p = if j < FREQUENT { P_FREQUENT } else { p_rare };
                if rng.gen_bool(p.clamp(0.0, 1.0)) {
                    rows[i * d + j] = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
                }
            }
        }
        let y: Vec<f64> = (0..n).map(|i| rows[i * d..(i + 1) * d].iter().sum()).collect();
        let mut g = vec![0.0; d * d];
        let mut c = vec![0.0; d];
        for i in 0..n {
            let r = &rows[i * d..(i + 1) * d];
            for j in 0..d {
                c[j] += r[j] * y[i] / n as f64;
                for k in 0..d {
                    g[j * d + k] += r[j] * r[k] / n as f64;
                }
            }
        }
        let y2 = y.iter().map(|v| v * v).sum::<f64>() / (2.0 * n as f64);
        // largest eigenvalue of G by power iteration (G is positive semidefinite)
        let mut v = vec![1.0; d];
        let mut l = 0.0;
        for _ in 0..100 {
            let w: Vec<f64> = (0..d).map(|j| (0..d).map(|k| g[j * d + k] * v[k]).sum()).collect();
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm == 0.0 {
                break;
            }
            l = norm / v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v = w.into_iter().map(|x| x / norm).collect();
        }
        SparseRegression { rows, y, d, g, c, y2, l }
    }
    /// How many samples contain feature `j`.
    pub fn count(&self, j: usize) -> usize {
        self.rows.chunks(self.d).filter(|r| r[j] != 0.0).count()
    }
}

impl Problem for SparseRegression {
    fn shape(&self) -> (usize, usize) {
        (self.d, 1)
    }
    fn value(&self, x: &[f64]) -> f64 {
        let d = self.d;
        let quad: f64 = (0..d).map(|j| x[j] * (0..d).map(|k| self.g[j * d + k] * x[k]).sum::<f64>()).sum();
        (0.5 * quad - self.c.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.y2).max(0.0)
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        let d = self.d;
        for j in 0..d {
            out[j] = (0..d).map(|k| self.g[j * d + k] * x[k]).sum::<f64>() - self.c[j];
        }
    }
    fn hessian(&self, _x: &[f64]) -> Option<ndarray::Array2<f64>> {
        Some(ndarray::Array2::from_shape_fn((self.d, self.d), |(j, k)| self.g[j * self.d + k]))
    }
    fn minimum(&self) -> Option<f64> {
        Some(0.0)
    }
    fn smoothness(&self) -> Option<f64> {
        Some(self.l)
    }
    fn sample_batch(&self, rng: &mut ChaCha8Rng) -> Option<Vec<usize>> {
        // drawn as u64, not usize: usize is 32 bits in wasm, and rand draws a usize range from a u32 there and
        // from a u64 natively (another sample, and another stream after it)
        Some(vec![rng.gen_range(0..self.y.len() as u64) as usize])
    }
    fn batch_grad(&self, x: &[f64], batch: &[usize], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for &i in batch {
            let r = &self.rows[i * self.d..(i + 1) * self.d];
            let res = r.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - self.y[i];
            for (o, a) in out.iter_mut().zip(r) {
                *o += res * a / batch.len() as f64;
            }
        }
    }
}

/// RMS error of `w` against `w* = 1` over the coordinates `range`.
fn rms_error(w: &[f64], range: std::ops::Range<usize>) -> f64 {
    let n = range.len().max(1) as f64;
    (w[range].iter().map(|v| (v - 1.0).powi(2)).sum::<f64>() / n).sqrt()
}

/// SGD, AdaGrad and Adam (PyTorch defaults but η) on the sparse problem, each at the best η of
/// [`SPARSE_LRS`] by final f − f* (mean of the last tenth of the run, which smooths single-sample noise).
/// Returns `(trace, best η)` per method.
pub fn sparse_runs(p: &SparseRegression, steps: usize) -> Vec<(Trace, f64)> {
    let methods: [(&str, fn(f64) -> OptimizerSpec); 3] = [
        ("SGD", |lr| OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() })),
        ("AdaGrad", |lr| OptimizerSpec::Adagrad(Adagrad { lr, ..Adagrad::default() })),
        ("Adam", |lr| {
            let mut a = Adam::<Coupled>::default();
            a.lr = lr;
            OptimizerSpec::Adam(a)
        }),
    ];
    let x0 = vec![0.0; p.d];
    let tail_mean = |t: &Trace| {
        let k = (t.loss.len() / 10).max(1);
        t.loss[t.loss.len() - k..].iter().sum::<f64>() / k as f64
    };
    methods
        .iter()
        .filter_map(|(name, make)| {
            SPARSE_LRS
                .iter()
                .filter_map(|&lr| {
                    let spec = make(lr);
                    let opt = spec.build(p.shape(), "optimizer").ok()?;
                    let run = RunSpec { label: String::new(), optimizer: spec, schedule: Default::default() };
                    let t = run_one(p, opt, &x0, &run, format!("{name} (η = {})", Sig(lr)), steps, 0, false);
                    t.diverged.is_none().then_some((t, lr))
                })
                .min_by(|a, b| tail_mean(&a.0).total_cmp(&tail_mean(&b.0)))
        })
        .collect()
}

impl Model for Adaptive {
    type Params = Params;
    type Runs = Landscape;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Landscape, Message> {
        super::common::run_landscape(spec_of(problem(p), vec![p.x0.0, p.x0.1], optimizers(p), p.steps, 0), true)
    }

    fn scene(p: &Params, r: Landscape) -> Scene {
        let mut scene = Scene::default();
        let Landscape { spec, problem: built, report } = r;
        let (f_star, l) = (built.minimum(), built.smoothness());
        let prob = spec.problem.clone();
        let (x, y) = p.x0;
        let lr = p.lr;

        let mut map = MapChart {
            title: "paths of the three methods".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds: super::momentum::view_bounds(&prob, (x, y), &report),
            paths: paths(&report, &COLORS),
            ..Default::default()
        };
        map.grab_point((x, y), "x₀");
        let x_star = if matches!(prob, ProblemSpec::Rosenbrock(_)) { (1.0, 1.0) } else { (0.0, 0.0) };
        map.markers.push((x_star.0, x_star.1, "x*".into(), usize::MAX));
        scene.charts.push(("map", Chart::Map(map, Field::Landscape(prob.clone(), 0))));
        let loss_title = if f_star.is_some() { "f − f* per step (log scale)" } else { "loss per step" };
        scene.charts.push(("loss", Chart::Lines(loss_chart(loss_title, &report, f_star, &COLORS))));

        // effective step sizes: coordinate x solid, y dashed, one colour per method
        let mut series = Vec::new();
        for (t, &c) in report.runs.iter().zip(&COLORS) {
            let eff = effective_steps(t, lr);
            for (k, (coord, mark)) in [("x", Mark::Line), ("y", Mark::Dashed)].into_iter().enumerate() {
                let pts: Vec<(f64, f64)> = eff.iter().enumerate().filter_map(|(s, v)| v.get(k).map(|e| ((s + 1) as f64, *e))).collect();
                series.push(Series::line(format!("{} ({coord})", t.label), c, pts).with_mark(mark));
            }
        }
        scene.charts.push((
            "steps",
            Chart::Lines(LineChart {
                title: "effective step size per coordinate (x solid, y dashed), log–log".into(),
                x_label: "step t".into(),
                y_label: "effective step size".into(),
                x_log: true,
                y_log: true,
                series,
                ..Default::default()
            }),
        ));

        for (t, r) in report.runs.iter().zip(&spec.runs) {
            scene.readout.extend(convergence(t, f_star, l, Some(&r.optimizer)));
        }
        for t in &report.runs {
            let eff = effective_steps(t, lr);
            if let (Some(first), Some(last)) = (eff.first(), eff.last()) {
                let fmt = |v: &[f64]| crate::checks::join_strs(&v.iter().map(|e| sig(*e)).collect::<Vec<_>>(), ", ");
                let mut claims = Vec::new();
                let trends: Vec<String> = ["x", "y"]
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| first.len() > *k)
                    .map(|(k, c)| {
                        let series: Vec<f64> = eff.iter().filter_map(|v| v.get(k).copied()).collect();
                        let (words, claim) = step_trend(&series);
                        claims.extend(claim);
                        format!("{c} {words}")
                    })
                    .collect();
                let mut r = Readout::new(
                    format!("{}: effective step (x, y) at step 1 → step {}", t.label, eff.len()),
                    format!("({}) → ({}); {}", fmt(first), fmt(last), crate::checks::join_strs(&trends, "; ")),
                );
                for c in claims {
                    r = r.claiming(c);
                }
                scene.readout.push(r);
            }
        }
        // each method's very first move is the same in every coordinate (ε aside): g/√(g²) = sign(g) scaled
        let (b1, b2, alpha) = (p.beta1, p.beta2, p.alpha);
        let adam_first = if p.bias_correction { lr } else { lr * (1.0 - b1) / (1.0 - b2).sqrt() };
        scene.readout.push(Readout::new(
            "first move per coordinate (ε aside)",
            format!(
                "AdaGrad η = {}, RMSProp η/√(1−α) = {}, Adam {} = {}",
                Sig(lr),
                Sig(lr / (1.0 - alpha).sqrt()),
                if p.bias_correction { "η (bias-corrected)" } else { "η(1−β₁)/√(1−β₂) (no correction)" },
                Sig(adam_first)
            ),
        ));
        // AdaGrad on sparse features (the lecture: "AdaGrad originally proposed to benefit from sparse data")
        let p_rare = p.rare;
        // 21 runs that depend on p alone: kept between control changes (most changes leave p alone)
        let sparse = SparseRegression::new(p_rare, 0);
        let never = (FREQUENT..FREQUENT + RARE).filter(|&j| sparse.count(j) == 0).count();
        let sparse_traces = memo::cached(&SPARSE_RUNS, p_rare.to_bits(), || Arc::new(sparse_runs(&sparse, SPARSE_STEPS)));
        let sparse_colors = [3, 0, 2];
        let series: Vec<Series> = sparse_traces
            .iter()
            .zip(sparse_colors)
            .map(|((t, _), c)| {
                Series::line(t.label.clone(), c, t.loss.iter().enumerate().map(|(s, f)| (s as f64, f.max(GAP_FLOOR))).collect())
            })
            .collect();
        scene.charts.push((
            "sparse",
            Chart::Lines(LineChart {
                title: format!("sparse features ({FREQUENT} frequent at p = {P_FREQUENT}, {RARE} rare at p = {}), one sample per step, each method at its best η", Sig(p_rare)),
                x_label: "step t".into(),
                y_label: "f(w_t) − f* (floor 1e-16)".into(),
                y_log: true,
                series,
                ..Default::default()
            }),
        ));
        let tail_mean = |t: &Trace| {
            let k = (t.loss.len() / 10).max(1);
            t.loss[t.loss.len() - k..].iter().sum::<f64>() / k as f64
        };
        for (t, best) in sparse_traces.iter() {
            let w = t.params.last().cloned().unwrap_or_default();
            if w.len() == FREQUENT + RARE {
                scene.readout.push(Readout::new(
                    format!("sparse features, {}: best η of {} tried; f − f* over the last tenth; RMS error of the frequent and of the rare weights", t.label.split(' ').next().unwrap_or(""), SPARSE_LRS.len()),
                    format!("η = {}; {}; frequent {}, rare {}", Sig(*best), Sig(tail_mean(t)), Sig(rms_error(&w, 0..FREQUENT)), Sig(rms_error(&w, FREQUENT..FREQUENT + RARE))),
                ));
            }
        }
        if let [(sgd, _), (ada, _), (adam, _)] = sparse_traces.as_slice() {
            for (other, name) in [(ada, "AdaGrad"), (adam, "Adam")] {
                let c = Claim::compare(tail_mean(other), tail_mean(sgd));
                let verdict = if c.rel == Rel::Le { "ends lower than" } else { "does not beat" };
                scene.readout.push(
                    Readout::new(
                        format!("sparse features: {name} vs SGD, each at its best η (f − f* over the last tenth)"),
                        format!("{} {} {}: {name} {verdict} SGD", Sig(c.lhs), c.symbol(), Sig(c.rhs)),
                    )
                    .claiming(c),
                );
            }
        }
        if never > 0 {
            scene.messages.push(Message::info(format!(
                "{never} of the {RARE} rare features appear in none of the {} samples at p = {}: no method can learn their weights (they stay at 0, error 1), and they do not enter f.",
                SPARSE_SAMPLES,
                Sig(p_rare)
            )));
        }

        for (k, v) in [("lr", lr), ("alpha", p.alpha), ("beta1", p.beta1), ("beta2", p.beta2), ("eps", p.eps)] {
            scene.values.push((k.into(), sig(v)));
        }
        scene.spec = Some(spec);
        scene.report = Some(report.into());
        scene
    }
}

impl Chapter for Adaptive {
    fn id(&self) -> &'static str {
        "adaptive"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Adaptive methods: AdaGrad, RMSProp, Adam"
    }
    fn intro(&self) -> &'static str {
        "The sign of a gradient says which way to go; its magnitude changes wildly during training and makes a \
         single learning rate hard to tune. Adaptive methods divide each coordinate by a running estimate of its \
         own magnitude: AdaGrad by the root of the sum of all past squared gradients (so its steps never grow), \
         RMSProp by the root of an exponential average, and Adam additionally replaces the gradient by its \
         exponential average (momentum) and corrects both averages for their start at zero."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Watch the effective step sizes in the lower chart: AdaGrad's never grows (its sum of squares only increases) and stops changing once the gradients vanish, while RMSProp's, which forgets old gradients, grows as they shrink.",
            "Set T = 2000: RMSProp's effective step levels off at 2/λ per coordinate (2 on x, 2κ = 100 on y), the edge of stability, and its loss bounces back up from below 1e-100.",
            "Turn bias correction off: Adam's first move grows by (1−β₁)/√(1−β₂) ≈ 3.2 (see the first-move readout).",
            "In the sparse-features chart (4 frequent and 12 rare features, one sample per step, each method at its best η), AdaGrad ends far below SGD and Adam below it: a rare weight gets a large step when its feature shows up. Raise the rare frequency p to 0.9 (no feature is rare) and SGD ends lowest.",
            "Rotate the quadratic to 45°: the valley no longer lines up with the rescaled coordinates, both get about the same effective step, and RMSProp and Adam need more steps.",
            "Switch to Rosenbrock and set T = 2000: Adam gets furthest along the curved valley and AdaGrad least, its effective step far below the others'.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new(
                "AdaGrad",
                r"v_t = v_{t-1} + g_t^2,\qquad x_{t+1} = x_t - \frac{\eta}{\sqrt{v_t} + \epsilon}\, g_t,\quad \eta = {lr}",
            ),
            Formula::new(
                "RMSProp",
                r"v_t = \alpha v_{t-1} + (1-\alpha)\, g_t^2,\qquad x_{t+1} = x_t - \frac{\eta}{\sqrt{v_t} + \epsilon}\, g_t,\quad \alpha = {alpha}",
            ),
            Formula::new(
                "Adam (PyTorch form: ε after the root)",
                r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad \beta_1 = {beta1},\ \beta_2 = {beta2}",
            ),
            Formula::new(
                "Adam's step with bias correction, η_t its effective step size (without the correction, 1 − β₁ᵗ and 1 − β₂ᵗ are 1)",
                r"x_{t+1} = x_t - \eta_t\, m_t,\quad \eta_t = \frac{\eta}{1-\beta_1^t} \cdot \frac{1}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon},\quad \epsilon = {eps}",
            ),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const CONTROLS: &[Control] = &[
            Control::select(
                "problem",
                "landscape",
                &[("conditioned_quadratic", "ill-conditioned quadratic"), ("rosenbrock", "Rosenbrock valley")],
                "conditioned_quadratic",
            ),
            Control::log_range("kappa", "condition number κ", 1.0, 1000.0, 50.0).unit("κ").when("problem", &["conditioned_quadratic"]),
            Control::range("angle", "rotation", -90.0, 90.0, 0.0).unit("°").when("problem", &["conditioned_quadratic"]),
            Control::log_range("lr", "learning rate η", 1e-4, 10.0, 0.1).unit("η"),
            Control::range("beta1", "Adam β₁ (momentum)", 0.0, 0.999, 0.9).unit("β₁"),
            Control::range("beta2", "Adam β₂ (second moment)", 0.0, 0.9999, 0.999).unit("β₂"),
            Control::range("alpha", "RMSProp α (second moment)", 0.0, 0.9999, 0.99).unit("α"),
            Control::log_range("eps", "ε (added to the root)", 1e-12, 1.0, 1e-8).unit("ε"),
            Control::toggle("bias_correction", "Adam bias correction", true),
            Control::int("steps", "steps T", 1, 2000, 200),
            Control::log_range("rare", "sparse chart: frequency of a rare feature", 0.005, 1.0, 0.02)
                .unit("p")
                .help("the 12 rare features appear in a sample with this probability, the 4 frequent ones with 0.9"),
            Control::point("x0", "start x₀ (click the map)", (-1.5, 1.0), -5.0, 5.0),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas { id: "map", label: "level sets of the landscape with the paths of AdaGrad, RMSProp and Adam", aspect: 0.75, clickable: true },
            Canvas { id: "loss", label: "loss against step for AdaGrad, RMSProp and Adam", aspect: 0.6, clickable: false },
            Canvas { id: "steps", label: "effective step size per coordinate against step, log scale", aspect: 0.6, clickable: false },
            Canvas {
                id: "sparse",
                label: "sparse features: f − f* against step for SGD, AdaGrad and Adam, each at its best learning rate, on least squares with 4 frequent and 12 rare binary features",
                aspect: 0.6,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Adaptive>(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparse_problem_is_the_least_squares_sum_it_says() {
        let p = SparseRegression::new(0.05, 3);
        let (n, d) = (p.y.len(), p.d);
        let w: Vec<f64> = (0..d).map(|j| (j as f64 * 0.37).sin()).collect();
        let direct = (0..n)
            .map(|i| 0.5 * (p.rows[i * d..(i + 1) * d].iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() - p.y[i]).powi(2))
            .sum::<f64>()
            / n as f64;
        assert!((p.value(&w) - direct).abs() < 1e-12 * direct.max(1.0), "{} vs {direct}", p.value(&w));
        let all: Vec<usize> = (0..n).collect();
        let (mut g, mut gb) = (vec![0.0; d], vec![0.0; d]);
        p.grad(&w, &mut g);
        p.batch_grad(&w, &all, &mut gb);
        assert!(g.iter().zip(&gb).all(|(a, b)| (a - b).abs() < 1e-12), "{g:?} vs {gb:?}");
        // w* = 1 interpolates: f* = 0 there
        assert!(p.value(&vec![1.0; d]) < 1e-12);
        // feature frequencies: frequent ones near 0.9, rare ones near 0.05 (binomial, 500 samples)
        for j in 0..d {
            let f = p.count(j) as f64 / n as f64;
            let target = if j < FREQUENT { P_FREQUENT } else { 0.05 };
            assert!((f - target).abs() < 4.0 * (target * (1.0 - target) / n as f64).sqrt() + 1e-9, "feature {j}: {f}");
        }
    }

    #[test]
    fn each_method_is_shown_at_the_best_learning_rate_of_its_grid() {
        let p = SparseRegression::new(0.02, 0);
        let best = sparse_runs(&p, 100);
        assert_eq!(best.len(), 3);
        let tail = |t: &Trace| {
            let k = (t.loss.len() / 10).max(1);
            t.loss[t.loss.len() - k..].iter().sum::<f64>() / k as f64
        };
        let x0 = vec![0.0; p.d];
        for ((t, lr), make) in best.iter().zip([
            (|lr| OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() })) as fn(f64) -> OptimizerSpec,
            |lr| OptimizerSpec::Adagrad(Adagrad { lr, ..Adagrad::default() }),
            |lr| {
                let mut a = Adam::<Coupled>::default();
                a.lr = lr;
                OptimizerSpec::Adam(a)
            },
        ]) {
            for other in SPARSE_LRS {
                let spec = make(other);
                let run = RunSpec { label: String::new(), optimizer: spec.clone(), schedule: Default::default() };
                let o = run_one(&p, spec.build(p.shape(), "o").unwrap(), &x0, &run, String::new(), 100, 0, false);
                if o.diverged.is_none() {
                    assert!(tail(t) <= tail(&o), "{}: η = {lr} shown, but η = {other} ends lower", t.label);
                }
            }
        }
    }
}
