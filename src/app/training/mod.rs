//! The training chapter: a small network learns a 2-D data set live, with any optimizer of the lecture,
//! alone or side by side with a second one from the same weights on the same batches.
//!
//! A live chapter ([`Chapter::is_live`]): the shell advances a [`live::TrainingRun`] in bounded slices per
//! animation frame and draws [`scene::build`] after each. [`Chapter::compute`] (used by the native tests and
//! the snapshot tool) shows the run after its first [`COMPUTE_STEPS`] steps.
//!
//! - [`setup`]: controls → presets → [`crate::train::TrainSpec`]s;
//! - [`live`]: the runs in lockstep, checkpoints with λ_max and the loss slice;
//! - [`scene`]: the charts and the readout;
//! - [`bound`]: SAM's generalisation bound (Theorem 2) for the final weights, its terms against ρ.

pub mod bound;
pub mod lanczos;
pub mod live;
/// Decision-region images (in `plot`, where pixels are made; re-exported for the chapter and its tests).
pub use crate::plot::regions;
pub mod scene;
pub mod setup;

use super::{Canvas, Chapter, Control, Formula, LiveRun, Message, Scene, State};
use setup::PRESETS;

pub struct Training;

super::params::typed_params! {
    /// The chapter's parameters, one field per control (see [`super::params`]), decoded once per state.
    #[derive(Debug)]
    pub struct Params {
        pub preset: String,
        pub dataset: String,
        pub csv: String,
        pub n: usize,
        pub classes: usize,
        pub noise: f64,
        pub label_noise: f64,
        pub train_fraction: f64,
        pub layers: usize,
        pub width: usize,
        pub activation: String,
        pub init: String,
        pub init_gain: f64,
        pub dropout: f64,
        pub batch_norm: String,
        pub loss: String,
        pub optimizer: String,
        pub lr: f64,
        pub momentum: f64,
        pub beta1: f64,
        pub beta2: f64,
        pub weight_decay: f64,
        pub inner: String,
        pub rho: f64,
        pub k: usize,
        pub alpha: f64,
        pub ns_steps: usize,
        pub damping: f64,
        pub adamw_lr: f64,
        pub compare: String,
        pub compare_lr: f64,
        pub schedule: String,
        pub batch_size: usize,
        pub steps: usize,
        pub patience: usize,
        pub seed: usize,
        pub speed: usize,
        pub view: String,
    }
}

impl Params {
    pub fn of(st: &State) -> Result<Params, String> {
        super::params::decode(&Training.controls(), st)
    }
}

/// The generated data sets (the `n` control applies to these, not to the user's rows).
const GENERATED: [&str; 5] = ["moons", "circles", "spirals", "xor", "blobs"];

const HELP_CSV: &str = "one point per line: d numbers (1 ≤ d ≤ 784) and a class label 0–6 (a header line and # comments are \
                        skipped); at most 1000 rows and 100,000 characters (a 784-column CSV of 1,000 rows is about 2–3 million: \
                        give it to `optlab train`); input noise, label noise and the split apply to them too; d = 2 draws the \
                        plane, larger d a confusion matrix and, for square d, the misclassified inputs as images";

/// Steps [`Chapter::compute`] trains before drawing (the live page trains as far as asked).
pub const COMPUTE_STEPS: usize = 100;
/// Most steps a run can ask for.
pub const MAX_STEPS: i64 = 50_000;

/// The `preset` select: "custom", then each guided comparison, which sets the controls it lists.
const PRESET: Control = Control::select("preset", "guided comparison", &PRESET_OPTIONS, "custom").sets(&PRESET_SETS).help(
    "picking a comparison sets the controls it needs (data, network, both optimizers, steps); change any of them afterwards \
     and this shows “custom”; the result is whatever the run gives",
);

/// The `preset` select's options: "custom", then each of [`PRESETS`].
const PRESET_OPTIONS: [(&str, &str); PRESETS.len() + 1] = {
    let mut out = [("custom", "custom (the controls as you set them)"); PRESETS.len() + 1];
    let mut i = 0;
    while i < PRESETS.len() {
        out[i + 1] = (PRESETS[i].id, PRESETS[i].label);
        i += 1;
    }
    out
};

/// What each of [`PRESETS`] sets.
const PRESET_SETS: [(&str, &[(&str, &str)]); PRESETS.len()] = {
    let mut out: [(&str, &[(&str, &str)]); PRESETS.len()] = [("", &[]); PRESETS.len()];
    let mut i = 0;
    while i < PRESETS.len() {
        out[i] = (PRESETS[i].id, PRESETS[i].settings);
        i += 1;
    }
    out
};

/// Starts the run of a (normalised) state; the error names the field the controls could not make valid.
pub fn start(st: &State) -> Result<live::TrainingRun, Message> {
    let s = setup::setup(st);
    if s.specs.is_empty() {
        return Err(s.messages.into_iter().next().unwrap_or_else(|| Message::error("no run to train")));
    }
    let newton = s.specs.iter().any(|sp| crate::train::groups::newton_of(&sp.optimizer).is_some());
    let dropout = s.specs[0].model.dropout;
    if newton && dropout > 0.0 {
        return Err(Message::error(format!(
            "Newton's method with dropout p = {} is not built (its Hessian is the whole network's, not each step's dropped-out \
             one): set dropout p to 0 or choose another optimizer",
            crate::app::controls::fmt_num(dropout)
        )));
    }
    if newton && s.specs[0].model.batch_norm {
        return Err(Message::error(
            "Newton's method with batch normalisation is not built (its exact Hessian does not go through the batch's mean and \
             variance): set batch normalisation off or choose another optimizer",
        ));
    }
    let trainers = crate::train::compare(&s.specs).map_err(|e| {
        let e = if s.specs.len() == 1 { e.map_paths(|p| crate::checks::without_first_index(p).to_string()) } else { e };
        if s.specs[0].model.batch_norm && e.path.ends_with("batch_size") {
            // the batch sizes batch normalisation refuses (trainer::check_norm_batches), named by their control
            return Message::error(format!("batch normalisation needs two points or more in every batch: batch size B {}", e.message));
        }
        let e = crate::checks::join_strs(&e.lines(), "; ");
        Message::error(format!("cannot train this setting: {e}"))
    })?;
    if newton {
        let n = trainers[0].mlp().n_params();
        if n > setup::MAX_APP_NEWTON_PARAMS {
            let why = crate::train::trainer::newton_too_big(n, setup::MAX_APP_NEWTON_PARAMS);
            return Err(Message::error(format!(
                "{why} in the app, so that a step fits a frame (`optlab train` takes up to {})",
                crate::problems::MAX_HESSIAN_PARAMS
            )));
        }
    }
    Ok(live::TrainingRun::new(trainers, s))
}

/// The training's model: [`setup::setup`] decodes the typed [`Params`] and builds the training specs (it keeps
/// the state for the messages it words), the runs are a [`live::TrainingRun`] after its first
/// [`COMPUTE_STEPS`] steps with its measurements finished, and `scene.rs` draws them. The live page
/// advances the same run in slices instead (see [`Chapter::start_live`]).
impl super::Model for Training {
    type Params = State;
    type Runs = live::TrainingRun;

    fn params(st: &State) -> Result<State, String> {
        Ok(st.clone())
    }

    fn runs(st: &State) -> Result<live::TrainingRun, Message> {
        let mut run = start(st)?;
        run.advance(COMPUTE_STEPS);
        run.finish_measurements();
        Ok(run)
    }

    fn scene(st: &State, mut run: live::TrainingRun) -> Scene {
        run.scene(st)
    }
}

impl Chapter for Training {
    fn id(&self) -> &'static str {
        "training"
    }
    fn check_params(&self) -> Result<(), String> {
        super::params::check::<Params>(&self.controls())
    }
    fn title(&self) -> &'static str {
        "Small trainings: a network on 2-D data"
    }
    fn intro(&self) -> &'static str {
        "The lecture's claims about optimizers are claims about training networks. Here a small multilayer \
         perceptron learns a 2-D data set from mini-batches, with any optimizer of the lecture; the map colours \
         each region by the predicted class, deeper where the network is more confident, under the training (●) \
         and test (○) points. The comparison mode \
         trains a second optimizer from the same initial weights on the same sequence of mini-batches, and the \
         sharpness views — λ_max of the training loss's Hessian from Hessian-vector products, and a loss slice along a \
         random filter-normalised direction (Li et al. 2018) — show how flat or sharp the reached weights are."
    }
    fn try_this(&self) -> &'static [&'static str] {
        &[
            "Pick the preset “SAM vs SGD, 20% label noise” and press Play: SAM ends with the higher test accuracy (91 % vs 85 %), yet its final λ_max is not the smaller one, so here “flatter” does not show as a lower λ_max.",
            "Train with B = 1 and then with B = 100 for the same 3000 steps: B = 1 sees 12 epochs and its training loss goes up between evaluations more often (about 1.7× as often); B = 100 sees 1000 epochs.",
            "Choose Muon, compare with AdamW, and look at the singular values of the last update of W₂: Muon's are closer to equal (more of them near the largest).",
            "With plain SGD, raise η from 0.03 to 1: the training loss after the same steps falls, and λ_max stays below the dashed line 2/η.",
            "With plain SGD (η = 0.1) and 4 hidden layers, set the initial weight scale to 0.1 and press Play: at step 0 every layer's gradient is about 10⁻⁴ of what the same weights at scale 1 give (0.1⁴: one factor 0.1 for each of the other four weight matrices), and after 3000 steps the training loss is still at log 2 = 0.693, where scale 1 ends below 0.01.",
            "Then choose ReLU and scale 3: at step 0 the gradients are over 100× those at scale 1; after the first steps every weight matrix's gradient is exactly 0, and the training loss stays near log 2 = 0.693, the loss of guessing ½ for both classes.",
            "Let the default training finish and read SAM's bound (Theorem 2) against ρ: at ρ = 0.001 the training loss plus the flatness term is still below the test loss, so there the theorem holds only through the unspecified h(‖θ‖²/ρ²); from ρ = 0.1 on it is already above it, and the flatness term grows with ρ.",
            "Overfit on purpose: 100 points, label noise 0.2 and 64 units per hidden layer, then Play. The test loss is lowest near step 300 (below 0.3) and ends above 1 while the training loss falls below 0.1; early stopping with patience 500 stops near step 800 and keeps step 300's weights, whose test accuracy is higher than the last step's. With the label noise back at 0 it does not stop in 3000 steps.",
            "Then set dropout p = 0.5 (label noise 0.2 again): the training loss ends near 0.4 instead of 0.05 and the training accuracy below 90 % instead of 100 % (a fifth of the training labels are flipped, and without dropout the network fits every one of them), while the test loss at step 3000 ends below 0.4 instead of above 1.",
            "Batch normalisation allows a higher learning rate: with plain SGD at η = 1, ReLU and 4 hidden layers of 16 units, the training loss jumps above 1.5 and ends at 0.71, above log 2 = 0.69 (the loss of guessing ½ for both classes), with test accuracy below 55 %. Set batch normalisation on: the training loss never rises above where it starts (0.67) and ends below 0.05, with test accuracy above 99 %.",
            "Batch normalisation can act as a regulariser: in the overfitting setting (100 points, label noise 0.2, 64 units, dropout 0) set it on. The training loss ends near 0.4 instead of 0.05, the test loss at step 3000 below 0.4 instead of above 1, and the test accuracy is 92 % instead of 80 %. It needs the batch's noise: with B = 50, the whole training set, every step normalises by the same statistics, and it overfits as without (training loss below 0.01, test loss above 1).",
        ]
    }
    fn formulas(&self) -> Vec<Formula> {
        // a formula of an optimizer is shown while run A or run B uses it
        const SAM: &[(&str, &[&str])] = &[("optimizer", &["sam"]), ("compare", &["sam"])];
        const LOOKAHEAD: &[(&str, &[&str])] = &[("optimizer", &["lookahead"]), ("compare", &["lookahead"])];
        const MUON: &[(&str, &[&str])] = &[("optimizer", &["muon"]), ("compare", &["muon"])];
        const NEWTON: &[(&str, &[&str])] = &[("optimizer", &["newton"]), ("compare", &["newton"])];
        vec![
            Formula::new(
                "mini-batch step (B points, rate η_t; u_t is the optimizer's step from the batch gradient)",
                r"w_{t+1} = w_t - \eta_t\,u_t\Big(\tfrac{1}{B}\sum_{i\in\mathcal B_t}\nabla \ell_i(w_t)\Big),\quad B = {batch_size},\ \eta = {lr}",
            ),
            Formula::new(
                "batch normalisation of each hidden unit (training: the batch's statistics; evaluation: the running μ, σ²)",
                r"\hat z = \frac{z - \mu_{\mathcal B}}{\sqrt{\sigma^2_{\mathcal B} + \epsilon}},\ \ y = \gamma\,\hat z + \beta,\quad \mu \leftarrow 0.9\,\mu + 0.1\,\mu_{\mathcal B},\ \ \sigma^2 \leftarrow 0.9\,\sigma^2 + 0.1\,\tfrac{B}{B-1}\,\sigma^2_{\mathcal B},\ \ \epsilon = 10^{-5}",
            )
            .when_any(&[("batch_norm", &["on"])]),
            Formula::new("softmax cross-entropy", r"\ell_i(w) = -\log \frac{e^{z_{y_i}(x_i;w)}}{\sum_k e^{z_k(x_i;w)}}")
                .when_any(&[("loss", &["cross_entropy"])]),
            Formula::new("squared error on the raw outputs z (e_y: the one-hot label)", r"\ell_i(w) = \tfrac12\,\big\|z(x_i;w) - e_{y_i}\big\|^2")
                .when_any(&[("loss", &["squared"])]),
            Formula::new(
                "SAM: the inner optimizer steps with the gradient at the perturbed weights",
                r"\hat\epsilon = \rho\,\frac{\nabla L_{\mathcal B}(w)}{\|\nabla L_{\mathcal B}(w)\|_2},\quad g = \nabla L_{\mathcal B}(w + \hat\epsilon),\quad \rho = {rho}",
            )
            .when_any(SAM),
            Formula::new(
                "Lookahead: k steps of the inner optimizer on w, then back towards the slow weights φ",
                r"\text{every } k \text{ steps: } w \leftarrow \phi + \alpha\,{(w - \phi)},\quad \phi \leftarrow w,\quad k = {k},\ \alpha = {alpha}",
            )
            .when_any(LOOKAHEAD),
            Formula::new(
                "Muon on a hidden matrix W (AdamW elsewhere), decoupled decay λ",
                r"M \leftarrow \beta M + {(1-\beta)}G,\quad W \leftarrow {(1 - \eta\lambda)}\,W - \eta\,s\,{\mathrm{msign}\big((1-\beta)G + \beta M\big)},\quad s = \sqrt{\max(1, \text{rows}/\text{cols})},\quad \text{Newton–Schulz:}\ {ns_steps}\ \text{steps}",
            )
            .when_any(MUON),
            Formula::new(
                "Newton (damped) on the batch Hessian H",
                r"w \leftarrow w - \eta\,(H + \tau I)^{-1}\nabla L_{\mathcal B}(w),\quad \tau = \max(0,\ \delta - \lambda_{\min}(H)),\ \delta = {damping}",
            )
            .when_any(NEWTON),
            Formula::new(
                "sharpness: Lanczos on Hessian-vector products",
                r"Hv \approx \frac{\nabla L(w + hv) - \nabla L(w - hv)}{2h},\ \ \lambda_{\max} = \max_{\|v\|=1} v^\top H v \approx {lambda_max}",
            ),
            Formula::new(
                "loss slice (filter-normalised direction d)",
                r"\alpha \mapsto L(w + \alpha d),\quad d_{\text{row}} = \frac{g_{\text{row}}}{\|g_{\text{row}}\|}\,\|w_{\text{row}}\|,\ g \sim \mathcal N(0, I)",
            ),
        ]
    }
    fn controls(&self) -> Vec<Control> {
        const USES_MOMENTUM: &[&str] = &["momentum", "muon", "sam", "lookahead"];
        const USES_BETAS: &[&str] = &["adam", "adamw", "sam", "lookahead"];
        const CONTROLS: &[Control] = &[
            PRESET,
            Control::select(
                "dataset",
                "data set",
                &[
                    ("moons", "two moons"),
                    ("circles", "circles"),
                    ("spirals", "spirals"),
                    ("xor", "XOR"),
                    ("blobs", "Gaussian blobs"),
                    ("digits", "handwritten digits 8×8 (UCI)"),
                    ("csv", "your data (CSV rows)"),
                ],
                "moons",
            ),
            Control::text("csv", "your data: x1,…,xd,label rows", setup::MAX_CSV_CHARS, setup::MAX_CSV_URL)
                .placeholder("x1,x2,label\n0.5,-1.2,0\n1.1,0.3,1\n…")
                .help(HELP_CSV)
                .validate(setup::check_csv)
                .when("dataset", &["csv"]),
            Control::int("n", "points (training + test)", 40, setup::MAX_APP_POINTS as i64, 500).when("dataset", &GENERATED),
            Control::int("classes", "classes", 2, setup::MAX_APP_CLASSES as i64, 2)
                .help("spiral arms, or Gaussian blobs around a circle")
                .when("dataset", &["spirals", "blobs"]),
            Control::range("noise", "input noise σ", 0.0, 0.5, 0.1).help("standard deviation of the Gaussian noise added to each coordinate (of your data too)"),
            Control::range("label_noise", "label noise", 0.0, 0.5, 0.0).help("fraction of training labels flipped; test labels stay clean"),
            Control::range("train_fraction", "training fraction", 0.1, 0.9, 0.5).help("the rest of the points is the test set"),
            Control::int("layers", "hidden layers", 1, 4, 2),
            Control::int("width", "units per hidden layer", 2, 64, 8),
            Control::select("activation", "activation", &[("tanh", "tanh"), ("relu", "ReLU"), ("gelu", "GELU")], "tanh"),
            Control::select(
                "init",
                "initial weights",
                &[("auto", "He for ReLU and GELU, Xavier for tanh"), ("he", "He: N(0, 2/fan_in)"), ("xavier", "Xavier: N(0, 2/(fan_in + fan_out))")],
                "auto",
            )
            .help("for the hidden layers; the output layer (linear) is Xavier in every case, the biases start at 0, and run B starts from the same draw"),
            Control::log_range("init_gain", "initial weight scale (gain)", crate::train::spec::MIN_INIT_GAIN, crate::train::spec::MAX_INIT_GAIN, 1.0)
                .help("multiplies the initial weights (PyTorch's gain): 1 is the rule above; far from 1 the signal shrinks or grows from layer to layer, and every layer's gradient with it (see the gradient per layer)"),
            Control::range("dropout", "dropout p", 0.0, crate::train::spec::MAX_DROPOUT, 0.0).unit("p").help(
                "in each training step every hidden unit's output is zeroed with probability p and the others are scaled by 1/(1 − p) \
                 (PyTorch's nn.Dropout after each hidden activation); the losses, accuracies and map are the whole network's, as in \
                 model.eval(); run B drops the same units",
            ),
            Control::select("batch_norm", "batch normalisation", &[("off", "off"), ("on", "on: Linear → BatchNorm1d → activation")], "off").help(
                "nn.BatchNorm1d between each hidden layer's weights (then without bias) and its activation: a training step \
                 normalises each unit by its batch's mean and variance, then scales by a learned γ and shifts by a learned β; \
                 evaluations use the running statistics (model.eval())",
            ),
            Control::select("loss", "loss", &[("cross_entropy", "softmax cross-entropy"), ("squared", "squared error")], "cross_entropy"),
            Control::select("optimizer", "optimizer (run A)", &setup::OPTIMIZERS, "adam"),
            Control::log_range("lr", "learning rate η (run A)", 1e-4, 1.0, 0.01).unit("η"),
            Control::range("momentum", "momentum μ / Muon's β", 0.0, 0.99, 0.9)
                .unit("μ")
                .help("SGD with momentum, SAM/Lookahead around it, and Muon's momentum")
                .when("optimizer", USES_MOMENTUM),
            Control::range("beta1", "Adam β₁", 0.0, 0.999, 0.9).unit("β₁").when("optimizer", USES_BETAS),
            Control::range("beta2", "Adam β₂", 0.9, 0.9999, 0.999).unit("β₂").when("optimizer", USES_BETAS),
            Control::range("weight_decay", "decoupled weight decay λ", 0.0, 0.2, 0.01)
                .unit("λ")
                .help("the decoupled decay (multiplied by η, applied to the weights) of the optimizers that have one, and of Muon's AdamW part; the others run without decay")
                .when("optimizer", setup::WITH_DECOUPLED_DECAY),
            Control::select("inner", "optimizer inside SAM / Lookahead", &[("sgd", "SGD"), ("momentum", "SGD with momentum"), ("adam", "Adam")], "momentum")
                .when("optimizer", &["sam", "lookahead"]),
            Control::log_range("rho", "SAM radius ρ", 1e-3, 1.0, 0.05).unit("ρ").when("optimizer", &["sam"]),
            Control::int("k", "Lookahead steps k", 1, 20, 5).when("optimizer", &["lookahead"]),
            Control::range("alpha", "Lookahead α", 0.05, 1.0, 0.5).unit("α").when("optimizer", &["lookahead"]),
            Control::int("ns_steps", "Newton–Schulz steps", 0, 10, 5).when("optimizer", &["muon"]),
            // default δ = 3: on the default network and batch (seed 0, η = 1) δ = 1 trains too, but with loss
            // spikes that make the run sensitive to last-bit differences between the browser's and the native
            // build (Adam's runs agree to 2e-16): at δ = 1 the two runs part after 26 steps, at δ = 3 they
            // agree to 4e-11 over 300 steps)
            Control::log_range("damping", "Newton's damping δ", 1e-3, 100.0, 3.0)
                .unit("δ")
                .help("the step solves (H + τI)d = ∇L with τ = max(0, δ − λ_min(H)) on the batch; δ → 0 is plain Newton, a large δ a short gradient-like step ∇L/τ")
                .when("optimizer", &["newton"]),
            Control::log_range("adamw_lr", "AdamW η for Muon's other parameters", 1e-4, 1.0, 0.01)
                .unit("η")
                .help("biases and the first and last layers' weights")
                .when("optimizer", &["muon"]),
            Control::select("compare", "compare with (run B)", &setup::COMPARE_OPTIONS, "off")
                .help("run B starts from the same weights and sees the same batches; its other hyperparameters are the controls of the same name"),
            Control::log_range("compare_lr", "learning rate η (run B)", 1e-4, 1.0, 0.05).unit("η").when(
                "compare",
                &setup::OPTIMIZER_VALUES,
            ),
            Control::select(
                "schedule",
                "learning-rate schedule",
                &[("constant", "constant"), ("cosine", "cosine to 0"), ("warmup_cosine", "5% linear warm-up, then cosine")],
                "constant",
            ),
            Control::int("batch_size", "batch size B", 1, 128, 10),
            Control::int("steps", "steps to train", 100, MAX_STEPS, 3000),
            Control::int("patience", "early stopping: patience", 1, MAX_STEPS, 500).unit("steps").help(
                "marks where a run would stop if it stopped once its test loss had gone this many steps without a new lowest \
                 value, and what the weights of that lowest step give; the run itself goes on (the rule of Keras's and \
                 Lightning's EarlyStopping; the test set stands in for a validation set, so the kept step's test loss is an \
                 optimistic estimate)",
            ),
            Control::int("seed", "seed (data, weights, batches)", 0, 9999, 0),
            Control::int("speed", "speed", 1, 200, 10).unit("steps per frame").help("how many steps each animation frame trains (at most ~10 ms of work)"),
            Control::select("view", "map shows", &[("first", "run A"), ("second", "run B")], "first").when(
                "compare",
                &setup::OPTIMIZER_VALUES,
            ),
        ];
        super::controls::table(CONTROLS)
    }
    fn canvases(&self) -> Vec<Canvas> {
        vec![
            Canvas {
                id: "regions",
                label: "decision regions: predicted class (colour) and its confidence (shade), with the training (●) and test (○) points; \
                        for inputs of more than 2 features, the confusion matrix on the test set and the misclassified inputs as images",
                aspect: 0.85,
                clickable: false,
            },
            Canvas { id: "loss", label: "training and test loss against the step", aspect: 0.6, clickable: false },
            Canvas { id: "accuracy", label: "training and test accuracy against the step", aspect: 0.6, clickable: false },
            Canvas {
                id: "sharpness",
                label: "largest Hessian eigenvalue of the training loss against the step",
                aspect: 0.6,
                clickable: false,
            },
            Canvas {
                id: "slice",
                label: "loss along a random filter-normalised direction through the current weights",
                aspect: 0.6,
                clickable: false,
            },
            Canvas { id: "spectrum", label: "singular values of the last update of a hidden weight matrix", aspect: 0.6, clickable: false },
            Canvas {
                id: "bound",
                label: "SAM's bound without h for the trained network: L_S(θ), L_S(θ) + flatness (max over ‖ε‖₂ ≤ ρ of L_S(θ+ε) − L_S(θ), estimated from below) and the test loss, against ρ",
                aspect: 0.6,
                clickable: false,
            },
            Canvas {
                id: "gradients",
                label: "norm of the training loss's gradient with respect to each layer's weights, against the step: how the initial weights' scale reaches the first layers",
                aspect: 0.6,
                clickable: false,
            },
        ]
    }

    /// The run after its first [`COMPUTE_STEPS`] steps, its measurements finished (the live page uses
    /// [`Chapter::start_live`]).
    fn compute(&self, st: &State) -> Scene {
        super::compute_model::<Training>(st)
    }
    fn is_live(&self) -> bool {
        true
    }
    fn start_live(&self, st: &State) -> Result<Box<dyn LiveRun>, Message> {
        Ok(Box::new(start(st)?))
    }
    fn live_ignores(&self) -> &'static [&'static str] {
        &["speed", "view", "patience"]
    }
    fn asset(&self, st: &State) -> Option<&'static str> {
        let digits = st.values.get("dataset").is_some_and(|d| d == "digits");
        (digits && !crate::train::digits::loaded()).then_some(crate::train::digits::ASSET)
    }
}
