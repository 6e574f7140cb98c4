//! The [`Trainer`]: one network, its data, its optimizer and its counters, stepped in bounded slices.

use super::data::{self, BatchSampler, Bounds, Data, Points};
use super::groups::{build_optimizer, newton_of};
use super::mlp::{Loss, Mlp, Mode, Workspace};
use super::sharpness::{self, LossSlice, PowerOptions, Sharpness};
use super::spec::TrainSpec;
use crate::checks::SpecError;
use crate::optim::{Optimizer, Oracle};
use crate::problems::{batch_rng, data_rng, MAX_HESSIAN_PARAMS};
use crate::run::{Diverged, DIVERGENCE_LOSS};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Most rows per forward/backward pass; larger batches and evaluations are processed in chunks (the gradient
/// is accumulated, so the result does not depend on the chunk beyond rounding). 128 is the app's largest
/// batch, so an app's training step is one pass. The workspace holds three buffers of its rows per layer, which
/// for 4 hidden layers of 64 is 0.9 MB at 128 rows (1.8 MB at 256; `tests/peak.rs`): a run's workspace has the
/// rows of its batch, at least [`MIN_CHUNK`] (so that an evaluation is not cut into tiny passes), and the runs of
/// a comparison share one.
pub const CHUNK: usize = 128;
/// Fewest rows of a workspace: the chunk of an evaluation when the batch is smaller.
pub const MIN_CHUNK: usize = 32;
/// Largest batch with batch normalisation, whose training pass holds the whole batch in one workspace (4 hidden
/// layers of 64 units: 9 MB at 1,024 rows).
pub const MAX_NORM_BATCH: usize = 1024;

/// Rows of a run's workspace: its batch, at least [`MIN_CHUNK`] and at most [`CHUNK`] (larger batches are
/// passed in chunks), except with batch normalisation, whose statistics need the whole batch in one pass.
fn workspace_rows(spec: &TrainSpec) -> usize {
    if spec.model.batch_norm {
        spec.batch_size.max(MIN_CHUNK)
    } else {
        spec.batch_size.clamp(MIN_CHUNK, CHUNK)
    }
}

/// Batch normalisation in training needs at least two rows in every batch (PyTorch: "Expected more than 1
/// value per channel when training"), and holds a batch in one pass: the batch size must be 2 to
/// [`MAX_NORM_BATCH`], and the last batch of an epoch (`n_train` mod the batch size) must not be one row.
pub fn check_norm_batches(batch: usize, n_train: usize) -> Result<(), SpecError> {
    let why = if batch < 2 {
        "must be at least 2 with batch normalisation (a batch's variance needs two rows), got 1".to_string()
    } else if batch > MAX_NORM_BATCH {
        format!("must be at most {MAX_NORM_BATCH} with batch normalisation (a training pass holds its whole batch), got {batch}")
    } else if n_train % batch == 1 {
        format!(
            "{batch} leaves the last batch of each epoch with one point ({n_train} training points), whose variance batch \
             normalisation cannot take: choose a batch size that does not divide {}",
            n_train - 1
        )
    } else {
        return Ok(());
    };
    Err(SpecError::new("batch_size", why))
}

/// Largest heat map side of [`Trainer::predict_grid`].
pub const MAX_GRID_SIDE: usize = 1024;

/// What the trainer measured at one step. Counters say what they count: `step` optimizer steps,
/// `epoch` completed passes over the training set, `samples` training points used in steps so far.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    pub step: usize,
    pub epoch: usize,
    pub samples: usize,
    /// Learning rate of the last step (of the main group with Muon); `None` at step 0.
    pub lr: Option<f64>,
    /// Mean loss on the batch of step `step` (the `step`-th update), at the weights before that update,
    /// i.e. after `step − 1` steps: PyTorch's `loss.item()` of that iteration. `None` (JSON `null`) at
    /// step 0, where no batch has been used yet.
    pub batch_loss: Option<f64>,
    /// Mean loss and accuracy on the whole (possibly label-noised) training set at the weights after
    /// `step` steps.
    pub train_loss: f64,
    pub train_accuracy: f64,
    /// On the clean test set; `None` when there is none (`train_fraction = 1`).
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// A network in training. Build it with [`Trainer::new`], advance it with [`Trainer::step_n`] (as many
/// steps as the caller allows per call, e.g. per animation frame), read [`Trainer::history`].
pub struct Trainer {
    spec: TrainSpec,
    mlp: Mlp,
    params: Vec<f64>,
    grad: Vec<f64>,
    update: Vec<f64>,
    opt: Box<dyn Optimizer>,
    /// Shared by the runs of a comparison ([`super::compare`]: they train on the same data).
    data: Arc<Data>,
    sampler: BatchSampler,
    /// Scratch for the passes, shared by the runs of a comparison ([`super::compare`]): they have the same
    /// model and batch size, so the same shape, and step one after another; nothing in it outlives a call.
    /// One workspace instead of one per run: 0.34 MB less for two runs on the digits with 4 hidden layers
    /// of 64 at a batch of 57 rows (0.77 MB at 128).
    ws: Rc<RefCell<Workspace>>,
    step: usize,
    samples: usize,
    last_lr: Option<f64>,
    last_batch_loss: Option<f64>,
    history: Vec<Metrics>,
    diverged: Option<Diverged>,
    /// With `Some`, [`Trainer::record`] does not evaluate at once: it snapshots the weights and the
    /// evaluation proceeds in slices of this many rows through [`Trainer::eval_work`] (the live page, so
    /// that evaluating a big set never takes a whole frame). `None`: at once (the command line, tests).
    deferred_rows: Option<usize>,
    pending_eval: Option<PendingEval>,
    /// The step of the last deferred evaluation and its predicted class of every test row.
    last_test_pred: Option<(usize, Vec<usize>)>,
    /// The dropout masks' stream ([`dropout_rng`]) and the mask of the current step (see [`dropout_mask`]);
    /// empty without dropout.
    drop_rng: ChaCha8Rng,
    mask: Vec<f64>,
}

/// An evaluation of the weights after some step, spread over several calls (see [`Trainer::eval_work`]).
struct PendingEval {
    /// The metrics with the losses and accuracies still to fill in.
    base: Metrics,
    params: Vec<f64>,
    /// The running statistics at that step (batch normalisation's evaluation uses them; empty without it).
    running: Vec<f64>,
    /// Rows done so far over the training set then the test set, and the sums.
    done: usize,
    train: (f64, usize),
    test: (f64, usize),
    /// The predicted class of every test row (for a confusion matrix without another pass).
    test_pred: Vec<usize>,
}

/// Why plain Newton stops on a network (appended to the core's "singular" message). Measured on the
/// default 2-8-8-2 tanh network at its initial weights, batch of 10: of the 114 eigenvalues of the batch
/// Hessian 24 are zero to rounding (15 with the squared loss) and 42 are negative.
pub const SINGULAR_NEWTON: &str = "a network's batch Hessian is singular: with cross-entropy, adding one vector to every row of \
    the last layer's weights and one constant to every class's bias changes no loss (hidden width + 1 zero eigenvalues), and a \
    batch of B points pins down few of the N directions; it is also indefinite (negative eigenvalues, so H⁻¹∇L can point uphill). \
    Newton with damping δ > 0 takes the modified step (H + τI)⁻¹∇L, τ = max(0, δ − λ_min(H)), which is defined and goes downhill";

/// The refusal of Newton's method for a network with `n` parameters (more than `max`).
pub fn newton_too_big(n: usize, max: usize) -> String {
    format!(
        "Newton's method needs the N×N Hessian: with N = {n} parameters that is {} numbers from 2N = {} gradient evaluations \
         per step, and solving with it costs O(N³) ≈ {:.1e} operations; this allows it up to N = {max} parameters (choose \
         fewer or narrower hidden layers)",
        n * n,
        2 * n,
        (n as f64).powi(3)
    )
}

/// The initial-weights stream of a seed (the data use stream 1, the batches stream 2).
pub fn init_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(3);
    rng
}

/// The batch sampler a spec's run draws its batches from: seeded by the spec's seed when it shuffles, in file
/// order otherwise.
pub fn batch_sampler(spec: &TrainSpec, n_train: usize) -> BatchSampler {
    if spec.shuffle() {
        BatchSampler::new(n_train, spec.batch_size, batch_rng(spec.seed))
    } else {
        BatchSampler::sequential(n_train, spec.batch_size)
    }
}

/// The dropout masks' stream of a seed (stream 8).
pub fn dropout_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(8);
    rng
}

/// Fills `mask` with one step's dropout factors for `rows` rows of `units` hidden units (the layout of
/// [`Mlp::pass_in`]): for each row, each hidden layer, each unit in turn, one 32-bit word `u` of `rng`
/// keeps the unit when `u < (1 − p)·2³²` (factor `1/(1 − p)`, PyTorch's `noise.bernoulli_(1 − p).div_(1 − p)`)
/// and drops it otherwise (factor 0).
pub fn dropout_mask(rng: &mut ChaCha8Rng, p: f64, rows: usize, units: usize, mask: &mut Vec<f64>) {
    use rand::RngCore;
    let keep = 1.0 - p;
    let (threshold, scale) = (keep * 4_294_967_296.0, 1.0 / keep);
    mask.clear();
    mask.extend((0..rows * units).map(|_| if (rng.next_u32() as f64) < threshold { scale } else { 0.0 }));
}

/// Mean loss and accuracy over the rows `idx` of `pts` (all rows when `None`) in evaluation mode
/// ([`Mode::Eval`]: no dropout, batch normalisation with the running statistics); with `grad`, writes the
/// gradient of that mean loss into it.
pub fn evaluate(
    mlp: &Mlp,
    params: &[f64],
    ws: &mut Workspace,
    pts: &Points,
    idx: Option<&[usize]>,
    grad: Option<&mut [f64]>,
) -> (f64, f64) {
    evaluate_in(mlp, params, ws, pts, idx, grad, Mode::Eval)
}

/// [`evaluate`] in either mode. A training pass's dropout mask holds the factors of every row of `idx` (or of
/// `pts`) in order, as [`dropout_mask`] draws them.
///
/// # Panics
/// In a training pass of a network with batch normalisation, if the rows do not fit in one pass of `ws` (the
/// batch statistics are the whole batch's; the trainer sizes its workspace for its batch).
pub fn evaluate_in(
    mlp: &Mlp,
    params: &[f64],
    ws: &mut Workspace,
    pts: &Points,
    idx: Option<&[usize]>,
    mut grad: Option<&mut [f64]>,
    mode: Mode<'_>,
) -> (f64, f64) {
    let total = idx.map_or(pts.len(), <[usize]>::len);
    if let Some(g) = grad.as_deref_mut() {
        g.fill(0.0);
    }
    if total == 0 {
        return (f64::NAN, f64::NAN);
    }
    let train = matches!(mode, Mode::Train(_));
    assert!(
        !(train && mlp.batch_norm()) || total <= ws.capacity(),
        "a training pass with batch normalisation over {total} rows in a workspace of {}",
        ws.capacity()
    );
    let (mut loss, mut correct) = (0.0, 0);
    let mut start = 0;
    while start < total {
        let end = (start + ws.capacity()).min(total);
        match idx {
            Some(idx) => ws.load(idx[start..end].iter().map(|&i| (&pts.x[i][..], pts.y[i]))),
            None => ws.load((start..end).map(|i| (&pts.x[i][..], pts.y[i]))),
        };
        let mode = match mode {
            Mode::Train(Some(m)) => {
                let units = mlp.hidden_units();
                Mode::Train(Some(&m[start * units..end * units]))
            }
            other => other,
        };
        let s = mlp.pass_in(params, ws, grad.as_deref_mut().map(|g| (g, 1.0 / total as f64)), mode);
        loss += s.loss_sum;
        correct += s.correct;
        start = end;
    }
    (loss / total as f64, correct as f64 / total as f64)
}

/// The objective as the optimizer sees it during one step: this step's batch.
struct BatchOracle<'a> {
    mlp: &'a Mlp,
    ws: &'a mut Workspace,
    train: &'a Points,
    batch: &'a [usize],
    /// This step's dropout mask, the same for every gradient the optimizer asks for in the step.
    mask: Option<&'a [f64]>,
}

impl Oracle for BatchOracle<'_> {
    /// A training pass over the batch: the step's dropout mask, batch normalisation with the batch's statistics
    /// (the running statistics move once per step, with the step's first gradient: see [`Trainer`]).
    fn grad(&mut self, x: &[f64], out: &mut [f64]) {
        evaluate_in(self.mlp, x, self.ws, self.train, Some(self.batch), Some(out), Mode::Train(self.mask));
    }
    /// The exact batch Hessian ([`super::hessian::batch_hessian`], the R-operator), for at most
    /// `MAX_HESSIAN_PARAMS` parameters.
    fn hessian(&mut self, x: &[f64]) -> Option<Array2<f64>> {
        if x.len() > MAX_HESSIAN_PARAMS {
            return None;
        }
        Some(super::hessian::batch_hessian(self.mlp, x, self.train, Some(self.batch)))
    }
}

impl Trainer {
    /// Validates the spec, generates the data, draws the initial weights and builds the optimizer.
    pub fn new(spec: &TrainSpec) -> Result<Trainer, SpecError> {
        Trainer::sharing(spec, None)
    }

    /// [`Trainer::new`] for a comparison's later runs (see [`super::compare`]): the data and the workspace are
    /// `first`'s when it was built from the same `spec.data`, `spec.seed`, shuffle, model and batch size (as
    /// `compare` makes sure); built here when `None` or when any of these differs.
    pub(crate) fn sharing(spec: &TrainSpec, first: Option<&Trainer>) -> Result<Trainer, SpecError> {
        spec.validate()?;
        let first = first.filter(|t| {
            let f = &t.spec;
            (&f.data, f.seed, f.shuffle(), &f.model, f.batch_size) == (&spec.data, spec.seed, spec.shuffle(), &spec.model, spec.batch_size)
        });
        let data = match first {
            Some(t) => Arc::clone(&t.data),
            None => Arc::new(data::build_ordered(&spec.data, spec.shuffle(), &mut data_rng(spec.seed))?),
        };
        let n_train = data.train.len();
        if spec.batch_size > n_train {
            return Err(SpecError::new(
                "batch_size",
                format!("must be in [1, {n_train}] (the training set has {n_train} points), got {}", spec.batch_size),
            ));
        }
        let m = &spec.model;
        if m.batch_norm {
            check_norm_batches(spec.batch_size, n_train)?;
        }
        let mut mlp = Mlp::new(data.dim(), &m.hidden, data.classes, m.activation, m.loss);
        if m.batch_norm {
            mlp = mlp.with_batch_norm();
        }
        let n = mlp.n_params();
        if newton_of(&spec.optimizer).is_some() && n > MAX_HESSIAN_PARAMS {
            return Err(SpecError::new("optimizer", newton_too_big(n, MAX_HESSIAN_PARAMS)));
        }
        if newton_of(&spec.optimizer).is_some() && m.dropout > 0.0 {
            return Err(SpecError::new(
                "model.dropout",
                "Newton's method with dropout is not built: its Hessian is the whole network's, not the dropped-out one of \
                 each step; set dropout to 0 for Newton",
            ));
        }
        if newton_of(&spec.optimizer).is_some() && m.batch_norm {
            return Err(SpecError::new(
                "model.batch_norm",
                "Newton's method with batch normalisation is not built: its exact Hessian (the R-operator) does not go through \
                 the batch statistics; set batch_norm to false for Newton",
            ));
        }
        let params = match spec.init_params() {
            Some(p) if p.len() != n => {
                return Err(SpecError::new("init_params", format!("expected {n} numbers ({}), got {}", mlp.describe_params(), p.len())))
            }
            Some(p) => p.to_vec(),
            None => {
                let mut w = mlp.init(m.init, &mut init_rng(spec.seed));
                if m.init_gain != 1.0 {
                    for layer in mlp.layers() {
                        w[layer.weight_range()].iter_mut().for_each(|v| *v *= m.init_gain);
                    }
                }
                w
            }
        };
        let opt = build_optimizer(&spec.optimizer, &spec.adamw, &spec.schedule, &mlp)?;
        let n = params.len();
        let mut t = Trainer {
            spec: spec.clone(),
            ws: match first {
                Some(t) => Rc::clone(&t.ws),
                None => Rc::new(RefCell::new(mlp.workspace(workspace_rows(spec)))),
            },
            sampler: batch_sampler(spec, n_train),
            mlp,
            params,
            grad: vec![0.0; n],
            update: vec![0.0; n],
            opt,
            data,
            step: 0,
            samples: 0,
            last_lr: None,
            last_batch_loss: None,
            history: Vec::new(),
            diverged: None,
            deferred_rows: None,
            pending_eval: None,
            last_test_pred: None,
            drop_rng: dropout_rng(spec.seed),
            mask: Vec::new(),
        };
        t.record();
        Ok(t)
    }

    /// Takes up to `n` optimizer steps (fewer only if the run diverges) and returns how many it took.
    /// Metrics are recorded every `eval_every` steps. Nothing is allocated per step unless the optimizer
    /// itself allocates (Muon's Newton–Schulz, SAM's ascent direction).
    pub fn step_n(&mut self, n: usize) -> usize {
        for k in 0..n {
            if self.diverged.is_some() {
                return k;
            }
            self.step_once();
            if self.step.is_multiple_of(self.spec.eval_every) {
                self.record();
            }
        }
        n
    }

    fn step_once(&mut self) {
        let t = self.step + 1;
        let lr = self.spec.schedule.lr(self.spec.optimizer.base_lr(), self.step);
        let Trainer { mlp, params, grad, update, opt, data, sampler, ws, drop_rng, mask, spec, .. } = self;
        let batch = sampler.next_batch();
        let p = spec.model.dropout;
        let mask = (p > 0.0).then(|| {
            dropout_mask(drop_rng, p, batch.len(), mlp.hidden_units(), mask);
            &mask[..]
        });
        let (loss, res) = {
            let ws = &mut *ws.borrow_mut();
            let (loss, _) = evaluate_in(mlp, params, ws, &data.train, Some(batch), Some(grad), Mode::Train(mask));
            mlp.update_running_stats(ws);
            update.copy_from_slice(params);
            let mut oracle = BatchOracle { mlp, ws, train: &data.train, batch, mask };
            (loss, opt.step(params, grad, lr, &mut oracle))
        };
        // the update, and in the same pass whether every parameter is still finite (the divergence check)
        let mut finite = true;
        for (u, p) in update.iter_mut().zip(params.iter()) {
            *u = p - *u;
            finite &= p.is_finite();
        }
        self.samples += batch.len();
        self.step = t;
        self.last_lr = Some(lr);
        self.last_batch_loss = Some(loss);
        let reason = match res {
            Err(e) => Some(e.0),
            Ok(()) if !loss.is_finite() || loss.abs() > DIVERGENCE_LOSS => Some(format!("the batch loss reached {loss:e}")),
            Ok(()) if finite => None,
            Ok(()) => self.params.iter().find(|v| !v.is_finite()).map(|v| format!("a parameter became {v}")),
        };
        if let Some(reason) = reason {
            let singular = reason.contains("singular") && newton_of(&self.spec.optimizer).is_some_and(|c| c.damping == 0.0);
            let why = if singular { format!(". Why: {SINGULAR_NEWTON}") } else { String::new() };
            self.diverged = Some(Diverged { step: t, reason: format!("{reason} at step {t} (lr = {lr}){why}"), lr: Some(lr) });
            self.record();
        }
    }

    /// Evaluates and appends the current metrics to the history (once per step). In deferred mode (see
    /// [`Trainer::defer_evaluation`]) it starts the evaluation instead, finishing a previous one first.
    pub fn record(&mut self) {
        let pending_step = self.pending_eval.as_ref().map(|p| p.base.step);
        if self.history.last().is_some_and(|m| m.step == self.step) || pending_step == Some(self.step) {
            return;
        }
        if self.deferred_rows.is_none() {
            let m = self.metrics();
            self.history.push(m);
            return;
        }
        self.finish_evaluation();
        let base = Metrics {
            step: self.step,
            epoch: self.sampler.epochs(),
            samples: self.samples,
            lr: self.last_lr,
            batch_loss: self.last_batch_loss,
            train_loss: f64::NAN,
            train_accuracy: f64::NAN,
            test_loss: None,
            test_accuracy: None,
        };
        self.pending_eval = Some(PendingEval {
            base,
            params: self.params.clone(),
            running: self.mlp.running_stats().to_vec(),
            done: 0,
            train: (0.0, 0),
            test: (0.0, 0),
            test_pred: Vec::new(),
        });
    }

    /// Spreads every later evaluation over calls of [`Trainer::eval_work`] of `rows` rows each (`None`:
    /// evaluate at once, the default). The numbers are those of an evaluation at once.
    pub fn defer_evaluation(&mut self, rows: Option<usize>) {
        self.finish_evaluation();
        self.deferred_rows = rows.map(|r| r.max(1));
    }

    /// Whether an evaluation is in progress.
    pub fn evaluating(&self) -> bool {
        self.pending_eval.is_some()
    }

    /// Works on a deferred evaluation for one slice of rows; appends its metrics when it is complete.
    pub fn eval_work(&mut self) {
        let Some(rows) = self.deferred_rows else { return };
        let Trainer { pending_eval, mlp, data, ws, .. } = self;
        let Some(p) = pending_eval.as_mut() else { return };
        let (n_train, n_test) = (data.train.len(), data.test.len());
        let mut left = rows;
        let ws = &mut *ws.borrow_mut();
        // the evaluation's running statistics in, for these slices; the current ones back afterwards
        mlp.swap_running_stats(&mut p.running);
        while left > 0 && p.done < n_train + n_test {
            let (pts, start, total, acc) = if p.done < n_train {
                (&data.train, p.done, n_train, &mut p.train)
            } else {
                (&data.test, p.done - n_train, n_test, &mut p.test)
            };
            // whole chunks as [`evaluate`] cuts them, so the sums are added in the same order
            let end = (start + ws.capacity()).min(total);
            ws.load((start..end).map(|i| (&pts.x[i][..], pts.y[i])));
            let s = mlp.pass(&p.params, ws, None);
            acc.0 += s.loss_sum;
            acc.1 += s.correct;
            if p.done >= n_train {
                let out = ws.outputs();
                p.test_pred.extend(out.rows().into_iter().map(|r| (0..r.len()).fold(0, |b, j| if r[j] > r[b] { j } else { b })));
            }
            left = left.saturating_sub(end - start);
            p.done += end - start;
        }
        mlp.swap_running_stats(&mut p.running);
        if p.done >= n_train + n_test {
            let p = self.pending_eval.take().expect("checked");
            let mean = |(sum, correct): (f64, usize), n: usize| {
                if n == 0 {
                    (f64::NAN, f64::NAN)
                } else {
                    (sum / n as f64, correct as f64 / n as f64)
                }
            };
            let (train_loss, train_accuracy) = mean(p.train, n_train);
            let (test_loss, test_accuracy) = mean(p.test, n_test);
            let some = |v: f64| (n_test > 0).then_some(v);
            self.last_test_pred = Some((p.base.step, p.test_pred));
            self.history.push(Metrics {
                train_loss,
                train_accuracy,
                test_loss: some(test_loss),
                test_accuracy: some(test_accuracy),
                ..p.base
            });
        }
    }

    /// The predicted class of every test row at the step of the last deferred evaluation, when there was one.
    pub fn test_predictions(&self) -> Option<(usize, &[usize])> {
        self.last_test_pred.as_ref().map(|(s, p)| (*s, &p[..]))
    }

    /// Completes a deferred evaluation at once (e.g. when the run ends).
    pub fn finish_evaluation(&mut self) {
        while self.pending_eval.is_some() {
            self.eval_work();
        }
    }

    /// Evaluates the current weights on the whole training and test sets.
    pub fn metrics(&mut self) -> Metrics {
        let ws = &mut *self.ws.borrow_mut();
        let (train_loss, train_accuracy) = evaluate(&self.mlp, &self.params, ws, &self.data.train, None, None);
        let (test_loss, test_accuracy) = evaluate(&self.mlp, &self.params, ws, &self.data.test, None, None);
        let some = |v: f64| (!self.data.test.is_empty()).then_some(v);
        Metrics {
            step: self.step,
            epoch: self.sampler.epochs(),
            samples: self.samples,
            lr: self.last_lr,
            batch_loss: self.last_batch_loss,
            train_loss,
            train_accuracy,
            test_loss: some(test_loss),
            test_accuracy: some(test_accuracy),
        }
    }

    /// Metrics at step 0, every `eval_every` steps, and at divergence.
    pub fn history(&self) -> &[Metrics] {
        &self.history
    }

    /// Runs to `spec.steps` (or divergence) and records the final metrics.
    pub fn run_to_end(&mut self) {
        while self.step < self.spec.steps && self.diverged.is_none() {
            self.step_n((self.spec.steps - self.step).min(10_000));
        }
        self.record();
    }

    pub fn spec(&self) -> &TrainSpec {
        &self.spec
    }
    pub fn step(&self) -> usize {
        self.step
    }
    pub fn epoch(&self) -> usize {
        self.sampler.epochs()
    }
    pub fn samples(&self) -> usize {
        self.samples
    }
    pub fn diverged(&self) -> Option<&Diverged> {
        self.diverged.as_ref()
    }
    pub fn data(&self) -> &Data {
        &self.data
    }

    pub fn mlp(&self) -> &Mlp {
        &self.mlp
    }
    /// The flat parameter vector (layout in [`Mlp::layers`]).
    pub fn params(&self) -> &[f64] {
        &self.params
    }
    /// Layer `l`'s weight matrix (`fan_out × fan_in`).
    pub fn weight(&self, l: usize) -> ArrayView2<'_, f64> {
        self.mlp.weight(&self.params, l)
    }
    /// `x_t − x_{t−1}` of the last step, flat.
    pub fn last_update(&self) -> &[f64] {
        &self.update
    }
    /// Layer `l`'s part of the last update as a matrix (for the singular values of Muon's update).
    pub fn weight_update(&self, l: usize) -> ArrayView2<'_, f64> {
        self.mlp.weight(&self.update, l)
    }
    /// The last step's dropout factors (one per row of its batch and hidden unit, see [`dropout_mask`]); empty
    /// without dropout or before the first step.
    pub fn last_dropout_mask(&self) -> &[f64] {
        &self.mask
    }
    /// Indices (into `data().train`) of the last step's batch.
    pub fn last_batch(&self) -> &[usize] {
        self.sampler.current()
    }
    /// The optimizer's internal vectors after the last step (see [`Optimizer::internals`]).
    pub fn optimizer_internals(&self) -> Vec<(crate::optim::Key, Vec<f64>)> {
        self.opt.internals()
    }

    /// Class probabilities on an `nx × ny` grid of cell centres over `bounds`, for a heat map: entry
    /// `(row·nx + col)·classes + k`, row 0 at `y_max` (the top of an image), col 0 at `x_min`. With the
    /// squared loss the raw outputs are clamped to [0, 1] (scores, not probabilities). Sides are capped at
    /// [`MAX_GRID_SIDE`].
    pub fn predict_grid(&mut self, nx: usize, ny: usize, bounds: Bounds) -> Vec<f64> {
        let mut out = Vec::new();
        self.predict_grid_into(nx, ny, bounds, &mut out);
        out
    }

    /// [`predict_grid`](Self::predict_grid) into a reused buffer.
    pub fn predict_grid_into(&mut self, nx: usize, ny: usize, b: Bounds, out: &mut Vec<f64>) {
        let (nx, ny) = (nx.min(MAX_GRID_SIDE), ny.min(MAX_GRID_SIDE));
        let dx = (b.x_max - b.x_min) / nx.max(1) as f64;
        let dy = (b.y_max - b.y_min) / ny.max(1) as f64;
        out.clear();
        self.predict_into((0..nx * ny).map(|i| [b.x_min + ((i % nx) as f64 + 0.5) * dx, b.y_max - ((i / nx) as f64 + 0.5) * dy]), out);
    }

    /// Appends the outputs at each point (as many features as the data have: `[f64; 2]` for the plane)
    /// to `out` (`classes` values per point, as [`predict_grid`](Self::predict_grid)), in chunks of the
    /// workspace's rows.
    pub fn predict_into<P: AsRef<[f64]>>(&mut self, points: impl IntoIterator<Item = P>, out: &mut Vec<f64>) {
        let squared = self.mlp.loss == Loss::Squared;
        let mut points = points.into_iter().peekable();
        let ws = &mut *self.ws.borrow_mut();
        while points.peek().is_some() {
            let rows = ws.load(points.by_ref().take(ws.capacity()).map(|p| (p, 0)));
            if rows == 0 {
                break;
            }
            self.mlp.pass(&self.params, ws, None);
            out.extend(ws.outputs().iter().map(|&v| if squared { v.clamp(0.0, 1.0) } else { v }));
        }
    }

    /// ‖∂L/∂W_l‖ (Frobenius) of each layer's weights, input layer first, for the mean loss over the training
    /// rows `idx`, at `w` (the current weights when `None`), in the trainer's own workspace.
    pub fn layer_gradient_norms(&mut self, w: Option<&[f64]>, idx: &[usize]) -> Vec<f64> {
        let Trainer { mlp, ws, data, params, .. } = self;
        let w = w.unwrap_or(params);
        let mut g = vec![0.0; w.len()];
        evaluate(mlp, w, &mut ws.borrow_mut(), &data.train, Some(idx), Some(&mut g));
        mlp.layers().iter().map(|l| g[l.weight_range()].iter().map(|x| x * x).sum::<f64>().sqrt()).collect()
    }

    /// λ_max of the full training loss's Hessian at the current weights (see [`sharpness`]).
    pub fn sharpness(&mut self, opts: &PowerOptions) -> Sharpness {
        let Trainer { mlp, ws, data, params, .. } = self;
        let ws = &mut *ws.borrow_mut();
        let mut g = |p: &[f64], out: &mut [f64]| {
            evaluate(mlp, p, ws, &data.train, None, Some(out));
        };
        sharpness::lambda_max(&mut g, params, opts)
    }

    /// The training (and test) loss at `w + α·d` for `points` values of α evenly spaced in
    /// `[−radius, radius]`, along a random filter-normalised direction `d` drawn from `seed`.
    pub fn loss_slice(&mut self, radius: f64, points: usize, seed: u64) -> LossSlice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(5);
        let d = sharpness::filter_normalised_direction(&self.mlp, &self.params, &mut rng);
        let points = points.clamp(2, 1001);
        let mut slice = LossSlice { alpha: Vec::new(), train_loss: Vec::new(), test_loss: Vec::new(), direction: d };
        let mut w = self.params.clone();
        let ws = &mut *self.ws.borrow_mut();
        for i in 0..points {
            let a = -radius + 2.0 * radius * i as f64 / (points - 1) as f64;
            for ((wi, pi), di) in w.iter_mut().zip(&self.params).zip(&slice.direction) {
                *wi = pi + a * di;
            }
            slice.alpha.push(a);
            slice.train_loss.push(evaluate(&self.mlp, &w, ws, &self.data.train, None, None).0);
            if !self.data.test.is_empty() {
                slice.test_loss.push(evaluate(&self.mlp, &w, ws, &self.data.test, None, None).0);
            }
        }
        slice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A later run shares the first run's data and workspace only when they were built for its data, seed,
    /// model and batch size; otherwise it builds its own (and trains as a run of its own would).
    #[test]
    fn a_run_shares_only_what_was_built_for_its_shape() {
        let first = Trainer::new(&TrainSpec::default()).unwrap();
        let same = Trainer::sharing(&TrainSpec::default(), Some(&first)).unwrap();
        assert!(Arc::ptr_eq(&same.data, &first.data) && Rc::ptr_eq(&same.ws, &first.ws));
        for change in [|s: &mut TrainSpec| s.model.hidden = vec![3], |s: &mut TrainSpec| s.batch_size = 40, |s: &mut TrainSpec| s.seed += 1]
        {
            let mut other = TrainSpec::default();
            change(&mut other);
            let mut shared = Trainer::sharing(&other, Some(&first)).unwrap();
            assert!(!Rc::ptr_eq(&shared.ws, &first.ws), "{other:?}");
            let mut own = Trainer::new(&other).unwrap();
            assert_eq!(shared.step_n(5), 5);
            own.step_n(5);
            assert_eq!(shared.params(), own.params(), "{other:?}");
        }
    }
}
