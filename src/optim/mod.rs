//! Optimizers.
//!
//! Following optax, most optimizers are a [`Chain`] of tiny [`Transform`]s that turn a gradient into an
//! update; the chain *is* the lecture's explanation:
//!
//! | optimizer | chain |
//! |---|---|
//! | SGD (+L2, momentum, Nesterov) | `add_decayed_weights(wd) → momentum → scale(−lr)` |
//! | AdaGrad | `add_decayed_weights(wd) → scale_by_adagrad → scale(−lr/(1+(t−1)·lr_decay))` |
//! | RMSProp | `add_decayed_weights(wd) → scale_by_rms → momentum → scale(−lr)` |
//! | Adam (+L2) | `add_decayed_weights(wd) → scale_by_adam → scale(−lr)` |
//! | AdamW | `scale_by_adam → add_decayed_weights(wd) → scale(−lr)` |
//! | Muon | `muon_momentum → orthogonalize → scale(shape) → add_decayed_weights(wd) → scale(−lr)` |
//!
//! The L2 penalty and decoupled weight decay are the *same* transform in a different place of the chain.
//! Lookahead and SAM wrap any optimizer; Newton's method asks the objective for its Hessian.

pub mod adagrad;
pub mod adam;
pub mod config;
pub mod lion;
pub mod lookahead;
pub mod muon;
pub mod newton;
pub mod rmsprop;
pub mod sam;
pub mod schedule;
pub mod sgd;
pub mod transforms;

pub use adagrad::Adagrad;
pub use adam::{Adam, Coupled, Decoupled};
pub use lion::Lion;
pub use lookahead::{Lookahead, LookaheadSpec};
pub use muon::{Muon, MuonScale};
pub use newton::{Newton, NewtonSpec};
pub use rmsprop::Rmsprop;
pub use sam::{dual_ascent, Sam, SamSpec};
pub use sgd::Sgd;
pub use transforms::{Chain, Transform};

use crate::checks::{check_range, SpecError};
use serde::{Deserialize, Deserializer, Serialize};

/// What every optimizer family's config provides (implemented beside the config, in the family's file).
pub trait OptimizerConfig {
    /// The base learning rate a schedule scales (a wrapper's is its inner optimizer's).
    fn base_lr(&self) -> f64;
    /// Validates every field (naming it by `path`) and builds the optimizer for parameters of shape
    /// `rows × cols` (`n × 1` for vectors); `depth` is the nesting depth of wrappers so far.
    fn build(&self, shape: (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError>;
    /// The work of one step on parameters of `shape`, for the work estimate of `optlab run` (see [`StepCost`]).
    /// The default is one gradient and a few element-wise passes.
    fn cost(&self, (rows, cols): (usize, usize)) -> StepCost {
        StepCost { gradients: 1.0, hessians: 0.0, own: ELEMENTWISE * (rows * cols) as f64 }
    }
}

/// Estimated nanoseconds per parameter of an element-wise optimizer step (a few passes over the vectors).
pub const ELEMENTWISE: f64 = 10.0;
/// Estimated nanoseconds per multiply-add in a dense matrix product (ndarray's blocked, vectorised kernel;
/// calibrated by `examples/work_calibration.rs`: Muon on 64×128 least squares).
pub const GEMM_NS: f64 = 0.1;
/// Estimated nanoseconds per multiply-add in a dense factorisation (nalgebra's LU and symmetric eigenvalues;
/// calibrated on Newton with 256 parameters).
pub const FACTOR_NS: f64 = 0.4;

/// What one optimizer step costs: how many gradients and Hessians of the objective it asks for, and its own
/// arithmetic in estimated native nanoseconds (one multiply-add ≈ 1 ns, as in the training chapter's model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepCost {
    pub gradients: f64,
    pub hessians: f64,
    pub own: f64,
}

/// What the app asks of an optimizer family besides building it, implemented beside the config in the
/// family's file: the knobs a chapter turns on any kind (its learning rate, its decoupled decay) and the
/// family's entries in the race chapter. With these, a new optimizer reaches the CLI, the race, the training
/// chapter's selects and the tests from its own file and its registry line.
pub trait Family {
    /// Sets the base learning rate (a wrapper's is its inner optimizer's).
    fn set_base_lr(&mut self, lr: f64);
    /// The decoupled weight decay (multiplied by lr and applied to the weights, as AdamW's), where the family
    /// has one; `None` for an L2 penalty added to the gradient or no decay.
    fn decoupled_decay(&mut self) -> Option<&mut f64> {
        None
    }
    /// The family's racers in the race chapter, with their learning rates tuned on [`RACE_LANDSCAPES`].
    fn racers() -> Vec<Racer>
    where
        Self: Sized,
    {
        Vec::new()
    }
}

/// The landscapes of the race chapter, in the order of every [`Racer`]'s tuned learning rates.
pub const RACE_LANDSCAPES: [&str; 5] = ["conditioned_quadratic", "saddle", "rosenbrock", "plateau", "flat_sharp"];

/// One racer of the race chapter, declared by its family ([`Family::racers`]): its name in the legend and the
/// table, how it is built from a learning rate, and its learning rate tuned per landscape (in the order of
/// [`RACE_LANDSCAPES`]) by `tune_race_rates` in `app/race.rs`: a grid search over 1, 2, 5 × 10^k ≤ 10 with the
/// best worst case over four starts in 200 steps. AdamW runs at Adam's rate (with PyTorch's default decay
/// 0.01), so the two differ only by the decay; Newton keeps its full step 1. The saddle has no minimum to
/// tune for; its curvatures are ±2, twice the quadratic's largest, so it uses half the quadratic's rates
/// (Newton's stays 1).
#[derive(Clone, Copy, Debug)]
pub struct Racer {
    pub name: &'static str,
    pub build: fn(f64) -> OptimizerSpec,
    pub lrs: [f64; 5],
    /// The largest step size the race gives it (the lr scale multiplies the tuned rate up to this).
    pub max_lr: f64,
}

impl Racer {
    /// A racer without a cap on its step size.
    pub fn new(name: &'static str, build: fn(f64) -> OptimizerSpec, lrs: [f64; 5]) -> Racer {
        Racer { name, build, lrs, max_lr: f64::INFINITY }
    }
}

/// Every racer of every kind, in the order of [`KINDS`].
pub fn racers() -> Vec<Racer> {
    KINDS.iter().flat_map(|k| (k.racers)()).collect()
}

/// One optimizer kind of the registry: its spec name, its label on the page, and its default config.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    /// The spec's `kind` (also the CLI's and the URL's name).
    pub kind: &'static str,
    /// The name shown on the page.
    pub label: &'static str,
    /// Wraps another optimizer (`inner`).
    pub wrapper: bool,
    default: fn() -> OptimizerSpec,
    racers: fn() -> Vec<Racer>,
}

impl Kind {
    /// This kind with every field at its default.
    pub fn default_spec(&self) -> OptimizerSpec {
        (self.default)()
    }

    /// Whether this kind has a decoupled weight decay (see [`Family::decoupled_decay`]).
    pub fn has_decoupled_decay(&self) -> bool {
        self.default_spec().decoupled_decay().is_some()
    }
}

/// The registry: the one list of optimizer kinds. The spec enum, its field-path reader, `kind()`,
/// [`KINDS`] (from which the CLI help, the app's selects and racers, the tests and the README table derive)
/// all come from this one declaration; adding an optimizer is its file (config, [`OptimizerConfig`],
/// [`Family`], transform, tests) and one line here (plus, for a stateful stage, its [`StageState`] variant).
macro_rules! optimizers {
    ($( $(#[$doc:meta])* $variant:ident($config:ty) = $kind:literal, $label:literal, wrapper: $wrapper:literal; )*) => {
        /// Every optimizer of the lecture, selected by `kind`.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "kind")]
        pub enum OptimizerSpec {
            $( $(#[$doc])* #[serde(rename = $kind)] $variant($config), )*
        }

        /// The externally tagged twin that reads [`OptimizerSpec`] with field paths (see [`crate::checks::tagged`]).
        #[derive(Deserialize)]
        #[serde(remote = "OptimizerSpec")]
        enum OptimizerSpecDe {
            $( #[serde(rename = $kind)] $variant($config), )*
        }

        /// Every optimizer kind, in the order of the lecture.
        pub const KINDS: &[Kind] = &[
            $( Kind {
                kind: $kind,
                label: $label,
                wrapper: $wrapper,
                default: || OptimizerSpec::$variant(Default::default()),
                racers: <$config as Family>::racers,
            }, )*
        ];

        impl OptimizerSpec {
            /// The spec's `kind`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( OptimizerSpec::$variant(_) => $kind, )*
                }
            }

            fn config(&self) -> &dyn OptimizerConfig {
                match self {
                    $( OptimizerSpec::$variant(c) => c, )*
                }
            }

            /// Sets the base learning rate (a wrapper's inner optimizer's).
            pub fn set_base_lr(&mut self, lr: f64) {
                match self {
                    $( OptimizerSpec::$variant(c) => c.set_base_lr(lr), )*
                }
            }

            /// The decoupled weight decay, where the kind has one (see [`Family::decoupled_decay`]).
            pub fn decoupled_decay(&mut self) -> Option<&mut f64> {
                match self {
                    $( OptimizerSpec::$variant(c) => c.decoupled_decay(), )*
                }
            }
        }
    };
}

optimizers! {
    Sgd(Sgd) = "sgd", "SGD", wrapper: false;
    Adagrad(Adagrad) = "adagrad", "AdaGrad", wrapper: false;
    Rmsprop(Rmsprop) = "rmsprop", "RMSProp", wrapper: false;
    Adam(Adam<Coupled>) = "adam", "Adam", wrapper: false;
    Adamw(Adam<Decoupled>) = "adamw", "AdamW", wrapper: false;
    Lookahead(LookaheadSpec) = "lookahead", "Lookahead", wrapper: true;
    Sam(SamSpec) = "sam", "SAM", wrapper: true;
    Muon(Muon) = "muon", "Muon", wrapper: false;
    Lion(Lion) = "lion", "Lion", wrapper: false;
    Newton(NewtonSpec) = "newton", "Newton", wrapper: false;
}

/// Largest Newton–Schulz step count accepted.
pub const MAX_NS_STEPS: usize = 50;
/// Deepest nesting of wrappers (`inner` in `inner` …) accepted.
pub const MAX_DEPTH: usize = 4;

impl crate::checks::tagged::ByKind for OptimizerSpec {
    const WHAT: &'static str = "an optimizer";
    fn deserialize_enum<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        OptimizerSpecDe::deserialize(d)
    }
}

impl<'de> Deserialize<'de> for OptimizerSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::checks::tagged::deserialize(d)
    }
}

impl OptimizerSpec {
    /// The kind's registry entry.
    pub fn info(&self) -> &'static Kind {
        let k = self.kind();
        KINDS.iter().find(|i| i.kind == k).expect("every variant is in KINDS")
    }

    /// The base learning rate the schedule scales (a wrapper's is its inner optimizer's).
    pub fn base_lr(&self) -> f64 {
        self.config().base_lr()
    }

    /// The work of one step on parameters of `shape` (see [`StepCost`]).
    pub fn cost(&self, shape: (usize, usize)) -> StepCost {
        self.config().cost(shape)
    }

    /// Validates every field (naming it by `path`) and builds the optimizer for parameters of shape
    /// `rows × cols` (`n × 1` for vectors).
    pub fn build(&self, shape: (usize, usize), path: &str) -> Result<Box<dyn Optimizer>, SpecError> {
        self.build_at(shape, path, 0)
    }

    /// [`OptimizerSpec::build`] for a config nested `depth` wrappers deep.
    pub fn build_at(&self, shape: (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        if depth > MAX_DEPTH {
            return Err(SpecError::new(path, format!("optimizers may be nested at most {MAX_DEPTH} deep")));
        }
        self.config().build(shape, path, depth)
    }
}

/// The learning rate every optimizer accepts: `[0, 1e6]`.
pub(crate) fn check_lr(path: &str, lr: f64) -> Result<(), SpecError> {
    check_range(path, "lr", lr, 0.0, 1e6)
}

/// The weight decay every optimizer accepts: `[0, 1e3]`.
pub(crate) fn check_weight_decay(path: &str, wd: f64) -> Result<(), SpecError> {
    check_range(path, "weight_decay", wd, 0.0, 1e3)
}

use ndarray::Array2;

/// What an optimizer may ask of the objective during one step. Every call within one step sees the same
/// mini-batch (SAM's two gradients are taken on one batch, as in the SAM reference code).
pub trait Oracle {
    /// Gradient at `x` into `out`.
    fn grad(&mut self, x: &[f64], out: &mut [f64]);
    /// Hessian at `x` (row-major over the flattened parameters), where the objective has one.
    fn hessian(&mut self, x: &[f64]) -> Option<Array2<f64>>;
}

/// Which internal quantity of an optimizer a series is (see [`Optimizer::internals`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Internal {
    /// A momentum buffer (SGD's, Muon's, Lion's).
    Momentum,
    /// AdaGrad's sum of squared gradients.
    Accumulator,
    /// Adam's first moment.
    FirstMoment,
    /// The second moment (RMSProp, Adam).
    SecondMoment,
    /// The per-coordinate factor the adaptive methods multiply the gradient by.
    StepScale,
    /// SAM's ascent step ε̂.
    EpsHat,
    /// The gradient SAM steps with, ∇f(x + ε̂).
    SamGrad,
    /// Lookahead's slow weights.
    Slow,
    /// A chain's final update.
    Update,
    /// The shift τ of damped Newton's last step.
    Shift,
    /// The matrix Muon's Newton–Schulz stage received at the last step: the momentum, Nesterov-combined with the
    /// gradient when `nesterov` is on.
    MsignInput,
}

/// The key of an internal series: the quantity, how many wrappers deep its optimizer sits (0 is the
/// outermost: Lookahead's slow weights are depth 0, the momentum of the optimizer inside it depth 1), and
/// the parameter group (a training's Muon + AdamW groups), so that nested or grouped optimizers never merge
/// two series under one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Key {
    pub what: Internal,
    pub depth: u8,
    pub group: u8,
}

impl Key {
    /// A quantity of the optimizer itself.
    pub fn top(what: Internal) -> Key {
        Key { what, depth: 0, group: 0 }
    }
    /// The same quantity seen from the wrapper around its optimizer.
    pub fn inner(self) -> Key {
        Key { depth: self.depth.saturating_add(1), ..self }
    }
}

/// An oracle for optimizers that never call back (every chain of transforms): no gradient, no Hessian.
pub struct NoOracle;

impl Oracle for NoOracle {
    fn grad(&mut self, _x: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = 0.0);
    }
    fn hessian(&mut self, _x: &[f64]) -> Option<Array2<f64>> {
        None
    }
}

/// Why a step could not be taken. The run stops there and reports it; nothing panics.
#[derive(Clone, Debug, PartialEq)]
pub struct StepError(pub String);

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stateful optimizer over a flat parameter vector (matrices are flattened row-major).
pub trait Optimizer {
    /// One step: `x` is replaced by the next iterate. `g` is the gradient at `x` on this step's batch and
    /// `lr` the scheduled learning rate for this step.
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, oracle: &mut dyn Oracle) -> Result<(), StepError>;

    /// Internal vectors after the last step, for plots (effective step sizes, SAM's ε̂, Lookahead's slow
    /// weights), each under a typed [`Key`]. Empty by default.
    fn internals(&self) -> Vec<(Key, Vec<f64>)> {
        Vec::new()
    }

    /// The state carried from one step to the next (PyTorch's `state_dict`), typed.
    fn state(&self) -> OptState;

    /// Loads a state saved by [`Optimizer::state`] from an optimizer built from the same spec for the same
    /// shape: the next steps are then bit for bit those the saved optimizer would have taken. A state of
    /// another optimizer or size is refused with the reason.
    fn load_state(&mut self, state: OptState) -> Result<(), StepError>;
}

/// An optimizer's state between steps (see [`Optimizer::state`]): typed data, nested like the optimizer
/// (a wrapper's state holds its inner optimizer's), serialisable with serde.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptState {
    /// A chain of transforms: one state per stage, in order.
    Chain { stages: Vec<StageState> },
    /// Lookahead: steps taken, the slow weights (set at the first step) and the inner optimizer's state.
    Lookahead { t: usize, slow: Option<Vec<f64>>, inner: Box<OptState> },
    /// SAM keeps nothing between steps but its inner optimizer's state.
    Sam { inner: Box<OptState> },
    /// Newton's method keeps nothing between steps.
    Newton,
    /// Parameter groups (a training's Muon + AdamW split): the step count and each group's state.
    Groups { t: usize, groups: Vec<OptState> },
}

/// The state of one transform of a [`Chain`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum StageState {
    /// A stage without state (weight decay, a constant scale).
    Stateless,
    /// Steps taken (AdaGrad's lr decay counts them).
    LearningRate { t: u64 },
    /// PyTorch's momentum buffer (none before the first step).
    Momentum { buf: Option<Vec<f64>> },
    /// AdaGrad's sum of squared gradients.
    Adagrad { sum: Vec<f64> },
    /// RMSProp's mean square (and mean, when centered).
    Rms { sq: Vec<f64>, avg: Vec<f64> },
    /// Adam's step count and moments (and AMSGrad's running maximum).
    Adam { t: i32, m: Vec<f64>, v: Vec<f64>, vmax: Vec<f64> },
    /// Muon's momentum buffer.
    MuonMomentum { buf: Vec<f64> },
    /// Lion's momentum.
    Lion { m: Vec<f64> },
}

impl OptState {
    /// How many numbers per parameter the state keeps between steps (momentum buffers, moments, slow
    /// weights; step counters aside): the optimizer's memory cost, read from its actual state.
    pub fn numbers_per_parameter(&self, n: usize) -> f64 {
        self.numbers() as f64 / n.max(1) as f64
    }

    fn numbers(&self) -> usize {
        match self {
            OptState::Chain { stages } => stages.iter().map(StageState::numbers).sum(),
            OptState::Lookahead { slow, inner, .. } => slow.as_ref().map_or(0, Vec::len) + inner.numbers(),
            OptState::Sam { inner } => inner.numbers(),
            OptState::Newton => 0,
            OptState::Groups { groups, .. } => groups.iter().map(OptState::numbers).sum(),
        }
    }
}

impl StageState {
    fn numbers(&self) -> usize {
        match self {
            StageState::Stateless | StageState::LearningRate { .. } => 0,
            StageState::Momentum { buf } => buf.as_ref().map_or(0, Vec::len),
            StageState::Adagrad { sum } => sum.len(),
            StageState::Rms { sq, avg } => sq.len() + avg.len(),
            StageState::Adam { m, v, vmax, .. } => m.len() + v.len() + vmax.len(),
            StageState::MuonMomentum { buf } => buf.len(),
            StageState::Lion { m } => m.len(),
        }
    }

    /// The error for loading `self` into a stage that expects `what`.
    pub fn mismatch(&self, what: &str) -> StepError {
        StepError(format!("cannot load a {self:?} state into {what}").chars().take(200).collect())
    }
}

/// Checks that a loaded vector has the optimizer's length.
pub(crate) fn same_len(what: &str, v: &[f64], n: usize) -> Result<(), StepError> {
    if v.len() == n {
        Ok(())
    } else {
        Err(StepError(format!("{what}: the saved state has {} numbers, the optimizer {n}", v.len())))
    }
}
