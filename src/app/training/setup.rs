//! From the controls to training specs: the presets, the optimizers, the schedule, and the one or two
//! [`TrainSpec`]s of a run (two for a comparison, equal in everything but the optimizer).

use super::super::controls::fmt_num;
use super::super::{Message, State};
use super::Params;
use crate::optim::config::{Adam, Coupled, Decoupled, LookaheadSpec, Muon, NewtonSpec, SamSpec, Sgd};
use crate::optim::schedule::ScheduleSpec;
use crate::optim::OptimizerSpec;
use crate::train::{Activation, DataKind, DataSpec, Init, Loss, ModelSpec, TrainSpec};

/// Optimizers of the `optimizer` and `compare` selects, `(value, label)`: every kind of the registry in its
/// order, SGD offered plain and with momentum, and the labels saying what the training adds (Muon's AdamW
/// part, Newton's damping). Worked out from [`crate::optim::KINDS`] at compile time, so the controls are a
/// constant table (see [`super::super::controls::table`]).
pub const OPTIMIZERS: [(&str, &str); crate::optim::KINDS.len() + 1] = {
    let kinds = crate::optim::KINDS;
    let mut out = [("", ""); crate::optim::KINDS.len() + 1];
    let (mut i, mut j) = (0, 0);
    while i < kinds.len() {
        let k = &kinds[i];
        if same(k.kind, "sgd") {
            out[j] = ("sgd", "SGD");
            j += 1;
            out[j] = ("momentum", "SGD with momentum");
        } else if same(k.kind, "muon") {
            out[j] = ("muon", "Muon (+ AdamW)");
        } else if same(k.kind, "newton") {
            out[j] = ("newton", "Newton (damped)");
        } else {
            out[j] = (k.kind, k.label);
        }
        i += 1;
        j += 1;
    }
    assert!(j == out.len(), "the registry has one kind \"sgd\"");
    out
};

/// The values of [`OPTIMIZERS`].
pub const OPTIMIZER_VALUES: [&str; OPTIMIZERS.len()] = {
    let mut out = [""; OPTIMIZERS.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = OPTIMIZERS[i].0;
        i += 1;
    }
    out
};

/// The `compare` select: "off", then [`OPTIMIZERS`].
pub const COMPARE_OPTIONS: [(&str, &str); OPTIMIZERS.len() + 1] = {
    let mut out = [("off", "off"); OPTIMIZERS.len() + 1];
    let mut i = 0;
    while i < OPTIMIZERS.len() {
        out[i + 1] = OPTIMIZERS[i];
        i += 1;
    }
    out
};

/// Whether two texts are equal (`==` on `str` is not available at compile time).
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// [`OPTIMIZERS`] as a list.
pub fn optimizers() -> Vec<(&'static str, &'static str)> {
    OPTIMIZERS.to_vec()
}

/// The optimizers with a decoupled weight decay, which the `weight_decay` control sets: the registry's kinds
/// whose default spec has one. The control's constant table lists them as [`WITH_DECOUPLED_DECAY`] (whether
/// a kind has one is not known at compile time); a test checks that the two agree.
pub fn with_decoupled_decay() -> Vec<&'static str> {
    crate::optim::KINDS.iter().filter(|k| k.has_decoupled_decay()).map(|k| k.kind).collect()
}

/// [`with_decoupled_decay`], written out for the `weight_decay` control's `when`.
pub const WITH_DECOUPLED_DECAY: &[&str] = &["adamw", "muon", "lion"];

/// Most parameters for Newton's method in the app: each step forms the N×N batch Hessian from 2N gradients
/// and takes its eigenvalues and a solve (O(N³)). Measured natively on the default 2-8-8-2 network
/// (N = 114, B = 10): about 2.5 ms per step, most of it the 228 gradients; N = 354 took 43 ms, too long for
/// a frame in the browser. `optlab train` allows up to [`crate::problems::MAX_HESSIAN_PARAMS`].
pub const MAX_APP_NEWTON_PARAMS: usize = 200;

/// A guided comparison: the control values it sets when picked (the controls then show them and the user
/// may change any of them). The result shown is whatever the run gives; nothing here or in the chapter
/// states an outcome.
pub struct Preset {
    pub id: &'static str,
    pub label: &'static str,
    pub settings: &'static [(&'static str, &'static str)],
}

/// The presets of the `preset` select (besides "custom"). Each pairs a claim of the lecture with a fair
/// setting: the same data, network, batches, seed and number of steps for both optimizers. The learning
/// rates were chosen without looking at test accuracy, each optimizer alone: the lowest final *training*
/// loss on seed 0 over η ∈ {0.001, 0.003, 0.01, 0.03, 0.1, 0.3} (Muon: {0.003, 0.01, 0.02, 0.03, 0.1},
/// its AdamW part at the AdamW run's η), measured with this chapter's runs:
/// - SAM vs SGD with momentum, 20% label noise: 150 training points and a 3×32 network trained for 8000
///   steps, so that fitting the flipped labels is possible; SGD+momentum's η = 0.03 (training loss 0.38;
///   0.41 at 0.01, 0.51 at 0.1) for both runs; SAM's ρ = 0.05 is the default of Foret et al. (2021).
/// - Adam vs SGD with momentum on circles, the default 2×8 tanh network: Adam η = 0.01 (training loss
///   0.010), SGD+momentum η = 0.1 (0.0179; 0.0182 at 0.01).
/// - Muon vs AdamW on spirals with a 3×32 GELU network (smooth, so that λ_max by finite differences is
///   well defined; with ReLU both learn too): AdamW η = 0.01 (0.025; 0.029 at 0.003), Muon η = 0.01
///   (0.0176; 0.0182 at 0.02) with its AdamW part at 0.01.
/// - Muon vs AdamW on the 8×8 digits: MLP 64-64-64-10 (ReLU), batches of 64, 1,500 steps; η of each from
///   the committed sweep `examples/digits_sweep.rs` (output in `docs/digits_sweep.txt`): the lowest mean
///   training loss after 1,500 steps over seeds 100–102, the test set unused. See [`DIGITS_MUON_LR`].
pub const PRESETS: [Preset; 4] = [
    Preset {
        id: "sam_vs_sgd_label_noise",
        label: "SAM vs SGD, 20% label noise",
        settings: &[
            ("dataset", "moons"),
            ("n", "300"),
            ("noise", "0.1"),
            ("label_noise", "0.2"),
            ("train_fraction", "0.5"),
            ("layers", "3"),
            ("width", "32"),
            ("activation", "tanh"),
            ("init", "auto"),
            ("init_gain", "1"),
            ("dropout", "0"),
            ("batch_norm", "off"),
            ("loss", "cross_entropy"),
            ("optimizer", "momentum"),
            ("lr", "0.03"),
            ("momentum", "0.9"),
            ("compare", "sam"),
            ("inner", "momentum"),
            ("compare_lr", "0.03"),
            ("rho", "0.05"),
            ("schedule", "constant"),
            ("batch_size", "10"),
            ("steps", "8000"),
        ],
    },
    Preset {
        id: "adam_vs_momentum",
        label: "Adam vs SGD with momentum",
        settings: &[
            ("dataset", "circles"),
            ("n", "500"),
            ("noise", "0.1"),
            ("label_noise", "0"),
            ("train_fraction", "0.5"),
            ("layers", "2"),
            ("width", "8"),
            ("activation", "tanh"),
            ("init", "auto"),
            ("init_gain", "1"),
            ("dropout", "0"),
            ("batch_norm", "off"),
            ("loss", "cross_entropy"),
            ("optimizer", "adam"),
            ("lr", "0.01"),
            ("beta1", "0.9"),
            ("beta2", "0.999"),
            ("compare", "momentum"),
            ("momentum", "0.9"),
            ("compare_lr", "0.1"),
            ("schedule", "constant"),
            ("batch_size", "10"),
            ("steps", "2000"),
        ],
    },
    Preset {
        id: "muon_vs_adamw_digits",
        label: "Muon vs AdamW on handwritten digits (8×8)",
        settings: &[
            ("dataset", "digits"),
            ("noise", "0"),
            ("label_noise", "0"),
            ("train_fraction", "0.75"),
            ("layers", "2"),
            ("width", "64"),
            ("activation", "relu"),
            ("init", "auto"),
            ("init_gain", "1"),
            ("dropout", "0"),
            ("batch_norm", "off"),
            ("loss", "cross_entropy"),
            ("optimizer", "muon"),
            ("lr", DIGITS_MUON_LR),
            ("momentum", "0.95"),
            ("ns_steps", "5"),
            ("adamw_lr", DIGITS_ADAMW_LR),
            ("weight_decay", "0.01"),
            ("compare", "adamw"),
            ("compare_lr", DIGITS_ADAMW_LR),
            ("beta1", "0.9"),
            ("beta2", "0.999"),
            ("schedule", "constant"),
            ("batch_size", "64"),
            ("steps", "1500"),
        ],
    },
    Preset {
        id: "muon_vs_adamw",
        label: "Muon vs AdamW on the hidden layers",
        settings: &[
            ("dataset", "spirals"),
            ("n", "500"),
            ("noise", "0.05"),
            ("label_noise", "0"),
            ("train_fraction", "0.5"),
            ("layers", "3"),
            ("width", "32"),
            ("activation", "gelu"),
            ("init", "auto"),
            ("init_gain", "1"),
            ("dropout", "0"),
            ("batch_norm", "off"),
            ("loss", "cross_entropy"),
            ("optimizer", "muon"),
            ("lr", "0.01"),
            ("momentum", "0.95"),
            ("ns_steps", "5"),
            ("adamw_lr", "0.01"),
            ("weight_decay", "0.01"),
            ("compare", "adamw"),
            ("compare_lr", "0.01"),
            ("beta1", "0.9"),
            ("beta2", "0.999"),
            ("schedule", "constant"),
            ("batch_size", "20"),
            ("steps", "3000"),
        ],
    },
];

/// Muon's η and AdamW's η (also Muon's AdamW part) of the digits preset, chosen by `examples/digits_sweep.rs`
/// (see [`PRESETS`]; `tests/digits.rs` checks these equal the choice printed in `docs/digits_sweep.txt`).
pub const DIGITS_MUON_LR: &str = "0.02";
pub const DIGITS_ADAMW_LR: &str = "0.01";

/// The target test accuracy whose first step the digits view reports for each run.
pub const DIGITS_TARGET: f64 = 0.97;

/// A readable name of an optimizer choice, with the inner optimizer of a wrapper.
pub fn optimizer_name(kind: &str, p: &Params) -> String {
    let name = |k: &str| optimizers().into_iter().find(|(v, _)| *v == k).map_or(k.to_string(), |(_, l)| l.to_string());
    match kind {
        "sam" | "lookahead" => format!("{} around {}", name(kind), name(p.inner.as_str())),
        _ => name(kind),
    }
}

/// The optimizer `kind` at learning rate `lr`, its other hyperparameters from the controls of the same
/// name (`momentum`, `beta1`, `beta2`, `weight_decay`, `rho`, `k`, `alpha`, `ns_steps`, `inner`).
/// `weight_decay` is the decoupled decay of the kinds that have one (AdamW, Muon, Lion); the other optimizers
/// run without decay. A registry kind with no control of its own here runs at its defaults, with `lr` and
/// `weight_decay` set; an unknown kind is Adam.
pub fn optimizer(kind: &str, lr: f64, p: &Params) -> OptimizerSpec {
    let adam = |p: &Params| {
        let mut a = Adam::<Coupled>::default();
        (a.lr, a.beta1, a.beta2) = (lr, p.beta1, p.beta2);
        a
    };
    match kind {
        "sgd" => OptimizerSpec::Sgd(Sgd { lr, ..Sgd::default() }),
        "momentum" => OptimizerSpec::Sgd(Sgd { lr, momentum: p.momentum, ..Sgd::default() }),
        "adamw" => {
            let mut a = Adam::<Decoupled>::default();
            (a.lr, a.beta1, a.beta2, a.weight_decay) = (lr, p.beta1, p.beta2, p.weight_decay);
            OptimizerSpec::Adamw(a)
        }
        "sam" | "lookahead" => {
            let inner = match p.inner.as_str() {
                "sgd" | "momentum" | "adam" => Box::new(optimizer(p.inner.as_str(), lr, p)),
                _ => Box::new(optimizer("momentum", lr, p)),
            };
            if kind == "sam" {
                OptimizerSpec::Sam(SamSpec { rho: p.rho, inner, ..SamSpec::default() })
            } else {
                OptimizerSpec::Lookahead(LookaheadSpec { k: p.k.max(1), alpha: p.alpha, inner })
            }
        }
        "newton" => OptimizerSpec::Newton(NewtonSpec { lr, damping: p.damping }),
        "muon" => {
            OptimizerSpec::Muon(Muon { lr, momentum: p.momentum, ns_steps: p.ns_steps, weight_decay: p.weight_decay, ..Muon::default() })
        }
        "adam" => OptimizerSpec::Adam(adam(p)),
        other => match crate::optim::KINDS.iter().find(|k| k.kind == other) {
            Some(k) => {
                let mut spec = k.default_spec();
                spec.set_base_lr(lr);
                if let Some(wd) = spec.decoupled_decay() {
                    *wd = p.weight_decay;
                }
                spec
            }
            None => OptimizerSpec::Adam(adam(p)),
        },
    }
}

/// The learning-rate schedule over `steps` steps: constant, cosine to 0, or a linear warm-up over the
/// first 5% of the steps (from 1% of η) followed by cosine to 0.
pub fn schedule(name: &str, steps: usize) -> ScheduleSpec {
    let steps = steps.max(2);
    match name {
        "cosine" => ScheduleSpec::Cosine { t_max: steps, eta_min: 0.0 },
        "warmup_cosine" => {
            let w = (steps / 20).max(1);
            ScheduleSpec::Sequential {
                schedulers: vec![
                    ScheduleSpec::Linear { start_factor: 0.01, end_factor: 1.0, total_iters: w },
                    ScheduleSpec::Cosine { t_max: steps - w, eta_min: 0.0 },
                ],
                milestones: vec![w],
            }
        }
        _ => ScheduleSpec::Constant,
    }
}

/// What a run trains: its specs (one, or two for a comparison), and what the chapter tells the user
/// about them.
pub struct Setup {
    pub specs: Vec<TrainSpec>,
    /// The state the specs were built from.
    pub state: State,
    pub messages: Vec<Message>,
    /// What the data are, for the readout.
    pub data_line: String,
}

/// Most points of a generated data set in the app (the core allows more; this keeps a frame short).
pub const MAX_APP_POINTS: usize = 1000;
/// Most rows of the user's data in the app (the core and `optlab train` take up to
/// [`crate::train::csv::MAX_ROWS`]).
pub const MAX_APP_ROWS: usize = MAX_APP_POINTS;
/// Most classes of the user's data in the app: one palette colour each on the map (the core takes
/// [`crate::train::csv::MAX_CLASSES`]).
pub const MAX_APP_CLASSES: usize = 7;
/// Longest text of the data box, and the longest URL encoding of it that travels in a link.
pub const MAX_CSV_CHARS: usize = 100_000;
pub const MAX_CSV_URL: usize = 8_000;
/// Coordinates beyond this magnitude get a note: the network sees the inputs as they are.
pub const LARGE_INPUT: f64 = 5.0;

/// The check of the data box (the control's validator): empty, or rows the app can train on; the error
/// names the first bad line.
pub fn check_csv(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Ok(());
    }
    parse_app(text).map(|_| ()).map_err(|e| e.to_string())
}

/// The app's reading of the data box: `x1,…,xd,label` rows (1 ≤ d ≤ 784; d = 2 draws the plane, larger d a
/// confusion matrix and, for square d, the misclassified inputs as images), at most [`MAX_APP_ROWS`] rows
/// and [`MAX_APP_CLASSES`] classes.
pub fn parse_app(text: &str) -> Result<crate::train::Points, crate::train::csv::CsvError> {
    crate::train::csv::parse_any_with(text, MAX_APP_ROWS, MAX_APP_CLASSES)
}

/// The data of a state, and a line describing it for the readout. The user's data (`dataset = csv`) when
/// its box holds valid rows; two moons meanwhile, with a message saying so.
fn data_spec(p: &Params, messages: &mut Vec<Message>) -> (DataSpec, String) {
    let mut data = DataSpec {
        kind: DataKind::Moons,
        n: p.n.clamp(4, MAX_APP_POINTS),
        noise: p.noise,
        label_noise: p.label_noise,
        train_fraction: p.train_fraction,
        classes: 2,
        csv: None,
    };
    let name = match p.dataset.as_str() {
        "circles" => (DataKind::Circles, "circles"),
        "spirals" => (DataKind::Spirals, "spirals"),
        "xor" => (DataKind::Xor, "XOR"),
        "blobs" => (DataKind::Blobs, "Gaussian blobs"),
        "digits" => {
            if crate::train::digits::loaded() {
                (data.kind, data.n, data.classes) = (DataKind::Digits, crate::train::digits::IMAGES, 10);
                let n_train = crate::train::data::split_count(data.n, data.train_fraction);
                let line = format!(
                    "8×8 handwritten digits (UCI optdigits, Alpaydin & Kaynak 1998, CC BY 4.0): {} images of 64 pixels, 10 classes → \
                     {n_train} training, {} test",
                    data.n,
                    data.n - n_train
                );
                return (data, line);
            }
            messages.push(Message::info(DIGITS_LOADING));
            return (data, String::new());
        }
        "csv" => {
            let text = p.csv.as_str();
            let parsed = if text.trim().is_empty() { None } else { Some(parse_app(text)) };
            match parsed {
                Some(Ok(pts)) => {
                    let classes = pts.y.iter().max().map_or(2, |m| m + 1);
                    let big = pts.x.iter().flat_map(|p| p.iter()).fold(0.0f64, |m, v| m.max(v.abs()));
                    if big > LARGE_INPUT {
                        messages.push(Message::info(format!(
                            "your coordinates reach |x| = {}; the network sees them as they are (no rescaling), and tanh or \
                             GELU units saturate on large inputs: scaling the data to about [−2, 2] usually helps",
                            crate::app::common::sig(big)
                        )));
                    }
                    (data.kind, data.n, data.classes, data.csv) = (DataKind::Csv, pts.len(), classes, Some(text.to_string()));
                    let n_train = crate::train::data::split_count(data.n, data.train_fraction);
                    return (
                        data,
                        format!(
                            "your data: {} rows of {} features, {classes} classes → {n_train} training, {} test points",
                            pts.len(),
                            pts.dim(),
                            pts.len() - n_train
                        ),
                    );
                }
                None => messages.push(Message::info(format!(
                    "“your data” is empty: paste or load x1,x2,label rows into its box (a link carries at most {MAX_CSV_URL} \
                     characters of data); until then the run uses two moons"
                ))),
                Some(Err(e)) => messages.push(Message::error(format!("your data: {e}; the run uses two moons until it is fixed"))),
            }
            (DataKind::Moons, "two moons (instead of your data)")
        }
        _ => (DataKind::Moons, "two moons"),
    };
    data.kind = name.0;
    if matches!(data.kind, DataKind::Spirals | DataKind::Blobs) {
        data.classes = p.classes.clamp(2, MAX_APP_CLASSES);
    }
    let n_train = crate::train::data::split_count(data.n, data.train_fraction);
    let line = format!("{}: {} points, {} classes → {n_train} training, {} test", name.1, data.n, data.classes, data.n - n_train);
    (data, line)
}

/// What the chapter says while the digits are being fetched (no run starts until they are there).
pub const DIGITS_LOADING: &str = "loading the 8×8 handwritten digits (a separate 59 KB file, fetched only for this data set)…";

/// Builds the specs for a (normalised) state.
pub fn setup(st: &State) -> Setup {
    let mut messages = Vec::new();
    let p = &match Params::of(st) {
        Ok(p) => p,
        Err(e) => return Setup { specs: Vec::new(), state: st.clone(), messages: vec![Message::error(e)], data_line: String::new() },
    };
    let (data, data_line) = data_spec(p, &mut messages);
    if p.dataset.as_str() == "digits" && data.kind != DataKind::Digits {
        return Setup { specs: Vec::new(), state: st.clone(), messages, data_line };
    }
    let n_train = crate::train::data::split_count(data.n, data.train_fraction);
    let mut batch_size = p.batch_size.max(1);
    if batch_size > n_train {
        messages.push(Message::warn(format!(
            "batch size B = {batch_size} is more than the {n_train} training points; using B = {n_train} (full batch)"
        )));
        batch_size = n_train;
    }
    let activation = match p.activation.as_str() {
        "relu" => Activation::Relu,
        "gelu" => Activation::Gelu,
        _ => Activation::Tanh,
    };
    let loss = if p.loss.as_str() == "squared" { Loss::Squared } else { Loss::CrossEntropy };
    let init = match p.init.as_str() {
        "he" => Init::He,
        "xavier" => Init::Xavier,
        _ => Init::Auto,
    };
    let model = ModelSpec {
        hidden: vec![p.width.max(1); p.layers.max(1)],
        activation,
        loss,
        init,
        init_gain: p.init_gain,
        dropout: p.dropout,
        batch_norm: p.batch_norm == "on",
        ..ModelSpec::default()
    };
    let steps = p.steps.max(1);
    let mut adamw = Adam::<Decoupled>::default();
    (adamw.lr, adamw.weight_decay) = (p.adamw_lr, p.weight_decay);
    let base = TrainSpec {
        label: String::new(),
        data,
        model,
        optimizer: OptimizerSpec::Sgd(Sgd::default()),
        adamw,
        schedule: schedule(p.schedule.as_str(), steps),
        batch_size,
        steps,
        seed: p.seed as u64,
        eval_every: 1,
    };
    // about 250 records per run, fewer when one record (a forward pass over every point) is expensive
    let dim = match base.data.kind {
        DataKind::Digits => crate::train::digits::PIXELS,
        DataKind::Csv => base.data.csv.as_deref().and_then(|t| crate::train::csv::parse(t).ok()).map_or(2, |pts| pts.dim()),
        _ => 2,
    };
    let mlp = crate::train::Mlp::new(dim, &base.model.hidden, base.data.classes, activation, loss);
    let eval_cost = base.data.n as f64 * super::live::row_cost(&mlp);
    let base = TrainSpec { eval_every: (steps / 250).max((eval_cost / super::live::EVAL_BUDGET).ceil() as usize).max(1), ..base };
    let mut runs = vec![(p.optimizer.as_str().to_string(), p.lr)];
    if p.compare.as_str() != "off" && optimizers().iter().any(|(v, _)| *v == p.compare.as_str()) {
        runs.push((p.compare.as_str().to_string(), p.compare_lr));
    }
    let letters = ["A", "B"];
    let specs = runs
        .iter()
        .zip(letters)
        .map(|((kind, lr), letter)| TrainSpec {
            label: format!("{letter} · {} (η = {})", optimizer_name(kind, p), fmt_num(*lr)),
            optimizer: optimizer(kind, *lr, p),
            ..base.clone()
        })
        .collect();
    Setup { specs, state: st.clone(), messages, data_line }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_constant_lists_agree_with_the_registry() {
        assert_eq!(super::WITH_DECOUPLED_DECAY, super::with_decoupled_decay().as_slice());
        assert_eq!(super::COMPARE_OPTIONS[0], ("off", "off"));
        assert_eq!(&super::COMPARE_OPTIONS[1..], super::OPTIMIZERS.as_slice());
        assert!(super::OPTIMIZERS.iter().map(|(v, _)| *v).eq(super::OPTIMIZER_VALUES));
    }
}
