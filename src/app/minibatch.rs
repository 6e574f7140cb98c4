//! Chapter 1 — mini-batch SGD and its rate: the running mean of ‖∇f‖² against the two terms of the
//! lecture's theorem, the gradient noise of a mini-batch against B, and the paths of small-batch SGD and
//! full-batch gradient descent.
//!
//! The problem is the core's finite-sum least squares in two dimensions, `f = (1/N)Σ ½(aᵢᵀx − yᵢ)²`, so the
//! map can show it: `f` is a quadratic, `f(x) = ½xᵀGx − cᵀx + const` with `G = AᵀA/N`, `c = Aᵀy/N`, and
//! the map's level sets are drawn from that quadratic (the same level sets, at the cost of a 2×2 quadratic
//! per pixel instead of a sum over N samples).

use super::common::{convergence, paths, sig, spec_of, Sig};
use super::memo;
use super::{Canvas, Chapter, Chart, Claim, Control, Field, Formula, Message, Model, Readout, Rel, Scene, State};
use crate::analysis::{minibatch_bound_terms, minibatch_variance, running_mean};
use crate::linalg::solve;
use crate::optim::config::Sgd;
use crate::optim::OptimizerSpec;
use crate::plot::field::MapChart;
use crate::plot::{LineChart, Mark, Series};
use crate::problems::{sample_indices_into, FiniteSum, FiniteSumSpec, Problem, ProblemSpec};
use crate::run::{run_one, Report, Trace};
use crate::spec::Spec;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub struct Minibatch;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub batch: usize,
        pub lr: f64,
        pub noise: f64,
        pub steps: usize,
        pub samples: usize,
        pub seed: usize,
        pub x0: (f64, f64),
        pub uneven: f64,
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Minibatch.controls(), st)
    }
}

/// Palette: full-batch gradient descent, mini-batch SGD, the theorem's two terms and their sum, the
/// variance predictions.
const GD: usize = 0;
const SGD: usize = 1;
const TERM1: usize = 4;
const TERM2: usize = 5;
const SUM: usize = 6;
const PRED: usize = 3;

/// Work allowed for the mini-batch runs, in units of [`step_cost`].
const BUDGET: usize = 400_000;
/// Most batch seeds averaged.
const MAX_SEEDS: usize = 8;
/// Mini-batches drawn per batch size for the measured variance where B and N − B are both above 16. Where
/// one is small, a few samples decide the deviation and its tails are heavy; those draws are also the
/// cheapest, so there are 4× (≤ 16) and 12× (≤ 4) as many.
const VARIANCE_DRAWS: usize = 150;
/// Batch sizes on the variance chart.
const VARIANCE_SIZES: usize = 12;

fn problem_spec(samples: usize, batch: usize, noise: f64) -> ProblemSpec {
    ProblemSpec::FiniteSum(FiniteSumSpec { samples, dim: 2, noise, batch, kappa: 10.0 })
}

/// Batch seeds averaged in the sampling comparison.
const SAMPLING_SEEDS: u64 = 8;
/// Palette of the sampling comparison: uniform, importance.
const UNIFORM: usize = 1;
const IMPORTANCE: usize = 2;

thread_local! {
    /// The variance chart's measured points, by (N, σ bits, seed, x₀ bits) (see [`memo`]).
    static MEASURED_VARIANCE: memo::Slot<(usize, u64, u64, [u64; 2]), Vec<(f64, f64)>> = const { std::cell::RefCell::new(None) };
}

/// Uniform vs importance sampling (the lecture's stochastic reformulation with one sample per step) on the
/// chapter's data with every tenth sample's row and label multiplied by √`uneven` (its `Lᵢ = ‖aᵢ‖²` by
/// `uneven`): the loss of both, averaged over [`SAMPLING_SEEDS`] seeds at the chapter's η, and readouts of
/// the per-sample curvatures, the gradient noise at x* and the tails.
fn sampling_section(fs: &FiniteSum, uneven: f64, x0: &[f64], lr: f64, steps: usize, seed: u64) -> (LineChart, Vec<Readout>) {
    let s = uneven.sqrt();
    let (mut a, mut y) = (fs.a.clone(), fs.y.clone());
    for i in (0..y.len()).step_by(10) {
        a.row_mut(i).mapv_inplace(|v| v * s);
        y[i] *= s;
    }
    let data = FiniteSum::from_data(a, y, 1);
    let l = data.sample_smoothness();
    let n = l.len();
    let (l_max, l_mean) = (l.iter().copied().fold(0.0, f64::max), l.iter().sum::<f64>() / n as f64);
    let uniform = vec![1.0 / n as f64; n];
    let importance: Vec<f64> = l.iter().map(|li| li / (l_mean * n as f64)).collect();
    let f_star = data.minimum().unwrap_or(0.0);
    let x_star = data.minimizer().unwrap_or_else(|| vec![0.0; x0.len()]);
    let mut series = Vec::new();
    let mut readouts = Vec::new();
    let mut tails = Vec::new();
    for (name, probs, color) in [("uniform", &uniform, UNIFORM), ("importance pᵢ ∝ Lᵢ", &importance, IMPORTANCE)] {
        let runs: Vec<Vec<f64>> = (0..SAMPLING_SEEDS)
            .map(|r| data.sgd_with_sampling(probs, x0, lr, steps, &mut crate::problems::batch_rng(seed * SAMPLING_SEEDS + r)))
            .collect();
        let diverged = runs.iter().filter(|t| t.len() < steps + 1).count();
        let whole: Vec<&Vec<f64>> = runs.iter().filter(|t| t.len() == steps + 1).collect();
        if whole.is_empty() {
            // every run exploded: draw the first seed's loss up to its explosion, so the chart still shows it
            series.push(Series::line(
                format!("{name} (seed 1 of {SAMPLING_SEEDS}, diverged at step {})", runs[0].len()),
                color,
                runs[0].iter().enumerate().map(|(t, v)| (t as f64, (v - f_star).max(super::common::GAP_FLOOR))).collect(),
            ));
        }
        if !whole.is_empty() {
            let mean: Vec<f64> =
                (0..=steps).map(|t| whole.iter().map(|r| (r[t] - f_star).max(0.0)).sum::<f64>() / whole.len() as f64).collect();
            let tail = &mean[steps - steps / 10..];
            tails.push((name, tail.iter().sum::<f64>() / tail.len() as f64));
            series.push(Series::line(
                format!("{name} ({} seeds)", whole.len()),
                color,
                mean.iter().enumerate().map(|(t, v)| (t as f64, v.max(super::common::GAP_FLOOR))).collect(),
            ));
        }
        if diverged > 0 {
            // one step along aᵢ multiplies that component of the error by 1 − ηvᵢLᵢ: past 2 it grows
            let top = l.iter().zip(probs.iter()).map(|(li, p)| lr * li / (n as f64 * p)).fold(0.0, f64::max);
            let c = Claim::compare(top, 2.0);
            let why = if c.rel == Rel::Gt { format!("; a step's curvature ηvᵢLᵢ reaches {} > 2", Sig(top)) } else { String::new() };
            let first = runs.iter().filter(|t| t.len() < steps + 1).map(|t| t.len()).min().unwrap_or(0);
            let mut r = Readout::bad(
                format!("{name} sampling"),
                format!(
                    "diverged in {diverged} of {SAMPLING_SEEDS} runs, first at step {first} (the loss grew past 1e6 × max(f(x₀), 1)){why}"
                ),
            );
            if c.rel == Rel::Gt {
                r = r.claiming(c);
            }
            readouts.push(r);
        }
    }
    readouts.push(Readout::new(
        "per-sample curvature Lᵢ = ‖aᵢ‖² (every tenth sample ×uneven)",
        format!(
            "L_max = {}, mean L̄ = {}: a uniform step's curvature ηvᵢLᵢ reaches ηL_max = {}; with pᵢ ∝ Lᵢ (vᵢ = L̄/Lᵢ) it is ηL̄ = {} for every i",
            Sig(l_max),
            Sig(l_mean),
            Sig(lr * l_max),
            Sig(lr * l_mean)
        ),
    ));
    let (nu, ni) = (data.sampled_noise(&uniform, &x_star), data.sampled_noise(&importance, &x_star));
    let c = Claim::compare(ni, nu);
    readouts.push(
        Readout::new("gradient noise at x*, E‖vᵢ∇fᵢ(x*)‖²", format!("importance {} {} uniform {}", Sig(ni), c.symbol(), Sig(nu)))
            .claiming(c),
    );
    if let [(name, v)] = tails[..] {
        readouts.push(Readout::new("mean f − f* over the last 10 % of steps", format!("{name}: {} (the other diverged)", Sig(v))));
    }
    if let [(a_name, a), (b_name, b)] = tails[..] {
        let c = Claim::compare(b, a);
        readouts.push(
            Readout::new("mean f − f* over the last 10 % of steps", format!("{b_name}: {} {} {a_name}: {}", Sig(b), c.symbol(), Sig(a)))
                .claiming(c),
        );
    }
    let chart = LineChart {
        title: format!("uniform vs importance sampling, one sample per step, η = {} (mean of f − f* over seeds)", Sig(lr)),
        x_label: "step t".into(),
        y_label: "f(x_t) − f*".into(),
        y_log: true,
        series,
        ..Default::default()
    };
    (chart, readouts)
}

/// Builds the finite sum itself (not boxed: the chapter needs its data and its per-sample variance).
fn build(spec: &ProblemSpec, seed: u64) -> Result<FiniteSum, Message> {
    match spec {
        ProblemSpec::FiniteSum(s) => s.build("problem", seed).map_err(|e| Message::error(e.to_string())),
        _ => Err(Message::error("the mini-batch chapter needs a finite-sum problem")),
    }
}

/// The finite sum with its loss and full gradient evaluated from the quadratic form (`O(d²)` instead of a
/// pass over the N samples: run_one records both at every step, which would otherwise cost far more than
/// the mini-batch steps themselves). Batches, batch gradients (the same operations), f* and L are the
/// finite sum's own, so the iterates are bit for bit those of `optlab run` on the same spec; losses and
/// gradient norms agree to rounding.
struct QuadraticView<'a> {
    fs: &'a FiniteSum,
    g: Vec<Vec<f64>>,
    c: Vec<f64>,
    y2: f64,
}

impl<'a> QuadraticView<'a> {
    fn new(fs: &'a FiniteSum) -> Self {
        let (g, c) = quadratic_form(fs);
        let y2 = fs.y.iter().map(|y| y * y).sum::<f64>() / (2.0 * fs.y.len() as f64);
        QuadraticView { fs, g, c, y2 }
    }
}

impl Problem for QuadraticView<'_> {
    fn shape(&self) -> (usize, usize) {
        self.fs.shape()
    }
    fn value(&self, x: &[f64]) -> f64 {
        let quad: f64 = self.g.iter().zip(x).map(|(row, xi)| xi * row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>()).sum();
        0.5 * quad - self.c.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.y2
    }
    fn grad(&self, x: &[f64], out: &mut [f64]) {
        for ((o, row), ci) in out.iter_mut().zip(&self.g).zip(&self.c) {
            *o = row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - ci;
        }
    }
    fn hessian(&self, x: &[f64]) -> Option<ndarray::Array2<f64>> {
        self.fs.hessian(x)
    }
    fn minimum(&self) -> Option<f64> {
        self.fs.minimum()
    }
    fn smoothness(&self) -> Option<f64> {
        self.fs.smoothness()
    }
    fn sample_batch(&self, rng: &mut ChaCha8Rng) -> Option<Vec<usize>> {
        self.fs.sample_batch(rng)
    }
    fn batch_grad(&self, x: &[f64], batch: &[usize], out: &mut [f64]) {
        // the core's FiniteSum::batch_grad, operation for operation (so bit for bit), on the contiguous rows
        // instead of ndarray row views, which cost more than the arithmetic in two dimensions
        let d = x.len();
        let Some(a) = self.fs.a.as_slice().filter(|a| a.len() == self.fs.y.len() * d) else {
            return self.fs.batch_grad(x, batch, out);
        };
        out.iter_mut().for_each(|o| *o = 0.0);
        for &i in batch {
            let row = &a[i * d..(i + 1) * d];
            let r = row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - self.fs.y[i];
            for (o, a) in out.iter_mut().zip(row) {
                *o += r * a;
            }
        }
        out.iter_mut().for_each(|o| *o /= batch.len() as f64);
    }
}

/// `G = AᵀA/N` (symmetrised) and `c = Aᵀy/N`: `f(x) = ½xᵀGx − cᵀx + ‖y‖²/(2N)`.
fn quadratic_form(fs: &FiniteSum) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = fs.y.len() as f64;
    let d = fs.a.ncols();
    let gram = fs.a.t().dot(&fs.a) / n;
    let g: Vec<Vec<f64>> = (0..d).map(|i| (0..d).map(|j| 0.5 * (gram[[i, j]] + gram[[j, i]])).collect()).collect();
    let c = (0..d).map(|j| fs.a.column(j).iter().zip(&fs.y).map(|(a, y)| a * y).sum::<f64>() / n).collect();
    (g, c)
}

/// Mean squared deviation `E‖g_B − ∇f(x)‖²` of the mini-batch gradient at `x`, estimated from `draws`
/// batches of `b` distinct samples (the core's sampling: without replacement within a batch). A batch of
/// more than half the samples is drawn through its complement, a uniform subset of the other `n − b`
/// (`g_B = (n∇f − Σ_{j∉B}∇f_j)/b`), so each draw costs `min(b, n − b)` per-sample gradients.
pub fn measured_batch_variance(fs: &FiniteSum, x: &[f64], b: usize, draws: usize, rng: &mut ChaCha8Rng) -> f64 {
    let n = fs.y.len();
    let b = b.clamp(1, n);
    let mut full = vec![0.0; x.len()];
    fs.grad(x, &mut full);
    let mut g = vec![0.0; x.len()];
    let mut total = 0.0;
    // rand's index sampling without its per-draw allocations (the same draws), and batch gradients from
    // the per-sample gradients at x (bit for bit FiniteSum::batch_grad)
    let (mut idx, mut pool) = (Vec::new(), Vec::new());
    let table = fs.sample_grads(x);
    for _ in 0..draws.max(1) {
        if 2 * b <= n {
            sample_indices_into(rng, n, b, &mut idx, &mut pool);
            FiniteSum::table_batch_grad(&table, &idx, &mut g);
        } else if b < n {
            sample_indices_into(rng, n, n - b, &mut idx, &mut pool);
            FiniteSum::table_batch_grad(&table, &idx, &mut g);
            let m = (n - b) as f64;
            for (gi, fi) in g.iter_mut().zip(&full) {
                *gi = (n as f64 * fi - m * *gi) / b as f64;
            }
        } else {
            g.copy_from_slice(&full);
        }
        total += g.iter().zip(&full).map(|(a, f)| (a - f).powi(2)).sum::<f64>();
    }
    total / draws.max(1) as f64
}

/// Rough cost of one SGD step with batch `b` of `n`: the batch gradient, and drawing the batch (rand's
/// Floyd sampling for small batches, an `n`-long shuffle for larger ones), plus fixed bookkeeping.
fn step_cost(b: usize, n: usize) -> usize {
    b + if b > 11 { n / 4 } else { b } + 16
}

/// `k` batch sizes from 1 to `n − 1`, roughly evenly spaced in log, without repeats.
fn batch_sizes(n: usize, k: usize) -> Vec<usize> {
    let top = (n.max(2) - 1) as f64;
    let mut out: Vec<usize> =
        (0..k).map(|i| top.powf(i as f64 / (k - 1).max(1) as f64).round() as usize).map(|b| b.clamp(1, n.max(2) - 1)).collect();
    out.dedup();
    out
}

/// `(1/T)Σ_{t<T} ‖∇f(x_t)‖²` for T = 1..=len (a run that stopped early gives a shorter curve).
fn mean_sq_grad(t: &Trace, steps: usize) -> Vec<f64> {
    let sq: Vec<f64> = t.grad_norm.iter().take(steps).map(|g| g * g).collect();
    running_mean(&sq)
}

/// What the chapter computes: SGD with batch B over as many batch seeds as the budget allows and full-batch
/// gradient descent on one data set, the per-sample gradient spread along the path, and the mini-batch
/// gradient's measured variance at x₀ for a range of B.
pub struct Runs {
    pub spec: Spec,
    /// The data (with `batch` = N after the full-batch run).
    pub fs: FiniteSum,
    /// The batch size used (B capped at N) and the number of batch seeds run.
    pub b: usize,
    pub seeds: usize,
    pub sgd_runs: Vec<Trace>,
    pub gd_trace: Option<Trace>,
    /// The largest per-sample gradient variance σ² met along the first run, and over its last half.
    pub sigma2_path: f64,
    pub sigma2_late: f64,
    /// σ²(x₀), and the mini-batch gradient's measured variance at x₀ per batch size.
    pub sigma2_x0: f64,
    pub measured_var: Vec<(f64, f64)>,
}

impl Model for Minibatch {
    type Params = Params;
    type Runs = Runs;

    fn params(st: &State) -> Result<Params, String> {
        Params::of(st)
    }

    fn runs(p: &Params) -> Result<Runs, Message> {
        let n = p.samples.max(1);
        let b = p.batch.max(1).min(n);
        let (lr, noise, steps, seed) = (p.lr, p.noise, p.steps.max(1), p.seed as u64);
        let (x, y) = p.x0;
        let x0 = vec![x, y];
        let prob = problem_spec(n, b, noise);
        let mut fs = build(&prob, seed)?;
        let label = format!("SGD, B = {b}");
        let sgd = OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() });
        let spec = spec_of(prob.clone(), x0.clone(), vec![(label.clone(), sgd.clone())], steps, seed);
        // validate the spec as `optlab run` would (its messages name the field)
        if let Err(e) = spec.validate().and_then(|p| sgd.build(p.shape(), "runs[0].optimizer").map(|_| ())) {
            return Err(Message::error(format!("cannot run this setting: {e}")));
        }
        let run = &spec.runs[0];

        // batch seeds seed, seed + 1, … on the same data, as many as the budget allows (the first one is the
        // spec's run; a full batch is deterministic)
        let seeds = if b < n { (BUDGET / (steps * step_cost(b, n))).clamp(1, MAX_SEEDS) } else { 1 };
        let view = QuadraticView::new(&fs);
        let mut sgd_runs = Vec::with_capacity(seeds);
        for k in 0..seeds {
            if let Ok(o) = sgd.build(view.shape(), "runs[0].optimizer") {
                sgd_runs.push(run_one(&view, o, &x0, run, label.clone(), steps, seed + k as u64, false));
            }
        }
        if sgd_runs.is_empty() {
            return Err(Message::error("cannot run SGD with these settings"));
        }
        // σ² for the theorem: the largest per-sample gradient variance met along the first run
        let stride = (steps / 32).max(1);
        let sigma2_path = sgd_runs[0].params.iter().step_by(stride).map(|p| fs.gradient_variance(p)).fold(0.0, f64::max);
        let late = sgd_runs[0].params.len() / 2;
        let sigma2_late = sgd_runs[0].params[late..].iter().step_by(stride).map(|p| fs.gradient_variance(p)).fold(0.0, f64::max);

        // full-batch gradient descent on the same data
        drop(view);
        fs.batch = n;
        let view = QuadraticView::new(&fs);
        let gd_trace = sgd
            .build(view.shape(), "runs[0].optimizer")
            .ok()
            .map(|o| run_one(&view, o, &x0, run, "full batch (GD)".into(), steps, seed, false));

        let sigma2_x0 = fs.gradient_variance(&x0);
        // the measured variance reads the data (N, σ, seed) and x₀ only: η, B, T and the uneven factor reuse it
        let key = (n, noise.to_bits(), seed, [x.to_bits(), y.to_bits()]);
        let measured_var = memo::cached(&MEASURED_VARIANCE, key, || {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(7);
            let sizes = if n > 1 { batch_sizes(n, VARIANCE_SIZES) } else { Vec::new() };
            // small batches scatter most and cost least: draw more of them
            let draws = |k: usize| match k.min(n - k) {
                0..=4 => 12 * VARIANCE_DRAWS,
                5..=16 => 4 * VARIANCE_DRAWS,
                _ => VARIANCE_DRAWS,
            };
            sizes.iter().map(|&k| (k as f64, measured_batch_variance(&fs, &x0, k, draws(k), &mut rng))).collect::<Vec<(f64, f64)>>()
        });
        Ok(Runs { spec, fs, b, seeds, sgd_runs, gd_trace, sigma2_path, sigma2_late, sigma2_x0, measured_var })
    }

    fn scene(p: &Params, r: Runs) -> Scene {
        let mut scene = Scene::default();
        let n = p.samples.max(1);
        if p.batch.max(1) > n {
            scene.messages.push(Message::warn(format!("B = {} is more than N = {n} samples; using B = N (full batch)", p.batch)));
        }
        let Runs { spec, fs, b, seeds, sgd_runs, gd_trace, sigma2_path, sigma2_late, sigma2_x0, measured_var } = r;
        let (lr, steps, seed) = (p.lr, p.steps.max(1), p.seed as u64);
        let (x, y) = p.x0;
        let x0 = vec![x, y];
        let run = &spec.runs[0];
        let label = run.label.clone();
        let (f_star, l) = (fs.minimum().unwrap_or(0.0), fs.smoothness().unwrap_or(0.0));
        let gap0 = (fs.value(&x0) - f_star).max(0.0);
        let sigma = sigma2_path.sqrt();

        // ---- rate chart -------------------------------------------------------------------------------
        let mut sum = vec![0.0; steps];
        let mut count = vec![0usize; steps];
        for t in &sgd_runs {
            for (i, v) in mean_sq_grad(t, steps).into_iter().enumerate() {
                sum[i] += v;
                count[i] += 1;
            }
        }
        // average over the runs that reached T (a diverged run stops contributing where it stopped)
        let measured: Vec<(f64, f64)> =
            sum.iter().zip(&count).enumerate().filter(|(_, (_, c))| **c > 0).map(|(i, (s, c))| ((i + 1) as f64, s / *c as f64)).collect();
        // the theorem holds up to a constant C it does not give: take the smallest C for which the measured
        // curve stays under C·(both terms) over the whole run, and say where they touch
        let shape = |t: usize| {
            let (a, s) = minibatch_bound_terms(l, gap0, sigma, b, t);
            if b < n {
                a + s
            } else {
                a
            }
        };
        let (anchor, touch) = measured
            .iter()
            .map(|&(t, v)| (v / shape(t as usize), t))
            .filter(|(c, _)| c.is_finite())
            .fold((0.0, 1.0), |best, cur| if cur.0 > best.0 { cur } else { best });
        let ts: Vec<usize> = {
            let mut v: Vec<usize> = (0..=60).map(|i| (steps as f64).powf(i as f64 / 60.0).round() as usize).collect();
            v.dedup();
            v
        };
        let term = |pick: fn((f64, f64)) -> f64| -> Vec<(f64, f64)> {
            ts.iter().map(|&t| (t as f64, anchor * pick(minibatch_bound_terms(l, gap0, sigma, b, t)))).collect()
        };
        let mut series = Vec::new();
        let sgd_name = if seeds > 1 { format!("SGD, B = {b} (mean of {seeds} batch seeds)") } else { label.clone() };
        if b < n {
            series.push(Series::line(sgd_name, SGD, measured.clone()));
        }
        if let Some(gd) = &gd_trace {
            let pts = mean_sq_grad(gd, steps).into_iter().enumerate().map(|(i, v)| ((i + 1) as f64, v)).collect();
            series.push(Series::line("full batch (GD)", GD, pts));
        }
        series.push(Series::line("C·L(f(x₀)−f*)/T", TERM1, term(|(a, _)| a)).with_mark(Mark::Dashed));
        if b < n {
            series.push(Series::line("C·(σ/√B)·√(L(f(x₀)−f*)/T)", TERM2, term(|(_, s)| s)).with_mark(Mark::Dashed));
            series.push(Series::line("sum of both terms", SUM, term(|(a, s)| a + s)).with_mark(Mark::Dashed));
        }
        let rate_markers = sgd_runs
            .iter()
            .chain(gd_trace.iter())
            .filter_map(|t| t.diverged.as_ref().map(|d| (d.step as f64, format!("{} diverged", t.label))))
            .take(1)
            .collect();
        scene.charts.push((
            "rate",
            Chart::Lines(LineChart {
                title: format!("(1/T)Σ‖∇f(x_t)‖² vs T; dashed: theorem terms × C = {} (touching at T = {touch})", Sig(anchor)),
                x_label: "T (steps)".into(),
                y_label: "(1/T) Σ_{t<T} ‖∇f(x_t)‖²".into(),
                x_log: true,
                y_log: true,
                series,
                markers: rate_markers,
                ..Default::default()
            }),
        ));

        // ---- variance chart (at x₀) -------------------------------------------------------------------
        let fine: Vec<usize> = batch_sizes(n, 60);
        let var_series = vec![
            Series::line("σ²(x₀)/B (with replacement)", SUM, fine.iter().map(|&k| (k as f64, sigma2_x0 / k as f64)).collect())
                .with_mark(Mark::Dashed),
            Series::line(
                "σ²(x₀)/B·(N−B)/(N−1) (without)",
                PRED,
                fine.iter().map(|&k| (k as f64, minibatch_variance(sigma2_x0, k, n))).collect(),
            ),
            Series::line(format!("measured ({VARIANCE_DRAWS}–{} batches each)", 12 * VARIANCE_DRAWS), SGD, measured_var.clone())
                .with_mark(Mark::Points),
        ];
        scene.charts.push((
            "variance",
            Chart::Lines(LineChart {
                title: format!("noise of the mini-batch gradient at x₀ (N = {n}; zero at B = N)"),
                x_label: "batch size B".into(),
                y_label: "E‖g_B − ∇f(x₀)‖²".into(),
                x_log: true,
                y_log: true,
                series: var_series,
                markers: vec![(b as f64, format!("B = {b}"))],
                ..Default::default()
            }),
        ));

        // ---- map ------------------------------------------------------------------------------------
        let (g, c) = quadratic_form(&fs);
        let g_nd = ndarray::Array2::from_shape_fn((g.len(), g.len()), |(i, j)| g[i][j]);
        let x_star = solve(g_nd.view(), &c).filter(|v| v.len() >= 2).unwrap_or_else(|| vec![0.0, 0.0]);
        let mut report = Report { runs: vec![sgd_runs[0].clone()] };
        if let Some(gd) = gd_trace.clone() {
            report.runs.push(gd);
        }
        let quad = Some(ProblemSpec::quadratic(g.clone(), c.clone()));
        let on_path = report.runs.iter().filter(|t| t.diverged.is_none()).flat_map(|t| t.params.iter().map(|p| (p[0], p[1])));
        let bounds = bounds_around([(x, y), (x_star[0], x_star[1])].into_iter().chain(on_path));
        let mut map = MapChart {
            title: format!("paths: SGD with B = {b} (batch seed {seed}) vs full batch"),
            x_label: "x₁".into(),
            y_label: "x₂".into(),
            bounds,
            paths: paths(&report, &[SGD, GD]),
            ..Default::default()
        };
        map.grab_point((x, y), "x₀");
        map.markers.push((x_star[0], x_star[1], "x*".into(), usize::MAX));
        let field = match quad.filter(|q| q.build(0).is_ok()) {
            Some(q) => Field::Landscape(q, 0),
            None => Field::Grid { values: vec![1.0], width: 1, height: 1 },
        };
        scene.charts.push(("map", Chart::Map(map, field)));

        // ---- readouts -------------------------------------------------------------------------------
        for t in &report.runs {
            scene.readout.extend(convergence(t, Some(f_star), Some(l), Some(&run.optimizer)));
        }
        if let Some(&(tt, v)) = measured.last() {
            let (a, s) = minibatch_bound_terms(l, gap0, sigma, b, tt as usize);
            scene.readout.push(Readout::new(
                format!("(1/T)Σ‖∇f‖² at T = {tt} (mean of {seeds} run{})", if seeds > 1 { "s" } else { "" }),
                format!("{}; theorem terms × C: {} + {} = {}", Sig(v), Sig(anchor * a), Sig(anchor * s), Sig(anchor * (a + s))),
            ));
        }
        scene.readout.push(Readout::new(
            "constants: L; f(x₀) − f*; σ (largest per-sample gradient spread on the path)",
            format!("L = {}; {}; σ = {}", Sig(l), Sig(gap0), Sig(sigma)),
        ));
        scene.readout.push(Readout::new(
            "C: the smallest constant with measured ≤ C·(sum of the terms) for every T of the run",
            format!("{} (the curves touch at T = {touch})", Sig(anchor)),
        ));
        if b < n && lr <= 1.0 / l.max(1e-300) {
            // descent lemma for η ≤ 1/L, summed over the last half t = h..T−1:
            //   mean E‖∇f(x_t)‖² ≤ 2(E f(x_h) − f*)/(η(T − h)) + ηL·Var(g_B),
            // a transient that decays with T and the noise floor ηL·Var(g_B). The floor alone bounds the
            // tail only once the transient has decayed below it; before, the readout says so.
            let h = steps / 2;
            let tail_len = (steps - h).max(1) as f64;
            let floor = lr * l * minibatch_variance(sigma2_late, b, n);
            let at_h: Vec<f64> = sgd_runs.iter().filter_map(|t| t.loss.get(h)).map(|f| (f - f_star).max(0.0)).collect();
            let gap_h = at_h.iter().sum::<f64>() / at_h.len().max(1) as f64;
            let transient = 2.0 * gap_h / (lr * tail_len);
            let tail: Vec<f64> = sgd_runs.iter().flat_map(|t| t.grad_norm.iter().take(steps).skip(h).map(|g| g * g)).collect();
            let tail_mean = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
            let regime = Claim::compare(transient, floor);
            let bound = Claim::compare(tail_mean, transient + floor);
            let value = if regime.rel == Rel::Le {
                format!(
                    "{} {} {} = transient {} + floor {}: at the noise floor (transient {} floor)",
                    Sig(tail_mean),
                    bound.symbol(),
                    Sig(transient + floor),
                    Sig(transient),
                    Sig(floor),
                    regime.symbol()
                )
            } else {
                format!(
                    "not yet in the regime where the floor bounds it: transient {} {} floor {}; {} {} {} = transient + floor",
                    Sig(transient),
                    regime.symbol(),
                    Sig(floor),
                    Sig(tail_mean),
                    bound.symbol(),
                    Sig(transient + floor)
                )
            };
            scene.readout.push(
                Readout::new(
                    "noise floor at fixed η: mean ‖∇f‖² over the last half vs its bound 2(f(x_{T/2}) − f*)/(η·T/2) + ηL·σ²/B·(N−B)/(N−1)",
                    value,
                )
                .claiming(regime)
                .claiming(bound),
            );
        }
        let var_b = minibatch_variance(sigma2_x0, b, n);
        scene.readout.push(Readout::new(
            format!("gradient noise at x₀ for B = {b}: σ²(x₀)/B·(N−B)/(N−1)"),
            format!("{} (σ²(x₀) = {})", Sig(var_b), Sig(sigma2_x0)),
        ));

        if b < n {
            scene.messages.push(Message::info(format!(
                "The theorem's σ is the spread of per-sample gradients, not the label noise: here the largest σ²(x) = (1/N)Σ‖∇fᵢ(x) − ∇f(x)‖² met along the path. Its bound holds for η tuned to T (η ∝ √(B/T)); at a fixed η (up to 1/L) the bound on the last half's mean tends to a noise floor ηL·σ²/B·(N−B)/(N−1) instead of to 0 (the noise-floor readout says whether this run's transient has decayed below it). Averaged over {seeds} batch seed{} on the same data.",
                if seeds > 1 { "s" } else { "" }
            )));
        }

        let (chart, readouts) = sampling_section(&fs, p.uneven, &x0, lr, steps, seed);
        scene.charts.push(("sampling", Chart::Lines(chart)));
        scene.readout.extend(readouts);

        for (k, v) in [("batch", b.to_string()), ("lr", sig(lr)), ("l", sig(l)), ("gap0", sig(gap0)), ("sigma", sig(sigma))] {
            scene.values.push((k.into(), v));
        }
        scene.spec = Some(spec);
        scene.report = Some(report.into());
        scene
    }
}

impl Chapter for Minibatch {
    fn id(&self) -> &'static str {
        "minibatch"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Mini-batch SGD and its rate"
    }
    fn intro(&self) -> &'static str {
        "Training minimises an average over N samples; SGD steps along the gradient of a random mini-batch of B \
         of them, an unbiased but noisy estimate. For L-smooth f whose per-sample gradients scatter by σ², the \
         lecture's theorem bounds the average squared gradient norm over T steps by two terms: \
         L(f(x₀) − f*)/T, the deterministic part, and (σ/√B)·√(L(f(x₀) − f*)/T), the price of the noise, \
         which larger batches shrink like 1/√B. Here f is a least-squares fit to N noisy points in two dimensions."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Raise B from 1 to 64 on the rate chart: the SGD curve stays on the full-batch curve for longer before the noise lifts it off.",
            "Set the label noise σ to 0 and look at the variance chart: the gradients still scatter away from x* (start at x* and the scatter vanishes).",
            "Raise B towards N in the variance chart: the measured points follow (N−B)/(N−1), not just 1/B.",
            "Lower η at fixed B and T: the running mean first ends lower (a lower noise floor), then higher once the transient no longer decays within T steps (see the noise-floor readout).",
            "On the sampling chart, every tenth sample is 10× steeper: importance sampling (pᵢ ∝ Lᵢ) ends over 100× lower than uniform sampling at the default η. Set η = 0.05 and the uneven factor to 100: uniform sampling diverges, while importance sampling (ηL̄ = 0.62 < 2) stays stable and its loss falls to its noise floor.",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        vec![
            Formula::new(
                "mini-batch SGD",
                r"x_{t+1} = x_t - \frac{\eta}{B}\sum_{i\in\mathcal B_t}\nabla f_i(x_t),\quad B = {batch},\ \eta = {lr}",
            ),
            Formula::new(
                "the lecture's theorem (constants dropped)",
                r"\frac1T\sum_{t=0}^{T-1}\mathbb E\|\nabla f(x_t)\|^2 \le \mathcal O\Big(\frac{L(f(x_0)-f^*)}{T} + \frac{\sigma}{\sqrt B}\sqrt{\frac{L(f(x_0)-f^*)}{T}}\Big),\quad L = {l},\ f(x_0)-f^* = {gap0},\ \sigma = {sigma}",
            ),
            Formula::new(
                "noise of a batch drawn without replacement",
                r"\mathbb E\|g_B - \nabla f\|^2 = \frac{\sigma^2(x)}{B}\cdot\frac{N-B}{N-1},\qquad \sigma^2(x) = \frac1N\sum_i\|\nabla f_i(x)-\nabla f(x)\|^2",
            ),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const CONTROLS: &[Control] = &[
            Control::int("batch", "mini-batch size B", 1, 128, 1).help("B ≥ N is full-batch gradient descent (lower N to see it)"),
            Control::log_range("lr", "learning rate η", 1e-3, 10.0, 0.3).unit("η"),
            Control::range("noise", "label noise σ", 0.0, 3.0, 1.0).unit("σ").help("yᵢ = aᵢᵀx* + σεᵢ"),
            Control::int("steps", "steps T", 1, 1000, 500),
            Control::int("samples", "samples N", 16, 512, 256),
            Control::int("seed", "seed (data and batches)", 0, 9999, 0),
            Control::point("x0", "start x₀ (click the map)", (-3.0, 3.0), -10.0, 10.0),
            Control::log_range("uneven", "uneven samples: every tenth Lᵢ ×", 1.0, 100.0, 10.0)
                .help("for the sampling chart: every tenth sample's row is scaled so that its curvature Lᵢ = ‖aᵢ‖² grows by this factor"),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "rate",
                label: "running mean of the squared gradient norm against T on log–log axes, with the theorem's two terms as dashed lines",
                aspect: 0.65,
                clickable: false,
            },
            Canvas {
                id: "variance",
                label: "variance of the mini-batch gradient against the batch size, measured and predicted",
                aspect: 0.6,
                clickable: false,
            },
            Canvas {
                id: "map",
                label: "level sets of the least-squares loss with the paths of mini-batch SGD and full-batch gradient descent",
                aspect: 0.75,
                clickable: true,
            },
            Canvas {
                id: "sampling",
                label: "loss of SGD with one sample per step under uniform and importance sampling (probabilities proportional to each sample's curvature)",
                aspect: 0.6,
                clickable: false,
            },
        ]
    }

    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Minibatch>(st)
    }
}

/// A 4:3 box around the finite points of `pts` (see [`super::weight_decay::fit_bounds`]).
fn bounds_around(pts: impl Iterator<Item = (f64, f64)>) -> (f64, f64, f64, f64) {
    // snapped to nice sizes and centres, so that most control changes keep the view and its cached image
    super::weight_decay::fit_bounds(pts, 0.75, 50.0, 0.5)
}
