//! The live run: one trainer, or two for a comparison, advanced in lockstep, with sharpness measured at
//! checkpoints in small units of work spread over the following frames.
//!
//! **Checkpoints.** At step 0, every `total / CHECKPOINTS` steps and at the last step, each run records its
//! metrics and starts a *measurement* of its weights at that step: λ_max of the training loss's Hessian
//! ([`Lanczos`] on Hessian-vector products by central differences of the backpropagated gradient, the
//! core's [`sharpness::hvp`]) and a loss slice along a random filter-normalised direction. Both use the
//! whole training set, so they are far more expensive than a mini-batch step; each call of `advance` does
//! at most [`MEASURE_BUDGET`] of this work (at least one unit: one Hessian-vector product or one point of
//! the slice) after its training steps. A checkpoint that arrives while the previous measurement is still
//! going on is skipped (its metrics are still recorded); the measurement of the last step is finished at
//! once, so a completed run always shows its final sharpness. Costs are estimated by [`row_cost`], not
//! timed: the core has no clock.

use super::lanczos::{Lanczos, Ritz};
use super::setup::Setup;
use crate::train::mlp::Workspace;
use crate::train::sharpness::{self, LossSlice};
use crate::train::trainer::{evaluate, MIN_CHUNK};
use crate::train::Trainer;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::cell::RefCell;
use std::rc::Rc;

/// Checkpoints per run (besides step 0).
pub const CHECKPOINTS: usize = 25;
/// Budgets are in nanoseconds of native work as estimated by [`row_cost`] (wasm takes 1.5–3×).
/// One call of [`crate::app::LiveRun::advance`] takes at most as many steps as fit in this budget (at
/// least one), so that a big network and a big batch make the shell's slices shorter, not a frame longer.
pub const STEP_BUDGET: f64 = 4e6;
/// Metrics (a forward pass over every point) are recorded at most about once per this much training work.
pub const EVAL_BUDGET: f64 = 1e6;
/// Measurement work per call of `advance`, after its steps (at least one unit when one is pending).
pub const MEASURE_BUDGET: f64 = 1.5e6;
/// Native nanoseconds of evaluation (the metrics over every point) per call of `advance`; an evaluation
/// costing more is spread over calls (see [`crate::train::Trainer::defer_evaluation`]).
pub const EVAL_SLICE: f64 = 3e6;
/// Largest estimated cost of one unit of measurement (a Hessian-vector product: two gradients over the
/// whole training set) for which λ_max and the loss slice are measured at all: a unit cannot be split, so
/// a bigger one (the 64-64-64-10 network on 1,348 digits: about 107 ms natively) would freeze a frame. The
/// presets on 2-D data stay below it (the 3×32 networks on 250 points: about 6 ms).
pub const MAX_MEASURE_UNIT: f64 = 20e6;
/// Estimated native nanoseconds of the gradient per layer recorded at each checkpoint (step 0 included): it uses
/// every training point when a gradient over all of them costs at most this, else this many's worth, evenly
/// spread over the training set (the digits network: 109 of its 1,348 training points).
pub const GRAD_BUDGET: f64 = 3e6;
/// Lanczos: at most this many Hessian-vector products per measurement; converged when the residual is at
/// most [`LANCZOS_TOL`] relative to λ_max.
pub const MAX_PRODUCTS: usize = 40;
pub const LANCZOS_TOL: f64 = 1e-3;
/// The start vector: the previous Ritz vector plus this share of a random unit vector (so that a new sharp
/// direction is not missed).
pub const START_NOISE: f64 = 0.3;
/// Points of the loss slice, over `α ∈ [−SLICE_RADIUS, SLICE_RADIUS]`.
pub const SLICE_POINTS: usize = 21;
pub const SLICE_RADIUS: f64 = 1.0;

pub use crate::train::cost::row_cost;

/// [`crate::train::cost::step_cost`] of a run.
pub fn step_cost(r: &Run) -> f64 {
    crate::train::cost::step_cost(r.trainer.spec(), r.trainer.mlp())
}

/// One λ_max measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lambda {
    pub step: usize,
    pub value: f64,
    /// Hessian-vector products used (two gradients over the training set each).
    pub products: usize,
    /// `‖Hx − λx‖ / |λ|` of the Ritz pair.
    pub rel_residual: f64,
    pub converged: bool,
}

/// A measurement of the weights at one checkpoint, done in units over several calls.
struct Measure {
    step: usize,
    w: Vec<f64>,
    lanczos: Option<Lanczos>,
    direction: Vec<f64>,
    slice: LossSlice,
}

/// One optimizer's run.
pub struct Run {
    pub trainer: Trainer,
    /// Palette index of this run in every chart.
    pub color: usize,
    pub lambdas: Vec<Lambda>,
    pub slice: Option<(usize, LossSlice)>,
    /// λ_max and the slice are not measured: one unit of it costs more than [`MAX_MEASURE_UNIT`].
    pub measure_skipped: bool,
    /// The terms of SAM's generalisation bound for the final weights (see [`super::bound`]).
    pub bound: Option<crate::train::flatness::BoundTerms>,
    ritz: Option<Vec<f64>>,
    pending: Option<Measure>,
    /// For the measurements only (the trainers have their own), made at the first one: runs whose measurements
    /// are skipped (the digits network) do not hold it. Shared by the runs of a comparison, which measure one
    /// after another on the same network shape.
    ws: Rc<RefCell<Option<Workspace>>>,
    hvp_buf: Vec<f64>,
    /// `(step, ‖∂L/∂W_l‖_F of each layer l, input → output)` at each checkpoint (step 0 included: the first call
    /// of `advance`, like λ_max): the gradient of the mean training loss over [`Run::grad_rows`] training points.
    pub grads: Vec<(usize, Vec<f64>)>,
    /// How many training points the gradients per layer use (all of them, or [`GRAD_BUDGET`]'s worth).
    pub grad_rows: usize,
    /// With an initial weight scale g ≠ 1: the gradient per layer at step 0 of the same draw unscaled (g = 1),
    /// on the same points.
    pub grads_unscaled: Option<Vec<f64>>,
}

impl Run {
    fn new(trainer: Trainer, color: usize, ws: Rc<RefCell<Option<Workspace>>>) -> Run {
        Run {
            trainer,
            color,
            lambdas: Vec::new(),
            slice: None,
            measure_skipped: false,
            bound: None,
            ritz: None,
            pending: None,
            ws,
            hvp_buf: Vec::new(),
            grads: Vec::new(),
            grad_rows: 0,
            grads_unscaled: None,
        }
    }

    /// Records the gradient per layer at the current weights, once per step (none for a diverged run).
    pub fn record_gradients(&mut self) {
        let step = self.trainer.step();
        if self.grads.last().is_some_and(|g| g.0 == step) || self.trainer.diverged().is_some() {
            return;
        }
        let (mlp, data) = (self.trainer.mlp(), self.trainer.data());
        let n = data.train.len();
        let rows = n.min(((GRAD_BUDGET / (3.0 * row_cost(mlp))) as usize).max(1));
        if rows == 0 {
            return;
        }
        let idx: Vec<usize> = (0..rows).map(|i| i * n / rows).collect();
        let spec = self.trainer.spec();
        if step == 0 && spec.model.init_gain != 1.0 && spec.init_params().is_none() {
            let w = mlp.init(spec.model.init, &mut crate::train::trainer::init_rng(spec.seed));
            self.grads_unscaled = Some(self.trainer.layer_gradient_norms(Some(&w), &idx));
        }
        let at = self.trainer.layer_gradient_norms(None, &idx);
        self.grad_rows = rows;
        self.grads.push((step, at));
    }

    /// Estimated cost of one Hessian-vector product (two gradients over the training set).
    pub fn hvp_cost(&self) -> f64 {
        6.0 * self.trainer.data().train.len() as f64 * row_cost(self.trainer.mlp())
    }

    /// Estimated cost of one point of the slice (a forward pass over every point).
    fn slice_point_cost(&self) -> f64 {
        let d = self.trainer.data();
        (d.train.len() + d.test.len()) as f64 * row_cost(self.trainer.mlp())
    }

    /// Records the metrics and starts a measurement of the current weights, unless one is still going on
    /// or the run diverged.
    fn checkpoint(&mut self, seed: u64) {
        self.trainer.record();
        self.record_gradients();
        if self.hvp_cost() > MAX_MEASURE_UNIT {
            self.measure_skipped = true;
            return;
        }
        if self.pending.is_some() || self.trainer.diverged().is_some() {
            return;
        }
        let step = self.trainer.step();
        let w = self.trainer.params().to_vec();
        let n = w.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.set_stream(6);
        let mut start: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
        if let Some(prev) = self.ritz.as_ref().filter(|v| v.len() == n && v.iter().all(|x| x.is_finite())) {
            let ns = start.iter().map(|x| x * x).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
            for (s, p) in start.iter_mut().zip(prev) {
                *s = p + START_NOISE * *s / ns;
            }
        }
        let mut drng = ChaCha8Rng::seed_from_u64(seed);
        drng.set_stream(5);
        let direction = sharpness::filter_normalised_direction(self.trainer.mlp(), &w, &mut drng);
        let alpha = (0..SLICE_POINTS).map(|i| -SLICE_RADIUS + 2.0 * SLICE_RADIUS * i as f64 / (SLICE_POINTS - 1) as f64).collect();
        self.pending = Some(Measure {
            step,
            w,
            lanczos: Some(Lanczos::new(start, MAX_PRODUCTS, LANCZOS_TOL)),
            direction,
            slice: LossSlice { alpha, train_loss: Vec::new(), test_loss: Vec::new(), direction: Vec::new() },
        });
    }

    /// Does one unit of the pending measurement; returns its estimated cost, `None` when nothing is pending.
    fn work_unit(&mut self) -> Option<f64> {
        let (hvp_cost, point_cost) = (self.hvp_cost(), self.slice_point_cost());
        let Run { trainer, ws, pending, lambdas, ritz, slice, hvp_buf, .. } = self;
        let m = pending.as_mut()?;
        let (mlp, data) = (trainer.mlp(), trainer.data());
        let mut ws = ws.borrow_mut();
        let ws = ws.get_or_insert_with(|| mlp.workspace(MIN_CHUNK));
        if let Some(lz) = m.lanczos.as_mut() {
            let w = &m.w;
            let mut grad = |p: &[f64], out: &mut [f64]| {
                evaluate(mlp, p, ws, &data.train, None, Some(out));
            };
            let mut hv = |v: &[f64], out: &mut [f64]| sharpness::hvp(&mut grad, w, v, out, hvp_buf);
            if let Some(Ritz { value, vector, products, residual, converged }) = lz.step(&mut hv) {
                if value.is_finite() {
                    let rel_residual = residual / value.abs().max(f64::MIN_POSITIVE);
                    lambdas.push(Lambda { step: m.step, value, products, rel_residual, converged });
                    *ritz = Some(vector);
                }
                m.lanczos = None;
            }
            return Some(hvp_cost);
        }
        let i = m.slice.train_loss.len();
        let a = m.slice.alpha[i];
        let p: Vec<f64> = m.w.iter().zip(&m.direction).map(|(w, d)| w + a * d).collect();
        m.slice.train_loss.push(evaluate(mlp, &p, ws, &data.train, None, None).0);
        if !data.test.is_empty() {
            m.slice.test_loss.push(evaluate(mlp, &p, ws, &data.test, None, None).0);
        }
        if m.slice.train_loss.len() == m.slice.alpha.len() {
            let mut done = pending.take().expect("a pending measurement");
            done.slice.direction = done.direction;
            *slice = Some((done.step, done.slice));
        }
        Some(point_cost)
    }

    /// Estimated cost of the next unit of the pending measurement.
    fn next_unit_cost(&self) -> f64 {
        match &self.pending {
            Some(m) if m.lanczos.is_some() => self.hvp_cost(),
            _ => self.slice_point_cost(),
        }
    }

    /// Works on the pending measurement while the next unit fits in `budget` (at least one unit, so that a
    /// measurement always moves on); returns the cost.
    fn work(&mut self, budget: f64) -> f64 {
        let mut spent = 0.0;
        while self.pending.is_some() && (spent == 0.0 || spent + self.next_unit_cost() <= budget) {
            match self.work_unit() {
                Some(c) => spent += c,
                None => break,
            }
        }
        spent
    }

    /// Finishes the pending measurement.
    fn finish(&mut self) {
        while self.work_unit().is_some() {}
    }

    /// Whether a measurement is going on.
    pub fn measuring(&self) -> bool {
        self.pending.is_some()
    }
}

/// What the scene caches between frames (recomputed only when the step or the view changed).
#[derive(Default)]
pub struct Cache {
    /// `(step, run index, side)` of `grid`.
    pub grid_key: Option<(usize, usize, usize)>,
    /// The network's outputs on the coarse grid, and the map's cells (interpolated, then refined).
    pub grid: Vec<f64>,
    pub probs: Vec<f64>,
    /// How many boundary cells were evaluated exactly (`None`: too many for the budget).
    pub refined: Option<usize>,
    /// How the map was computed, for the readout.
    pub map_note: String,
    /// The step of `spectra`.
    pub spectra_step: Option<usize>,
    /// Per run: singular values of the last update of the shown weight matrix.
    pub spectra: Vec<Vec<f64>>,
    /// `(step, run index)` of `test_pred`: the predicted class of every test point (inputs of d > 2).
    pub pred_key: Option<(usize, usize)>,
    /// The step at which each run's spectrum was taken, and the run whose spectrum is due next frame.
    pub spectra_steps: Vec<usize>,
    pub spectra_pending: Option<usize>,
    pub test_pred: Vec<usize>,
}

/// The live run of the training chapter.
pub struct TrainingRun {
    pub runs: Vec<Run>,
    pub setup: Setup,
    /// Steps requested.
    pub total: usize,
    /// Steps of the longest-running run.
    pub step: usize,
    /// Steps between checkpoints.
    pub every: usize,
    max_steps_per_call: usize,
    next_check: usize,
    checked: Option<usize>,
    pub cache: Cache,
}

impl TrainingRun {
    pub fn new(trainers: Vec<Trainer>, setup: Setup) -> TrainingRun {
        let total = setup.specs[0].steps;
        let ws = Rc::new(RefCell::new(None));
        let mut runs: Vec<Run> = trainers.into_iter().enumerate().map(|(i, t)| Run::new(t, i, Rc::clone(&ws))).collect();
        // an evaluation over every point that would not fit a frame is spread over frames (the digits: 1,797
        // images through a 64-64-64-10 network, about 24 ms natively per run)
        for r in &mut runs {
            let rows = r.trainer.data().train.len() + r.trainer.data().test.len();
            let cost = row_cost(r.trainer.mlp());
            if rows as f64 * cost > EVAL_SLICE {
                r.trainer.defer_evaluation(Some(((EVAL_SLICE / cost) as usize).max(1)));
            }
        }
        let step_cost: f64 = runs.iter().map(step_cost).sum();
        TrainingRun {
            runs,
            setup,
            total,
            step: 0,
            every: (total / CHECKPOINTS).max(1),
            max_steps_per_call: ((STEP_BUDGET / step_cost.max(1.0)) as usize).max(1),
            next_check: 0,
            checked: None,
            cache: Cache::default(),
        }
    }

    fn live(&self) -> bool {
        self.runs.iter().any(|r| r.trainer.diverged().is_none())
    }

    fn checkpoint_if_due(&mut self) {
        if self.step == self.next_check && self.checked != Some(self.step) {
            let seed = self.setup.specs[0].seed;
            let last = self.step >= self.total;
            for r in &mut self.runs {
                if last {
                    r.finish();
                }
                r.checkpoint(seed);
                if last {
                    r.finish();
                }
            }
            self.checked = Some(self.step);
            self.next_check = (self.step + self.every).min(self.total);
        }
    }

    /// Finishes every pending measurement (for a scene that must show them, e.g. [`super::Training`]'s
    /// `compute`, or a run that stopped).
    pub fn finish_measurements(&mut self) {
        for r in &mut self.runs {
            r.finish();
            r.trainer.finish_evaluation();
        }
        super::bound::measure_all(self);
    }

    /// Whether every run has stopped (finished or diverged).
    pub fn stopped(&self) -> bool {
        self.step >= self.total || !self.live()
    }
}

impl super::super::LiveRun for TrainingRun {
    /// Advances every run that has not diverged by up to `steps` steps (fewer when they would exceed
    /// [`STEP_BUDGET`]), stopping at checkpoints on the way; then spends up to [`MEASURE_BUDGET`] on each
    /// run's pending measurement. Returns the steps taken by the longest-running run.
    fn advance(&mut self, steps: usize) -> usize {
        let steps = steps.min(self.max_steps_per_call);
        self.checkpoint_if_due();
        let start = self.step;
        while self.step - start < steps && self.step < self.total && self.live() {
            // after a checkpoint the next one lies ahead (or at `total`, which ends the loop)
            let to_check = self.next_check.saturating_sub(self.step).max(1);
            let k = (steps - (self.step - start)).min(to_check).min(self.total - self.step);
            for r in &mut self.runs {
                if r.trainer.diverged().is_none() {
                    r.trainer.step_n(k);
                }
            }
            self.step = self.runs.iter().map(|r| r.trainer.step()).max().unwrap_or(0);
            self.checkpoint_if_due();
        }
        if self.stopped() {
            // nothing will call us again: finish what a diverged run left and record the end
            for r in &mut self.runs {
                r.trainer.record();
                r.trainer.finish_evaluation();
                r.finish();
            }
            super::bound::measure_all(self);
        } else {
            for r in &mut self.runs {
                r.trainer.eval_work();
                r.work(MEASURE_BUDGET);
            }
        }
        self.step - start
    }

    /// `(steps done, steps requested)`; when every run diverged the request is cut to what was done, so
    /// the shell's progress bar ends (the readout says where each run diverged).
    fn progress(&self) -> (usize, usize) {
        if self.live() {
            (self.step, self.total)
        } else {
            (self.step, self.step)
        }
    }

    fn scene(&mut self, st: &super::super::State) -> super::super::Scene {
        super::scene::build(self, st)
    }
}
