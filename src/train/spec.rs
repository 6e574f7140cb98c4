//! The training spec: data, model, optimizer, schedule, batch size, steps, seed.
//!
//! Plain serde data like the core [`Spec`](crate::spec::Spec): unknown fields are rejected, missing ones
//! take their defaults, and [`TrainSpec::validate`] names a bad value by its path (`model.hidden[2]`).
//!
//! ```json
//! { "data": {"kind": "moons", "n": 500, "noise": 0.1, "label_noise": 0.0, "train_fraction": 0.5},
//!   "model": {"hidden": [8, 8], "activation": "tanh", "loss": "cross_entropy"},
//!   "optimizer": {"kind": "muon", "lr": 0.02},
//!   "adamw": {"lr": 0.01},
//!   "schedule": {"kind": "constant"},
//!   "batch_size": 10, "steps": 2000, "seed": 0, "eval_every": 50 }
//! ```
//!
//! **Reproducing a PyTorch run** (the contract the golden trainings in `tests/train_golden.rs` pin):
//! - `init_params` (optional, top level): the initial parameters in the order of
//!   `torch.cat([p.flatten() for p in model.parameters()])` for `nn.Sequential(Linear, act, …, Linear)`,
//!   i.e. per layer the weight (`fan_out × fan_in`, row-major) then the bias — optlab's own layout (see
//!   [`super::mlp`]). A wrong count is refused naming the layer sizes. Without it the weights are drawn
//!   from the seed (`model.init`).
//! - `data.shuffle` (default `true`): with `false` the training split is the first
//!   `round(train_fraction·n)` rows in file order (the rest is the test set) and batch `k` of every epoch
//!   is rows `[kB, (k+1)B)`, the last batch of an epoch smaller (`DataLoader(shuffle=False,
//!   drop_last=False)`). With `train_fraction: 1` and `noise: 0` a CSV's rows are used exactly as given.
//!
//! (In Rust both live in [`ModelSpec`] as `init_params` and `shuffle`, so that code building `DataSpec`
//! and `TrainSpec` by struct literal keeps compiling; the JSON shape above is the contract, and
//! [`TrainSpec::init_params`] and [`TrainSpec::shuffle`] read them.)
//!
//! **Muon and `adamw`.** Muon is applied as in practice (Keller Jordan 2024): it trains the hidden-to-hidden
//! weight matrices, each with its own `fan_out × fan_in` shape; the first layer's and the last layer's
//! weights and every bias are trained by AdamW with the settings of the top-level `adamw` field
//! (PyTorch's AdamW defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01). `adamw` is read
//! only when the optimizer is Muon (also inside SAM or Lookahead). The schedule scales each group from its
//! own base lr, as a PyTorch scheduler does for every param group.

use super::csv::MAX_CLASSES;
use super::mlp::{Activation, Init, Loss};
use crate::checks::Problems;
use crate::optim::config::{Adam, Decoupled};
use crate::optim::schedule::ScheduleSpec;
use crate::optim::OptimizerSpec;
use crate::spec::{check_range, SpecError};
use serde::{Deserialize, Serialize};

/// Most generated points.
pub const MAX_POINTS: usize = 10_000;
/// Most hidden layers.
pub const MAX_HIDDEN_LAYERS: usize = 4;
/// Widest hidden layer.
pub const MAX_WIDTH: usize = 64;
/// Longest training run.
pub const MAX_TRAIN_STEPS: usize = 1_000_000;
/// Longest label.
pub const MAX_LABEL: usize = 120;
/// Most numbers in `init_params` (a 784-64-64-64-64-8 network has 63,496 parameters).
pub const MAX_INIT_PARAMS: usize = 100_000;
/// Largest magnitude of an initial parameter.
pub const MAX_INIT_ABS: f64 = 1e6;
/// Range of `model.init_gain`.
pub const MIN_INIT_GAIN: f64 = 0.01;
pub const MAX_INIT_GAIN: f64 = 100.0;
/// Largest `model.dropout` (at 0.9 one unit in ten is kept).
pub const MAX_DROPOUT: f64 = 0.9;

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Which data set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    #[default]
    Moons,
    Circles,
    Spirals,
    Xor,
    Blobs,
    /// The text in `csv` (see [`super::csv`]).
    Csv,
    /// The 1,797 8×8 handwritten digits (see [`super::digits`]): 64 features in [0, 1], 10 classes; `n` and
    /// `classes` are not read.
    Digits,
}

/// The data: a generated set of `n` points (or the rows of `csv`), input noise, label noise on the
/// training split, and the fraction of points used for training (the rest is the test set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSpec {
    pub kind: DataKind,
    /// Number of generated points (train + test); the CSV's row count for `kind = "csv"`.
    pub n: usize,
    /// Standard deviation of the Gaussian noise added to each coordinate (also to CSV points).
    pub noise: f64,
    /// Fraction of training labels flipped to another class.
    pub label_noise: f64,
    pub train_fraction: f64,
    /// Number of classes of `spirals` and `blobs` (moons, circles and XOR have 2; a CSV has max label + 1).
    pub classes: usize,
    /// `x1,…,xd,label` rows, for `kind = "csv"` only (`d` features, see [`super::csv`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec { kind: DataKind::Moons, n: 500, noise: 0.1, label_noise: 0.0, train_fraction: 0.5, classes: 2, csv: None }
    }
}

/// The network: hidden widths, nonlinearity, loss and initialisation. The input has one unit per feature
/// of the data (2 for the generated sets), the output one per class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSpec {
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub loss: Loss,
    pub init: Init,
    /// Multiplies every initial weight drawn by `init` (its standard deviation; biases start at 0 anyway), as
    /// PyTorch's `gain` of `nn.init.xavier_normal_`: 1 is the rule itself, below 1 shrinks the signal from layer
    /// to layer, above 1 grows it (vanishing and exploding gradients). Left out of the JSON when 1.
    #[serde(skip_serializing_if = "is_one")]
    pub init_gain: f64,
    /// Dropout on every hidden layer's outputs during the training steps (PyTorch's `nn.Dropout(p)` after each
    /// hidden activation): each unit of each row of a step's batch is zeroed with probability `p` and the rest
    /// scaled by `1/(1 − p)`; the evaluations (losses, accuracies, predictions, sharpness) use the whole network,
    /// as `model.eval()` does. One mask per step, shared by the step's gradient evaluations (SAM's two) and drawn
    /// from the seed's dropout stream whatever the optimizer, so the runs of a comparison drop the same units.
    /// 0 (no dropout) to [`MAX_DROPOUT`]; left out of the JSON when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub dropout: f64,
    /// Batch normalisation between every hidden layer's affine map and its activation (PyTorch's `Linear →
    /// BatchNorm1d → activation`, ε 1e-5, momentum 0.1): a training step normalises each unit with its batch's
    /// mean and variance, then scales and shifts it by the learned `γ` and `β` (parameters after the layer's
    /// bias); the evaluations use the running statistics, which move once per step, with the step's first
    /// gradient (SAM's second gradient leaves them, as `disable_running_stats` in SAM's reference code does).
    /// Every batch needs two points or more. Left out of the JSON when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub batch_norm: bool,
    /// The JSON spec's top-level `init_params` (see the module docs); `None` draws the weights by `init`.
    #[serde(skip)]
    pub init_params: Option<Vec<f64>>,
    /// The JSON spec's `data.shuffle` (see the module docs).
    #[serde(skip)]
    pub shuffle: bool,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            hidden: vec![8, 8],
            activation: Activation::Tanh,
            loss: Loss::CrossEntropy,
            init: Init::Auto,
            init_gain: 1.0,
            dropout: 0.0,
            batch_norm: false,
            init_params: None,
            shuffle: true,
        }
    }
}

/// One training run. Its JSON form is [`wire::TrainSpecJson`] (the fields below, plus `init_params` and
/// `data.shuffle`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "wire::TrainSpecJson", into = "wire::TrainSpecJson")]
pub struct TrainSpec {
    /// Shown in plots and the command line's output; the optimizer's kind when empty.
    pub label: String,
    pub data: DataSpec,
    pub model: ModelSpec,
    pub optimizer: OptimizerSpec,
    /// AdamW for the parameters Muon does not train (read only when the optimizer is Muon).
    pub adamw: Adam<Decoupled>,
    pub schedule: ScheduleSpec,
    pub batch_size: usize,
    /// Steps of a complete run (the command line and [`compare`](super::compare) run this many).
    pub steps: usize,
    /// Governs the data, the initial weights and the batch order, each from its own stream, so runs that
    /// differ only in the optimizer start from the same weights and see the same batches.
    pub seed: u64,
    /// Metrics are recorded at step 0 and every `eval_every` steps.
    pub eval_every: usize,
}

impl TrainSpec {
    /// The speed bench's training (`bench_training_us_per_sample` in the browser): TensorFlow Playground's
    /// set-up — circles, 500 points, a 2-8-8 tanh network, SGD with lr 0.03, batches of 10 — with
    /// evaluation switched off. Built as a struct, not parsed from JSON text, so that the wasm does not
    /// carry the JSON text parser for it (226 KB of code before gzip).
    pub fn playground_bench() -> TrainSpec {
        TrainSpec {
            data: DataSpec { kind: DataKind::Circles, n: 500, ..DataSpec::default() },
            model: ModelSpec { hidden: vec![8, 8], activation: Activation::Tanh, ..ModelSpec::default() },
            optimizer: OptimizerSpec::Sgd(crate::optim::sgd::Sgd { lr: 0.03, ..Default::default() }),
            batch_size: 10,
            steps: 1_000_000,
            eval_every: 1_000_000,
            ..TrainSpec::default()
        }
    }
}

impl Default for TrainSpec {
    fn default() -> Self {
        let mut adam = Adam::<crate::optim::config::Coupled>::default();
        adam.lr = 0.01;
        TrainSpec {
            label: String::new(),
            data: DataSpec::default(),
            model: ModelSpec::default(),
            optimizer: OptimizerSpec::Adam(adam),
            adamw: Adam::default(),
            schedule: ScheduleSpec::Constant,
            batch_size: 10,
            steps: 1000,
            seed: 0,
            eval_every: 50,
        }
    }
}

impl TrainSpec {
    /// Parses JSON and validates it; errors name the field path.
    pub fn from_json(text: &str) -> Result<TrainSpec, SpecError> {
        // every field of the wrong type, then every range problem of the others, in one error
        let (spec, errors) = crate::spec::parse_json_all::<TrainSpec>(text)?;
        let mut pr = crate::checks::Problems::new();
        errors.into_iter().for_each(|e| pr.push(e));
        if let Some(s) = &spec {
            pr.check(s.validate());
        }
        pr.finish_with(spec)
    }

    /// The initial parameters in PyTorch's order, when given (JSON: top-level `init_params`).
    pub fn init_params(&self) -> Option<&[f64]> {
        self.model.init_params.as_deref()
    }

    /// Whether the split and the batches are drawn at random (JSON: `data.shuffle`, default `true`).
    pub fn shuffle(&self) -> bool {
        self.model.shuffle
    }

    /// The run's label (the optimizer's kind when none was given).
    pub fn label(&self) -> String {
        if self.label.is_empty() {
            self.optimizer.kind().to_string()
        } else {
            self.label.clone()
        }
    }

    /// Checks everything that does not need the data, and reports every problem found at once. The optimizer's
    /// fields are checked here too (built for one parameter); the trainer builds it again for the network.
    pub fn validate(&self) -> Result<(), SpecError> {
        let mut pr = Problems::new();
        let len = self.label.chars().count();
        if len > MAX_LABEL {
            pr.push(SpecError::new("label", format!("must be at most {MAX_LABEL} characters, got {len}")));
        }
        pr.check(self.data.validate());
        let m = &self.model;
        if m.hidden.len() > MAX_HIDDEN_LAYERS {
            pr.push(SpecError::new("model.hidden", format!("at most {MAX_HIDDEN_LAYERS} hidden layers, got {}", m.hidden.len())));
        } else {
            for (i, &w) in m.hidden.iter().enumerate() {
                pr.check(check_range("model", &format!("hidden[{i}]"), w as f64, 1.0, MAX_WIDTH as f64));
            }
        }
        pr.check(check_range("model", "init_gain", m.init_gain, MIN_INIT_GAIN, MAX_INIT_GAIN));
        pr.check(check_range("model", "dropout", m.dropout, 0.0, MAX_DROPOUT));
        if let Some(p) = &m.init_params {
            if p.len() > MAX_INIT_PARAMS {
                pr.push(SpecError::new("init_params", format!("at most {MAX_INIT_PARAMS} numbers, got {}", p.len())));
            } else if let Some(i) = p.iter().position(|v| !v.is_finite() || v.abs() > MAX_INIT_ABS) {
                pr.push(SpecError::new(
                    format!("init_params[{i}]"),
                    format!("must be a finite number with |v| ≤ {MAX_INIT_ABS:e}, got {}", crate::checks::shown(p[i])),
                ));
            }
        }
        pr.check(self.optimizer.build((1, 1), "optimizer").map(|_| ()));
        if super::groups::uses_muon(&self.optimizer) {
            pr.check(OptimizerSpec::Adamw(self.adamw.clone()).build((1, 1), "adamw").map(|_| ()));
        }
        pr.check(self.schedule.validate("schedule"));
        pr.check(check_range("", "batch_size", self.batch_size as f64, 1.0, MAX_POINTS as f64).map_err(strip_dot));
        pr.check(check_range("", "steps", self.steps as f64, 0.0, MAX_TRAIN_STEPS as f64).map_err(strip_dot));
        pr.check(check_range("", "eval_every", self.eval_every as f64, 1.0, MAX_TRAIN_STEPS as f64).map_err(strip_dot));
        pr.finish()
    }
}

fn strip_dot(mut e: SpecError) -> SpecError {
    e.path = e.path.trim_start_matches('.').to_string();
    e
}

impl DataSpec {
    pub fn validate(&self) -> Result<(), SpecError> {
        let p = "data";
        let mut pr = Problems::new();
        pr.check(check_range(p, "noise", self.noise, 0.0, 10.0));
        pr.check(check_range(p, "label_noise", self.label_noise, 0.0, 1.0));
        pr.check(check_range(p, "train_fraction", self.train_fraction, 0.01, 1.0));
        match (self.kind, &self.csv) {
            (DataKind::Csv, None) => pr.push(SpecError::new("data.csv", "is required when kind is \"csv\"")),
            (DataKind::Csv, Some(_)) => {}
            (_, Some(_)) => pr.push(SpecError::new("data.csv", "is only read when kind is \"csv\"; remove it or set kind to \"csv\"")),
            (DataKind::Digits, None) => {}
            (_, None) => {
                pr.check(check_range(p, "n", self.n as f64, 4.0, MAX_POINTS as f64));
            }
        }
        match self.kind {
            DataKind::Spirals | DataKind::Blobs => {
                pr.check(check_range(p, "classes", self.classes as f64, 2.0, MAX_CLASSES as f64));
            }
            DataKind::Moons | DataKind::Circles | DataKind::Xor if self.classes != 2 => {
                pr.push(SpecError::new("data.classes", format!("{:?} has 2 classes; got {}", self.kind, self.classes).to_ascii_lowercase()))
            }
            _ => {}
        }
        pr.finish()
    }
}

/// The JSON shape of [`TrainSpec`]: its fields with `init_params` at the top level and `shuffle` in
/// `data`. Defaults leave both out when written, so specs without them read and write as before.
pub mod wire {
    use super::*;

    fn is_true(b: &bool) -> bool {
        *b
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct DataSpecJson {
        pub kind: DataKind,
        pub n: usize,
        pub noise: f64,
        pub label_noise: f64,
        pub train_fraction: f64,
        pub classes: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub csv: Option<String>,
        #[serde(skip_serializing_if = "is_true")]
        pub shuffle: bool,
    }

    impl Default for DataSpecJson {
        fn default() -> Self {
            let d = DataSpec::default();
            DataSpecJson {
                kind: d.kind,
                n: d.n,
                noise: d.noise,
                label_noise: d.label_noise,
                train_fraction: d.train_fraction,
                classes: d.classes,
                csv: d.csv,
                shuffle: true,
            }
        }
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct TrainSpecJson {
        pub label: String,
        pub data: DataSpecJson,
        pub model: ModelSpec,
        pub optimizer: OptimizerSpec,
        pub adamw: Adam<Decoupled>,
        pub schedule: ScheduleSpec,
        pub batch_size: usize,
        pub steps: usize,
        pub seed: u64,
        pub eval_every: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub init_params: Option<Vec<f64>>,
    }

    impl Default for TrainSpecJson {
        fn default() -> Self {
            TrainSpec::default().into()
        }
    }

    impl From<TrainSpecJson> for TrainSpec {
        fn from(j: TrainSpecJson) -> TrainSpec {
            let d = j.data;
            let mut model = j.model;
            model.init_params = j.init_params;
            model.shuffle = d.shuffle;
            TrainSpec {
                label: j.label,
                data: DataSpec {
                    kind: d.kind,
                    n: d.n,
                    noise: d.noise,
                    label_noise: d.label_noise,
                    train_fraction: d.train_fraction,
                    classes: d.classes,
                    csv: d.csv,
                },
                model,
                optimizer: j.optimizer,
                adamw: j.adamw,
                schedule: j.schedule,
                batch_size: j.batch_size,
                steps: j.steps,
                seed: j.seed,
                eval_every: j.eval_every,
            }
        }
    }

    impl From<TrainSpec> for TrainSpecJson {
        fn from(s: TrainSpec) -> TrainSpecJson {
            let mut model = s.model;
            let (init_params, shuffle) = (model.init_params.take(), std::mem::replace(&mut model.shuffle, true));
            let d = s.data;
            TrainSpecJson {
                label: s.label,
                data: DataSpecJson {
                    kind: d.kind,
                    n: d.n,
                    noise: d.noise,
                    label_noise: d.label_noise,
                    train_fraction: d.train_fraction,
                    classes: d.classes,
                    csv: d.csv,
                    shuffle,
                },
                model,
                optimizer: s.optimizer,
                adamw: s.adamw,
                schedule: s.schedule,
                batch_size: s.batch_size,
                steps: s.steps,
                seed: s.seed,
                eval_every: s.eval_every,
                init_params,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bench_training_is_the_playground_set_up_its_json_describes() {
        let json = r#"{"data": {"kind": "circles", "n": 500}, "model": {"hidden": [8, 8], "activation": "tanh"},
            "optimizer": {"kind": "sgd", "lr": 0.03}, "batch_size": 10, "steps": 1000000, "eval_every": 1000000}"#;
        let spec = super::TrainSpec::playground_bench();
        assert_eq!(spec, super::TrainSpec::from_json(json).expect("valid"));
        assert!(spec.validate().is_ok());
    }
}
