//! A small multilayer perceptron over a flat parameter vector, with its forward and backward pass.
//!
//! Layer `l` maps `A_{l−1}` (rows × fan_in) to `Z_l = A_{l−1}·W_lᵀ + b_l` (rows × fan_out) and, for a
//! hidden layer, `A_l = σ(Z_l)`; the last layer's `Z` are the logits. `W_l` is `fan_out × fan_in` like
//! PyTorch's `nn.Linear.weight`, so Muon's shape factor `√max(1, rows/cols)` means what it means there.
//!
//! **Parameter layout.** One flat `Vec<f64>`; layer after layer, first `W_l` row-major, then `b_l`
//! (see [`Layer`]). Any optimizer of the core steps this vector as it is. This is PyTorch's order:
//! `torch.cat([p.flatten() for p in model.parameters()])` for `nn.Sequential(Linear, act, …, Linear)`
//! gives the same vector, so weights move between the two without reordering.
//!
//! **Batch normalisation** ([`Mlp::with_batch_norm`]): every hidden layer becomes PyTorch's `Linear(bias=False)
//! → BatchNorm1d → activation`, and its `γ` (`BatchNorm1d.weight`, starting at 1) and `β` (`.bias`, starting at
//! 0) follow the layer's weights in the flat vector, again in `model.parameters()` order. The layer has no bias
//! of its own, as in ResNet-style code: the normalisation subtracts the batch mean, so a bias would change
//! nothing and its gradient would be zero up to rounding, which Adam-like optimizers turn into steps of size η.
//! A training pass ([`Mode::Train`]) normalises each unit with the mean and the biased variance of the loaded
//! rows (which must be the whole batch); an evaluation ([`Mode::Eval`]) with the running statistics the network
//! keeps ([`Mlp::running_stats`], PyTorch's buffers `running_mean` and `running_var`), which
//! [`Mlp::update_running_stats`] moves after a training pass. ε = 1e-5, momentum 0.1, as `nn.BatchNorm1d`.
//!
//! **Losses,** averaged over the rows of a batch: softmax cross-entropy `−log softmax(z)_y`, or the squared
//! loss `½‖z − onehot(y)‖²` on the raw outputs.
//!
//! **Speed.** The products are batched matrix products over preallocated [`Workspace`] buffers. For the
//! tiny shapes of the playground (batch 10, width 8) a direct loop over contiguous rows is as fast as a
//! general GEMM and allocates nothing, so products below [`GEMM_MIN_FLOPS`] multiply-adds use it (blocks
//! of 8, 2 or 1 sums held in registers, each sum added in its plain order); larger ones use ndarray's
//! `general_mat_mul` (matrixmultiply, with a wasm simd128 kernel). Nothing in a pass allocates below that
//! size. `tanh` runs on two-lane vectors ([`tanh_slice`]), bit for bit the scalar [`tanh`].

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// Products with at least this many multiply-adds go to `general_mat_mul`. Measured natively on a training
/// step (ReLU, SGD): at 10×32×32 the direct loop and the GEMM take the same time, at 10×64×64 the GEMM is
/// 1.7× faster and at 32×64×64 5×; at 10×8×8 and 10×16×16 they are equal within noise, and the direct loop
/// allocates nothing (matrixmultiply allocates packing buffers on every call).
pub const GEMM_MIN_FLOPS: usize = 16_384;

/// The hidden layers' nonlinearity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `tanh z`; the backward pass reuses `1 − a²` instead of evaluating tanh again.
    #[default]
    Tanh,
    /// `max(0, z)`, with derivative 0 at 0 (PyTorch's convention).
    Relu,
    /// GELU in its tanh approximation (Hendrycks & Gimpel 2016; PyTorch `gelu(approximate="tanh")`):
    /// `½z(1 + tanh(√(2/π)(z + 0.044715z³)))`. The exact erf form differs by < 5e-4.
    Gelu,
}

/// The training loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Softmax cross-entropy on the logits (`torch.nn.CrossEntropyLoss`).
    #[default]
    CrossEntropy,
    /// `½‖z − onehot(y)‖²` per sample on the raw outputs (half of `MSELoss(reduction="sum")`/rows).
    Squared,
}

/// Weight initialisation; biases start at 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// He for ReLU and GELU, Xavier for tanh.
    #[default]
    Auto,
    /// He et al. 2015: `W ~ N(0, 2/fan_in)` for the hidden layers.
    He,
    /// Glorot & Bengio 2010: `W ~ N(0, 2/(fan_in + fan_out))` for the hidden layers.
    Xavier,
}

/// Batch normalisation's ε, added to the variance (`nn.BatchNorm1d`'s default).
pub const BN_EPS: f64 = 1e-5;
/// Batch normalisation's momentum: `running ← (1 − m)·running + m·batch statistic` (`nn.BatchNorm1d`'s default).
pub const BN_MOMENTUM: f64 = 0.1;

/// Where one layer lives in the flat parameter vector: `W` (`fan_out × fan_in`, row-major) at `offset`,
/// then `b` (`fan_out`), or for a hidden layer with batch normalisation `γ` and `β` (`fan_out` each) and no `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Layer {
    pub fan_in: usize,
    pub fan_out: usize,
    pub offset: usize,
    /// Batch normalisation between this layer's affine map and its activation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub norm: bool,
}

/// Which pass: evaluation or a training step's (dropout and batch normalisation behave differently).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode<'a> {
    /// `model.eval()`: no dropout; batch normalisation with the running statistics.
    Eval,
    /// `model.train()`: dropout with these factors (see [`Mlp::pass_in`]; `None`: no dropout), and batch
    /// normalisation with the statistics of the loaded rows, which must then be the step's whole batch.
    Train(Option<&'a [f64]>),
}

impl Layer {
    pub fn weight_range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.fan_in * self.fan_out
    }
    /// The bias (empty with batch normalisation).
    pub fn bias_range(&self) -> std::ops::Range<usize> {
        let b = self.offset + self.fan_in * self.fan_out;
        b..b + if self.norm { 0 } else { self.fan_out }
    }
    /// `γ` then `β` of the layer's batch normalisation (empty without).
    pub fn norm_range(&self) -> std::ops::Range<usize> {
        let n = self.offset + self.fan_in * self.fan_out;
        n..n + if self.norm { 2 * self.fan_out } else { 0 }
    }
    /// Number of parameters (weights, and the bias or batch normalisation's `γ` and `β`).
    pub fn len(&self) -> usize {
        (self.fan_in + 1 + self.norm as usize) * self.fan_out
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The network's architecture; the parameters live outside it, in a flat vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    layers: Vec<Layer>,
    pub activation: Activation,
    pub loss: Loss,
    /// With batch normalisation, per hidden layer the running mean then the running variance of its units
    /// (PyTorch's buffers; they are not parameters); empty without.
    running: Vec<f64>,
}

/// Loss sum and number of correct argmax predictions over the rows of one pass.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PassStats {
    pub loss_sum: f64,
    pub correct: usize,
}

/// Preallocated buffers for up to `capacity` rows: every per-layer matrix is a row-major `Vec`
/// (`capacity × width`), so the hot loops run over plain slices.
pub struct Workspace {
    capacity: usize,
    dim: usize,
    rows: usize,
    input: Vec<f64>,
    labels: Vec<usize>,
    z: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    delta: Vec<Vec<f64>>,
    /// One transposed weight matrix (`fan_in × fan_out`) for the forward pass.
    wt: Vec<f64>,
    /// Per hidden layer, its outputs after dropout (what the next layer reads) in a pass with a mask; empty
    /// until the first such pass (`a` keeps the outputs before dropout, for the activation's derivative).
    dropped: Vec<Vec<f64>>,
    /// With batch normalisation, per hidden layer: the normalised `x̂` of each row (`z` then holds `γx̂ + β`, the
    /// activation's input), and per unit the batch mean, the sum of squared deviations and `1/√(var + ε)` of the
    /// last pass (the first two of the last training pass); empty until the first such pass.
    xhat: Vec<Vec<f64>>,
    stats: Vec<Vec<f64>>,
}

impl Workspace {
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Features per row (the network's input width).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Loads up to `capacity` labelled points (each [`dim`](Self::dim) features, e.g. `[f64; 2]` or a
    /// `&[f64]` row) as the rows of the next pass; returns the row count.
    ///
    /// # Panics
    /// If a point does not have `dim` features.
    pub fn load<P: AsRef<[f64]>>(&mut self, points: impl IntoIterator<Item = (P, usize)>) -> usize {
        let (mut r, d) = (0, self.dim);
        for (p, y) in points.into_iter().take(self.capacity) {
            let p = p.as_ref();
            assert_eq!(p.len(), d, "a point of {} features for a network with {d} inputs", p.len());
            self.input[d * r..d * (r + 1)].copy_from_slice(p);
            self.labels[r] = y;
            r += 1;
        }
        self.rows = r;
        r
    }

    /// The network's outputs of the last forward pass (`rows × classes`): probabilities for
    /// cross-entropy, raw outputs for the squared loss.
    pub fn outputs(&self) -> ArrayView2<'_, f64> {
        let out = self.a.last().expect("at least one layer");
        let k = out.len() / self.capacity;
        ArrayView2::from_shape((self.rows, k), &out[..self.rows * k]).expect("layout")
    }
}

impl Mlp {
    /// `inputs → hidden[0] → … → classes`.
    pub fn new(inputs: usize, hidden: &[usize], classes: usize, activation: Activation, loss: Loss) -> Mlp {
        let mut layers = Vec::with_capacity(hidden.len() + 1);
        let (mut fan_in, mut offset) = (inputs, 0);
        for &fan_out in hidden.iter().chain(std::iter::once(&classes)) {
            let layer = Layer { fan_in, fan_out, offset, norm: false };
            offset += layer.len();
            layers.push(layer);
            fan_in = fan_out;
        }
        Mlp { layers, activation, loss, running: Vec::new() }
    }

    /// The same network with batch normalisation after every hidden layer's affine map (see the module docs);
    /// the running statistics start at mean 0 and variance 1, as PyTorch's.
    pub fn with_batch_norm(mut self) -> Mlp {
        let (last, mut offset) = (self.layers.len() - 1, 0);
        self.running.clear();
        for (l, layer) in self.layers.iter_mut().enumerate() {
            layer.offset = offset;
            layer.norm = l < last;
            offset += layer.len();
            if layer.norm {
                self.running.extend((0..2 * layer.fan_out).map(|i| (i >= layer.fan_out) as u8 as f64));
            }
        }
        self
    }

    /// Whether the hidden layers have batch normalisation.
    pub fn batch_norm(&self) -> bool {
        !self.running.is_empty()
    }

    /// The running statistics (per hidden layer, the means then the variances of its units); empty without
    /// batch normalisation.
    pub fn running_stats(&self) -> &[f64] {
        &self.running
    }

    /// Exchanges the running statistics with `other` (of the same length: another copy of this network's),
    /// e.g. to evaluate with those of an earlier step and then put the current ones back.
    pub fn swap_running_stats(&mut self, other: &mut Vec<f64>) {
        assert_eq!(other.len(), self.running.len(), "running statistics of another network");
        std::mem::swap(&mut self.running, other);
    }

    /// The running statistics per normalised layer, in layer order: (means, variances), `fan_out` each.
    pub fn running_per_layer(&self) -> impl Iterator<Item = (&[f64], &[f64])> {
        let mut rest = &self.running[..];
        self.layers.iter().filter(|l| l.norm).map(move |l| {
            let (this, tail) = rest.split_at(2 * l.fan_out);
            rest = tail;
            this.split_at(l.fan_out)
        })
    }

    /// Moves the running statistics towards those of the last training pass in `ws` as PyTorch does in a
    /// training-mode forward: `running ← (1 − m)·running + m·s` with `m` = [`BN_MOMENTUM`], `s` the batch mean
    /// and the unbiased variance (sum of squares over `rows − 1`). Nothing without batch normalisation.
    pub fn update_running_stats(&mut self, ws: &Workspace) {
        let n = ws.rows as f64;
        let mut at = 0;
        for (layer, st) in self.layers.iter().filter(|l| l.norm).zip(&ws.stats) {
            let fo = layer.fan_out;
            let (run_mean, run_var) = self.running[at..at + 2 * fo].split_at_mut(fo);
            for j in 0..fo {
                run_mean[j] = BN_MOMENTUM * st[j] + (1.0 - BN_MOMENTUM) * run_mean[j];
                run_var[j] = BN_MOMENTUM * (st[fo + j] / (n - 1.0)) + (1.0 - BN_MOMENTUM) * run_var[j];
            }
            at += 2 * fo;
        }
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// What the parameter count is made of, for messages: `3-5-4-3 network, per layer fan_out×fan_in
    /// weights then fan_out biases: 5×3+5 + 4×5+4 + 3×4+3`.
    pub fn describe_params(&self) -> String {
        // joined by loops, not `join` (optlab joins with its own loop, so the wasm holds no copy of std's)
        let mut sizes = self.layers[0].fan_in.to_string();
        let mut parts = String::new();
        for (i, l) in self.layers.iter().enumerate() {
            sizes.push('-');
            sizes.push_str(&l.fan_out.to_string());
            if i > 0 {
                parts.push_str(" + ");
            }
            parts.push_str(&format!("{}×{}+{}{}", l.fan_out, l.fan_in, if l.norm { "2×" } else { "" }, l.fan_out));
        }
        let norm = if self.batch_norm() {
            " (a hidden layer's biases replaced by fan_out γ and fan_out β of its batch normalisation)"
        } else {
            ""
        };
        format!("{} network, per layer fan_out×fan_in weights then fan_out biases{norm}: {}", sizes, parts)
    }

    pub fn n_params(&self) -> usize {
        self.layers.last().map_or(0, |l| l.offset + l.len())
    }

    pub fn classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.fan_out)
    }

    /// Layer `l`'s weight matrix as a view into `params`.
    pub fn weight<'a>(&self, params: &'a [f64], l: usize) -> ArrayView2<'a, f64> {
        let layer = self.layers[l];
        ArrayView2::from_shape((layer.fan_out, layer.fan_in), &params[layer.weight_range()]).expect("layout")
    }

    /// Fresh parameters: hidden weights by `init`, the output layer's by Xavier (it is linear), biases 0; with
    /// batch normalisation `γ` 1 and `β` 0.
    pub fn init(&self, init: Init, rng: &mut dyn rand::RngCore) -> Vec<f64> {
        let he = match init {
            Init::Auto => self.activation != Activation::Tanh,
            Init::He => true,
            Init::Xavier => false,
        };
        let mut params = vec![0.0; self.n_params()];
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let (fi, fo) = (layer.fan_in as f64, layer.fan_out as f64);
            let var = if he && l < last { 2.0 / fi } else { 2.0 / (fi + fo) };
            let normal = Normal::new(0.0, var.sqrt()).expect("positive variance");
            for w in &mut params[layer.weight_range()] {
                *w = normal.sample(rng);
            }
            params[layer.norm_range()].iter_mut().take(layer.fan_out).for_each(|g| *g = 1.0);
        }
        params
    }

    /// Buffers for passes of up to `capacity` rows.
    pub fn workspace(&self, capacity: usize) -> Workspace {
        let (capacity, dim) = (capacity.max(1), self.layers[0].fan_in);
        let per_layer = || self.layers.iter().map(|l| vec![0.0; capacity * l.fan_out]).collect::<Vec<_>>();
        Workspace {
            capacity,
            dim,
            rows: 0,
            input: vec![0.0; capacity * dim],
            labels: vec![0; capacity],
            z: per_layer(),
            a: per_layer(),
            delta: per_layer(),
            wt: vec![0.0; self.layers.iter().map(|l| l.fan_in * l.fan_out).max().unwrap_or(0)],
            dropped: Vec::new(),
            xhat: Vec::new(),
            stats: Vec::new(),
        }
    }

    /// Units per row of a dropout mask: the sum of the hidden layers' widths (see [`Mlp::pass_in`]).
    pub fn hidden_units(&self) -> usize {
        let last = self.layers.len() - 1;
        self.layers[..last].iter().map(|l| l.fan_out).sum()
    }

    /// Forward pass over the loaded rows in evaluation mode ([`Mode::Eval`]); returns the loss sum and correct
    /// count. With `grad`, also adds `scale · Σ_rows ∇ℓ_row` into it (`scale = 1/rows` gives the gradient of the
    /// mean loss).
    pub fn pass(&self, params: &[f64], ws: &mut Workspace, grad: Option<(&mut [f64], f64)>) -> PassStats {
        self.pass_in(params, ws, grad, Mode::Eval)
    }

    /// [`pass`](Self::pass) in either mode. A training pass ([`Mode::Train`]) has:
    /// - dropout on the hidden layers' outputs (PyTorch's `nn.Dropout(p)` after each hidden activation) when
    ///   given a mask: for each loaded row in turn, one factor per hidden unit, layer after layer
    ///   ([`hidden_units`](Self::hidden_units) per row), 0 for a dropped unit and `1/(1 − p)` for a kept one. The
    ///   next layer reads `σ(z)·factor`, and the backward pass multiplies the gradient by the same factor before
    ///   the activation's derivative, as autograd does through `input * noise`;
    /// - batch normalisation with the loaded rows' own mean and variance, through which the gradient flows
    ///   (autograd's `native_batch_norm_backward` in training mode), so the rows must be the whole batch.
    ///
    /// # Panics
    /// If the mask is shorter than the loaded rows times the hidden units.
    pub fn pass_in(&self, params: &[f64], ws: &mut Workspace, grad: Option<(&mut [f64], f64)>, mode: Mode<'_>) -> PassStats {
        let r = ws.rows;
        let last = self.layers.len() - 1;
        let (mask, train) = match mode {
            Mode::Eval => (None, false),
            Mode::Train(mask) => (mask, true),
        };
        let units = if mask.is_some() { self.hidden_units() } else { 0 };
        if let Some(m) = mask {
            assert!(m.len() >= r * units, "a dropout mask of {} factors for {r} rows of {units} hidden units", m.len());
            sized(&mut ws.dropped, &self.layers[..last], ws.capacity);
        }
        if self.batch_norm() {
            sized(&mut ws.xhat, &self.layers[..last], ws.capacity);
            sized(&mut ws.stats, &self.layers[..last], 5);
        }
        let (mut offset, mut at) = (0, 0);
        for (l, layer) in self.layers.iter().enumerate() {
            let (fi, fo) = (layer.fan_in, layer.fan_out);
            let a_prev = &layer_input(&ws.input, &ws.a, &ws.dropped, l, mask.is_some())[..r * fi];
            let (w, b) = (&params[layer.weight_range()], &params[layer.bias_range()]);
            affine(a_prev, w, (!layer.norm).then_some(b), (r, fi, fo), &mut ws.z[l][..r * fo], &mut ws.wt);
            if l < last {
                if layer.norm {
                    let running = (!train).then(|| &self.running[at..at + 2 * fo]);
                    normalise(&params[layer.norm_range()], running, &mut ws.z[l][..r * fo], &mut ws.xhat[l][..r * fo], &mut ws.stats[l]);
                    at += 2 * fo;
                }
                activate(self.activation, &ws.z[l][..r * fo], &mut ws.a[l][..r * fo]);
                if let Some(m) = mask {
                    let out = &mut ws.dropped[l][..r * fo];
                    out.copy_from_slice(&ws.a[l][..r * fo]);
                    scale_rows(out, m, (units, offset, fo));
                }
                offset += fo;
            }
        }
        let stats = self.output_loss(ws, grad.as_ref().map(|g| g.1));
        if let Some((g, _)) = grad {
            self.backward(params, ws, g, mask.map(|m| (m, units)), train);
        }
        stats
    }

    /// Softmax (or identity) outputs, the loss, and the output delta `scale·∂ℓ/∂z` when `scale` is given.
    fn output_loss(&self, ws: &mut Workspace, scale: Option<f64>) -> PassStats {
        let (r, last, k) = (ws.rows, self.layers.len() - 1, self.classes());
        let mut stats = PassStats::default();
        let z_rows = ws.z[last][..r * k].chunks_exact(k);
        let out_rows = ws.a[last][..r * k].chunks_exact_mut(k);
        let d_rows = ws.delta[last][..r * k].chunks_exact_mut(k);
        for (((z, out), d), &y) in z_rows.zip(out_rows).zip(d_rows).zip(&ws.labels[..r]) {
            let mut best = 0;
            for j in 1..k {
                if z[j] > z[best] {
                    best = j;
                }
            }
            stats.correct += (best == y) as usize;
            match self.loss {
                Loss::CrossEntropy => {
                    let m = z[best];
                    let mut sum = 0.0;
                    for (j, (o, zj)) in out.iter_mut().zip(z).enumerate() {
                        // exp(0) = 1 exactly: the largest logit needs no exponential (half of them for 2 classes)
                        *o = if j == best { 1.0 } else { (zj - m).exp() };
                        sum += *o;
                    }
                    stats.loss_sum += sum.ln() + m - z[y];
                    for o in out.iter_mut() {
                        *o /= sum;
                    }
                }
                Loss::Squared => {
                    out.copy_from_slice(z);
                    for (j, zj) in z.iter().enumerate() {
                        let t = zj - (j == y) as u8 as f64;
                        stats.loss_sum += 0.5 * t * t;
                    }
                }
            }
            if let Some(scale) = scale {
                for (j, (dj, o)) in d.iter_mut().zip(out.iter()).enumerate() {
                    *dj = scale * (o - (j == y) as u8 as f64);
                }
            }
        }
        stats
    }

    fn backward(&self, params: &[f64], ws: &mut Workspace, grad: &mut [f64], mask: Option<(&[f64], usize)>, train: bool) {
        let r = ws.rows;
        // where each hidden layer's factors start within a row of the mask (counted down from the row's end)
        let mut offset = mask.map_or(0, |(_, units)| units);
        for l in (0..self.layers.len()).rev() {
            let layer = self.layers[l];
            let (fi, fo) = (layer.fan_in, layer.fan_out);
            let (lo, hi) = ws.delta.split_at_mut(l);
            let d = &hi[0][..r * fo];
            let a_prev = &layer_input(&ws.input, &ws.a, &ws.dropped, l, mask.is_some())[..r * fi];
            let (gw, gb) = grad[layer.offset..layer.offset + layer.len()].split_at_mut(fi * fo);
            add_outer(d, a_prev, (r, fi, fo), gw, (!layer.norm).then_some(gb));
            if l > 0 {
                let d_prev = &mut lo[l - 1][..r * fi];
                back_through(d, &params[layer.weight_range()], (r, fi, fo), d_prev);
                if let Some((m, units)) = mask {
                    offset -= fi;
                    scale_rows(d_prev, m, (units, offset, fi));
                }
                activation_backward(self.activation, &ws.z[l - 1][..r * fi], &ws.a[l - 1][..r * fi], d_prev);
                let below = self.layers[l - 1];
                if below.norm {
                    let (params, grad) = (&params[below.norm_range()], &mut grad[below.norm_range()]);
                    normalise_backward(params, &ws.xhat[l - 1][..r * fi], &mut ws.stats[l - 1], train, d_prev, grad);
                }
            }
        }
    }
}

/// `bufs` holding one buffer of `rows × fan_out` for each of `layers` (grown, never shrunk).
fn sized(bufs: &mut Vec<Vec<f64>>, layers: &[Layer], rows: usize) {
    bufs.resize_with(layers.len(), Vec::new);
    for (d, layer) in bufs.iter_mut().zip(layers) {
        if d.len() < rows * layer.fan_out {
            d.resize(rows * layer.fan_out, 0.0);
        }
    }
}

/// Batch normalisation of one layer's affine outputs `z` (rows × units) in place: `z ← γ·x̂ + β` with
/// `x̂ = (z − μ)/√(v + ε)` kept in `xhat`. `μ` and `v` are the rows' own mean and biased variance (training), or
/// the `running` means then variances (evaluation). `stats` receives per unit `μ`, the sum of squared
/// deviations (training only) and `1/√(v + ε)` (then two units' worth of scratch for the backward pass).
/// ATen's CPU kernels in the same order: the mean as the sum over the rows divided by their count, then the sum
/// of squared deviations from it.
fn normalise(gamma_beta: &[f64], running: Option<&[f64]>, z: &mut [f64], xhat: &mut [f64], stats: &mut [f64]) {
    let units = gamma_beta.len() / 2;
    let (gamma, beta) = gamma_beta.split_at(units);
    let (mean, rest) = stats.split_at_mut(units);
    let (sq, inv) = rest.split_at_mut(units);
    match running {
        Some(run) => {
            mean.copy_from_slice(&run[..units]);
            for (i, v) in inv.iter_mut().zip(&run[units..]) {
                *i = 1.0 / (v + BN_EPS).sqrt();
            }
        }
        None => {
            let n = (z.len() / units) as f64;
            mean.fill(0.0);
            sq.fill(0.0);
            for row in z.chunks_exact(units) {
                mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
            }
            mean.iter_mut().for_each(|m| *m /= n);
            for row in z.chunks_exact(units) {
                for ((s, v), m) in sq.iter_mut().zip(row).zip(&*mean) {
                    *s += (v - m) * (v - m);
                }
            }
            for (i, s) in inv.iter_mut().zip(&*sq) {
                *i = 1.0 / (s / n + BN_EPS).sqrt();
            }
        }
    }
    for (row, xr) in z.chunks_exact_mut(units).zip(xhat.chunks_exact_mut(units)) {
        for j in 0..units {
            xr[j] = (row[j] - mean[j]) * inv[j];
            row[j] = xr[j] * gamma[j] + beta[j];
        }
    }
}

/// The backward pass of [`normalise`]: `d` holds `∂L/∂(γx̂ + β)` per row and unit and becomes `∂L/∂z`; `γ`'s
/// and `β`'s gradients (`Σ d·x̂`, `Σ d`) are added into `grad`. In training the mean and variance depend on
/// every row: `∂L/∂z = γ/√(v + ε)·(d − mean(d) − x̂·mean(d·x̂))`; in evaluation they are constants.
fn normalise_backward(gamma_beta: &[f64], xhat: &[f64], stats: &mut [f64], train: bool, d: &mut [f64], grad: &mut [f64]) {
    let units = gamma_beta.len() / 2;
    let (g_gamma, g_beta) = grad.split_at_mut(units);
    let (inv, scratch) = stats[2 * units..5 * units].split_at_mut(units);
    let (sum_d, sum_dx) = scratch.split_at_mut(units);
    sum_d.fill(0.0);
    sum_dx.fill(0.0);
    for (dr, xr) in d.chunks_exact(units).zip(xhat.chunks_exact(units)) {
        for j in 0..units {
            sum_d[j] += dr[j];
            sum_dx[j] += dr[j] * xr[j];
        }
    }
    for j in 0..units {
        g_gamma[j] += sum_dx[j];
        g_beta[j] += sum_d[j];
    }
    let n = (d.len() / units) as f64;
    for (dr, xr) in d.chunks_exact_mut(units).zip(xhat.chunks_exact(units)) {
        for j in 0..units {
            let k = gamma_beta[j] * inv[j];
            dr[j] = if train { k * (dr[j] - sum_d[j] / n - xr[j] * (sum_dx[j] / n)) } else { k * dr[j] };
        }
    }
}

/// What layer `l` reads: the input for the first layer, else the previous hidden layer's outputs, after dropout
/// in a pass with a mask.
fn layer_input<'a>(input: &'a [f64], a: &'a [Vec<f64>], dropped: &'a [Vec<f64>], l: usize, masked: bool) -> &'a [f64] {
    match (l, masked) {
        (0, _) => input,
        (_, true) => &dropped[l - 1],
        (_, false) => &a[l - 1],
    }
}

/// `x ← x ⊙ factor` for one hidden layer's rows (`x`: rows × width), the factors of row `r` at
/// `mask[r·units + offset..][..width]`: dropout on the outputs, and on the gradient coming back through them.
fn scale_rows(x: &mut [f64], mask: &[f64], (units, offset, width): (usize, usize, usize)) {
    for (row, xr) in x.chunks_exact_mut(width).enumerate() {
        xr.iter_mut().zip(&mask[row * units + offset..][..width]).for_each(|(v, f)| *v *= f);
    }
}

fn view(v: &[f64], shape: (usize, usize)) -> ArrayView2<'_, f64> {
    ArrayView2::from_shape(shape, v).expect("layout")
}

fn view_mut(v: &mut [f64], shape: (usize, usize)) -> ArrayViewMut2<'_, f64> {
    ArrayViewMut2::from_shape(shape, v).expect("layout")
}

/// `z = a·wᵀ + b` (a: rows × fi, w: fo × fi, z: rows × fo). The small kernel first transposes `w` into
/// `wt`, then builds each row of `z` in blocks of columns held in registers ([`cols`]): `z_rj = b_j +
/// a_r0·w_j0 + a_r1·w_j1 + …`, added in that order.
fn affine(a: &[f64], w: &[f64], b: Option<&[f64]>, (rows, fi, fo): (usize, usize, usize), z: &mut [f64], wt: &mut [f64]) {
    if rows * fi * fo >= GEMM_MIN_FLOPS {
        general_mat_mul(1.0, &view(a, (rows, fi)), &view(w, (fo, fi)).t(), 0.0, &mut view_mut(z, (rows, fo)));
        for zr in z.chunks_exact_mut(fo) {
            for (v, bj) in zr.iter_mut().zip(b.unwrap_or_default()) {
                *v += bj;
            }
        }
        return;
    }
    let wt = &mut wt[..fi * fo];
    for (j, wr) in w.chunks_exact(fi).enumerate() {
        for (k, &v) in wr.iter().enumerate() {
            wt[k * fo + j] = v;
        }
    }
    for (ar, zr) in a.chunks_exact(fi).zip(z.chunks_exact_mut(fo)) {
        cols(fo, |c, width| match width {
            8 => zr[c..c + 8].copy_from_slice(&affine_cols::<8>(ar, wt, fo, c, b)),
            2 => zr[c..c + 2].copy_from_slice(&affine_cols::<2>(ar, wt, fo, c, b)),
            _ => zr[c] = affine_cols::<1>(ar, wt, fo, c, b)[0],
        });
    }
}

/// Cuts `0..n` into blocks of 8, then of 2, then 1 and calls `f(start, width)` on each in order: the
/// small kernels hold a block of `width` sums in registers (fixed-size arrays LLVM keeps in two-lane
/// vectors) while they run over the other index, instead of a short loop of run-time length per term.
#[inline(always)]
fn cols(n: usize, mut f: impl FnMut(usize, usize)) {
    let mut c = 0;
    while c + 8 <= n {
        f(c, 8);
        c += 8;
    }
    while c + 2 <= n {
        f(c, 2);
        c += 2;
    }
    if c < n {
        f(c, 1);
    }
}

/// Columns `c..c + W` of one row of [`affine`]'s small kernel.
#[inline(always)]
fn affine_cols<const W: usize>(ar: &[f64], wt: &[f64], fo: usize, c: usize, b: Option<&[f64]>) -> [f64; W] {
    let mut acc: [f64; W] = b.map_or([0.0; W], |b| b[c..c + W].try_into().expect("W columns"));
    for (&ak, wk) in ar.iter().zip(wt.chunks_exact(fo)) {
        let wk = &wk[c..c + W];
        for j in 0..W {
            acc[j] += ak * wk[j];
        }
    }
    acc
}

/// `gw += dᵀ·a` and, with a bias, `gb += Σ_rows d` (d: rows × fo, a: rows × fi, gw: fo × fi, gb: fo), the rows added
/// in order.
fn add_outer(d: &[f64], a: &[f64], (rows, fi, fo): (usize, usize, usize), gw: &mut [f64], mut gb: Option<&mut [f64]>) {
    if rows * fi * fo >= GEMM_MIN_FLOPS {
        general_mat_mul(1.0, &view(d, (rows, fo)).t(), &view(a, (rows, fi)), 1.0, &mut view_mut(gw, (fo, fi)));
        if let Some(gb) = gb {
            for dr in d.chunks_exact(fo) {
                for (g, v) in gb.iter_mut().zip(dr) {
                    *g += v;
                }
            }
        }
        return;
    }
    for (j, gr) in gw.chunks_exact_mut(fi).enumerate() {
        let dj = d.iter().skip(j).step_by(fo);
        if let Some(gb) = gb.as_deref_mut() {
            for v in dj.clone() {
                gb[j] += v;
            }
        }
        cols(fi, |c, width| match width {
            8 => outer_cols::<8>(dj.clone(), a, fi, c, &mut gr[c..c + 8]),
            2 => outer_cols::<2>(dj.clone(), a, fi, c, &mut gr[c..c + 2]),
            _ => outer_cols::<1>(dj.clone(), a, fi, c, &mut gr[c..c + 1]),
        });
    }
}

/// `g[k] += Σ_r d_r·a_r,c+k` over the rows in order, for one row of [`add_outer`]'s `gw`.
#[inline(always)]
fn outer_cols<'a, const W: usize>(dj: impl Iterator<Item = &'a f64>, a: &[f64], fi: usize, c: usize, g: &mut [f64]) {
    let mut acc: [f64; W] = (&*g).try_into().expect("W columns");
    for (&v, ar) in dj.zip(a.chunks_exact(fi)) {
        let ar = &ar[c..c + W];
        for k in 0..W {
            acc[k] += v * ar[k];
        }
    }
    g.copy_from_slice(&acc);
}

/// `d_prev = d·w` (d: rows × fo, w: fo × fi, d_prev: rows × fi): `0 + d_r0·w_0k + d_r1·w_1k + …`, in that
/// order.
fn back_through(d: &[f64], w: &[f64], (rows, fi, fo): (usize, usize, usize), d_prev: &mut [f64]) {
    if rows * fi * fo >= GEMM_MIN_FLOPS {
        general_mat_mul(1.0, &view(d, (rows, fo)), &view(w, (fo, fi)), 0.0, &mut view_mut(d_prev, (rows, fi)));
        return;
    }
    for (dr, pr) in d.chunks_exact(fo).zip(d_prev.chunks_exact_mut(fi)) {
        cols(fi, |c, width| match width {
            8 => pr[c..c + 8].copy_from_slice(&back_cols::<8>(dr, w, fi, c)),
            2 => pr[c..c + 2].copy_from_slice(&back_cols::<2>(dr, w, fi, c)),
            _ => pr[c] = back_cols::<1>(dr, w, fi, c)[0],
        });
    }
}

/// Columns `c..c + W` of one row of [`back_through`]'s small kernel.
#[inline(always)]
fn back_cols<const W: usize>(dr: &[f64], w: &[f64], fi: usize, c: usize) -> [f64; W] {
    let mut acc = [0.0; W];
    for (&dj, wr) in dr.iter().zip(w.chunks_exact(fi)) {
        let wr = &wr[c..c + W];
        for k in 0..W {
            acc[k] += dj * wr[k];
        }
    }
    acc
}

pub const GELU_C: f64 = 0.797_884_560_802_865_4; // √(2/π)
pub const GELU_K: f64 = 0.044_715;

/// `tanh x`, the hot call of a tanh or GELU network (half of a training step's time with std's), within
/// 2 ulps of it (`tanh_is_within_two_ulps` below), without expm1 and with a single division:
/// - |x| < 0.625: Cephes' rational approximation `x + x·z·P(z)/Q(z)`, z = x² (Moshier, Cephes `tanh.c`);
/// - 0.625 ≤ |x| ≤ 22: `1 − 2e/(1 + e)` with `e = exp(−2|x|) ≤ 0.29`, so no cancellation, and `e` from
///   a Cody–Waite reduction `−2|x| = k·ln 2 + r` (|r| ≤ ln 2 / 2) and the degree-13 Taylor polynomial of
///   `exp r` (truncation < 5e-18 relative), scaled by `2^k` built from its bits;
/// - |x| > 22: ±1 (tanh 22 rounds to 1); NaN stays NaN.
///
/// In wasm, std's `tanh` is musl's (an expm1, a division and a call into precompiled compiler-builtins).
/// [`tanh2`] computes two at once with the same operations in the same order (the same bits).
#[inline]
pub fn tanh(x: f64) -> f64 {
    let a = x.abs();
    if a < 0.625 {
        let z = x * x;
        let p = (TANH_P[0] * z + TANH_P[1]) * z + TANH_P[2];
        let q = ((z + TANH_Q[0]) * z + TANH_Q[1]) * z + TANH_Q[2];
        return (x + x * z * (p / q)).copysign(x); // copysign: −0 stays −0
    }
    if a > 22.0 {
        return 1.0f64.copysign(x);
    }
    let y = -2.0 * a;
    // k = round(y/ln 2), ties to even, as `round_ties_even` gives it (|y/ln 2| < 64 here), without a call
    // of `rint` on x86-64 before SSE4.1, and with 2^k's bits in reach of two-lane integer operations
    let k = (y * std::f64::consts::LOG2_E + ROUND_MAGIC) - ROUND_MAGIC;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    // exp r = Σ rⁿ/n!, n ≤ 13, by Horner
    let mut p = INV_FACT[13];
    for c in INV_FACT[1..13].iter().rev() {
        p = p * r + c;
    }
    let e = (p * r + 1.0) * f64::from_bits(((k as i64 + 1023) as u64) << 52);
    // tanh = (1 − e)/(1 + e) = 1 − 2e/(1 + e): the small term carries the rounding, so < 1 ulp is lost
    (1.0 - 2.0 * e / (1.0 + e)).copysign(x)
}

const TANH_P: [f64; 3] = [-9.643_991_794_250_523e-1, -9.928_772_310_019_186e1, -1.614_687_684_417_084_5e3];
const TANH_Q: [f64; 3] = [1.128_116_784_916_329_3e2, 2.235_488_390_601_004_5e3, 4.844_063_053_251_255e3];
/// fdlibm's split of ln 2: the high part has its last 32 bits zero, so k·LN2_HI is exact
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// 1.5·2⁵²: `(v + M) − M` is `v` rounded to an integer, ties to even, for |v| < 2⁵¹, and the bits of
/// `v + M` are those of M plus that integer.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// `[tanh x₀, tanh x₁]`, bit for bit what [`tanh`] gives for each (`tanh2_is_tanh_bit_for_bit`), on
/// two-lane vectors where the build has them (wasm simd128, x86-64's SSE2): each lane evaluates all three
/// branches of [`tanh`] with its operations in its order (no fused multiply–add) and keeps its own.
#[inline]
pub fn tanh2(x: [f64; 2]) -> [f64; 2] {
    #[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        lanes::store(tanh_lanes([lanes::load(x)])[0])
    }
    #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
    {
        [tanh(x[0]), tanh(x[1])]
    }
}

/// [`tanh2`] on `N` vectors at once, every step interleaved over them (the degree-13 Horner chain is long:
/// `N` independent chains keep the CPU busy while one waits). The work of a branch no lane takes is
/// skipped, and the two branches share one division: a lane divides `P/Q` or `2e/(1 + e)`, whichever
/// its branch needs.
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn tanh_lanes<const N: usize>(x: [lanes::V; N]) -> [lanes::V; N] {
    use lanes::*;
    let sign = splat(-0.0);
    let a: [V; N] = core::array::from_fn(|i| andnot(x[i], sign));
    let is_small: [V; N] = core::array::from_fn(|i| lt(a[i], splat(0.625)));
    let small_lanes: u32 = is_small.iter().map(|&m| mask_bits(m)).sum();
    match small_lanes as usize {
        0 => tanh_branches::<N, false, true>(x, a, is_small),
        n if n == 2 * N => tanh_branches::<N, true, false>(x, a, is_small),
        _ => tanh_branches::<N, true, true>(x, a, is_small),
    }
}

/// The arithmetic of [`tanh_lanes`] with the lanes below 0.625 (`is_small`) evaluated if `SMALL` and the
/// others if `MID`.
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn tanh_branches<const N: usize, const SMALL: bool, const MID: bool>(
    x: [lanes::V; N],
    a: [lanes::V; N],
    is_small: [lanes::V; N],
) -> [lanes::V; N] {
    use lanes::*;
    macro_rules! each {
        ($i:ident => $e:expr) => {
            core::array::from_fn::<V, N, _>(|$i| $e)
        };
    }
    let (one, zero) = (splat(1.0), splat(0.0));
    // |x| < 0.625: the numerator and denominator of P(z)/Q(z)
    let z = each!(i => mul(x[i], x[i]));
    let (p_small, q_small) = if SMALL {
        let p = each!(i => add(mul(add(mul(splat(TANH_P[0]), z[i]), splat(TANH_P[1])), z[i]), splat(TANH_P[2])));
        (p, each!(i => add(mul(add(mul(add(z[i], splat(TANH_Q[0])), z[i]), splat(TANH_Q[1])), z[i]), splat(TANH_Q[2]))))
    } else {
        ([zero; N], [one; N])
    };
    // 0.625 ≤ |x| ≤ 22: those of 2e/(1 + e)
    let (p_mid, q_mid) = if MID {
        let y = each!(i => mul(splat(-2.0), a[i]));
        let kb = each!(i => add(mul(y[i], splat(std::f64::consts::LOG2_E)), splat(ROUND_MAGIC)));
        let r = each!(i => {
            let k = sub(kb[i], splat(ROUND_MAGIC));
            sub(sub(y[i], mul(k, splat(LN2_HI))), mul(k, splat(LN2_LO)))
        });
        let mut p = [splat(INV_FACT[13]); N];
        for &c in INV_FACT[1..13].iter().rev() {
            p = each!(i => add(mul(p[i], r[i]), splat(c)));
        }
        // kb's bits are M's plus k, and M's shifted by 52 vanish: 2^k = (k + 1023) << 52
        let e = each!(i => mul(add(mul(p[i], r[i]), one), exponent_bits(kb[i])));
        (each!(i => mul(splat(2.0), e[i])), each!(i => add(one, e[i])))
    } else {
        ([zero; N], [one; N])
    };
    each!(i => {
        let d = div(select(is_small[i], p_small[i], p_mid[i]), select(is_small[i], q_small[i], q_mid[i]));
        let small = add(x[i], mul(mul(x[i], z[i]), d));
        let mid = select(gt(a[i], splat(22.0)), one, sub(one, d));
        let magnitude = select(is_small[i], small, mid);
        or(andnot(magnitude, sign_mask()), and(x[i], sign_mask()))
    })
}

/// `out[i] = tanh(z[i])`, eight at a time ([`tanh2`] on four vectors), then two, then one.
///
/// # Panics
/// If the slices differ in length.
pub fn tanh_slice(z: &[f64], out: &mut [f64]) {
    assert_eq!(z.len(), out.len(), "tanh_slice: {} inputs, {} outputs", z.len(), out.len());
    #[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
    let (z, out) = {
        const N: usize = 4;
        let (mut zs, mut os) = (z.chunks_exact(2 * N), out.chunks_exact_mut(2 * N));
        for (zi, oi) in zs.by_ref().zip(os.by_ref()) {
            let t = tanh_lanes::<N>(core::array::from_fn(|i| lanes::load([zi[2 * i], zi[2 * i + 1]])));
            for (o, v) in oi.chunks_exact_mut(2).zip(t) {
                o.copy_from_slice(&lanes::store(v));
            }
        }
        (zs.remainder(), os.into_remainder())
    };
    let (mut zs, mut os) = (z.chunks_exact(2), out.chunks_exact_mut(2));
    for (zi, oi) in zs.by_ref().zip(os.by_ref()) {
        oi.copy_from_slice(&tanh2([zi[0], zi[1]]));
    }
    for (zi, oi) in zs.remainder().iter().zip(os.into_remainder()) {
        *oi = tanh(*zi);
    }
}

/// The two-lane f64 operations [`tanh2`] needs, on wasm's simd128.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::*;
    pub type V = v128;
    #[inline(always)]
    pub fn splat(v: f64) -> V {
        f64x2_splat(v)
    }
    #[inline(always)]
    pub fn load(x: [f64; 2]) -> V {
        f64x2(x[0], x[1])
    }
    #[inline(always)]
    pub fn store(v: V) -> [f64; 2] {
        [f64x2_extract_lane::<0>(v), f64x2_extract_lane::<1>(v)]
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        f64x2_add(a, b)
    }
    #[inline(always)]
    pub fn sub(a: V, b: V) -> V {
        f64x2_sub(a, b)
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        f64x2_mul(a, b)
    }
    #[inline(always)]
    pub fn div(a: V, b: V) -> V {
        f64x2_div(a, b)
    }
    #[inline(always)]
    pub fn and(a: V, b: V) -> V {
        v128_and(a, b)
    }
    #[inline(always)]
    pub fn or(a: V, b: V) -> V {
        v128_or(a, b)
    }
    /// `a & !b`
    #[inline(always)]
    pub fn andnot(a: V, b: V) -> V {
        v128_andnot(a, b)
    }
    #[inline(always)]
    pub fn lt(a: V, b: V) -> V {
        f64x2_lt(a, b)
    }
    #[inline(always)]
    pub fn gt(a: V, b: V) -> V {
        f64x2_gt(a, b)
    }
    /// `m ? a : b` per lane (m all ones or all zeros)
    #[inline(always)]
    pub fn select(m: V, a: V, b: V) -> V {
        v128_bitselect(a, b, m)
    }
    /// `f64::from_bits((bits + 1023) << 52)` per lane
    #[inline(always)]
    pub fn exponent_bits(v: V) -> V {
        i64x2_shl(i64x2_add(v, i64x2_splat(1023)), 52)
    }
    /// How many lanes of a comparison's result are true.
    #[inline(always)]
    pub fn mask_bits(m: V) -> u32 {
        i64x2_bitmask(m).count_ones()
    }
    #[inline(always)]
    pub fn sign_mask() -> V {
        f64x2_splat(-0.0)
    }
}

/// The two-lane f64 operations [`tanh2`] needs, on x86-64's SSE2.
#[cfg(target_arch = "x86_64")]
mod lanes {
    use core::arch::x86_64::*;
    pub type V = __m128d;

    /// `pub fn name(args) -> V { body }`, its body calling SSE2 intrinsics.
    macro_rules! sse2 {
        ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) $body:expr) => {
            $(#[$doc])*
            #[inline(always)]
            pub fn $name($($arg: $ty),*) -> V {
                // SAFETY: SSE2 is part of x86-64 itself (every x86-64 CPU has it; the target enables it)
                unsafe { $body }
            }
        };
    }
    sse2!(splat(v: f64) _mm_set1_pd(v));
    sse2!(load(x: [f64; 2]) _mm_loadu_pd(x.as_ptr()));
    sse2!(add(a: V, b: V) _mm_add_pd(a, b));
    sse2!(sub(a: V, b: V) _mm_sub_pd(a, b));
    sse2!(mul(a: V, b: V) _mm_mul_pd(a, b));
    sse2!(div(a: V, b: V) _mm_div_pd(a, b));
    sse2!(and(a: V, b: V) _mm_and_pd(a, b));
    sse2!(or(a: V, b: V) _mm_or_pd(a, b));
    sse2!(/// `a & !b`
        andnot(a: V, b: V) _mm_andnot_pd(b, a));
    sse2!(lt(a: V, b: V) _mm_cmplt_pd(a, b));
    sse2!(gt(a: V, b: V) _mm_cmpgt_pd(a, b));
    sse2!(/// `m ? a : b` per lane (m all ones or all zeros)
        select(m: V, a: V, b: V) _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b)));
    sse2!(sign_mask() _mm_set1_pd(-0.0));
    sse2!(/// `f64::from_bits((bits + 1023) << 52)` per lane
        exponent_bits(v: V) _mm_castsi128_pd(_mm_slli_epi64::<52>(_mm_add_epi64(_mm_castpd_si128(v), _mm_set1_epi64x(1023)))));

    /// How many lanes of a comparison's result are true.
    #[inline(always)]
    pub fn mask_bits(m: V) -> u32 {
        // SAFETY: SSE2 as above
        unsafe { _mm_movemask_pd(m) }.count_ones()
    }
    #[inline(always)]
    pub fn store(v: V) -> [f64; 2] {
        let mut out = [0.0; 2];
        // SAFETY: SSE2 as above; `out` has room for the two lanes and unaligned stores are allowed
        unsafe { _mm_storeu_pd(out.as_mut_ptr(), v) };
        out
    }
}

/// 1/n! for n = 0…13 (n! is exact in f64 up to 22!).
const INV_FACT: [f64; 14] = {
    let (mut out, mut f, mut n) = ([1.0; 14], 1.0, 1);
    while n < 14 {
        f *= n as f64;
        out[n] = 1.0 / f;
        n += 1;
    }
    out
};

#[inline]
pub fn gelu(v: f64) -> f64 {
    0.5 * v * (1.0 + tanh(GELU_C * (v + GELU_K * v * v * v)))
}

fn activate(act: Activation, z: &[f64], a: &mut [f64]) {
    match act {
        Activation::Tanh => tanh_slice(z, a),
        Activation::Relu => a.iter_mut().zip(z).for_each(|(ai, zi)| *ai = zi.max(0.0)),
        Activation::Gelu => a.iter_mut().zip(z).for_each(|(ai, &zi)| *ai = gelu(zi)),
    }
}

/// `d ← d ⊙ σ'(z)`, with `σ'` from the stored activation where that is cheaper.
fn activation_backward(act: Activation, z: &[f64], a: &[f64], d: &mut [f64]) {
    match act {
        Activation::Tanh => d.iter_mut().zip(a).for_each(|(di, ai)| *di *= 1.0 - ai * ai),
        Activation::Relu => d.iter_mut().zip(z).for_each(|(di, zi)| {
            if *zi <= 0.0 {
                *di = 0.0
            }
        }),
        Activation::Gelu => d.iter_mut().zip(z).for_each(|(di, &v)| {
            let t = tanh(GELU_C * (v + GELU_K * v * v * v));
            *di *= 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_K * v * v);
        }),
    }
}

/// Points a two-lane `tanh` must agree on with the scalar one, for the tests here and in the browser
/// (`tests/web.rs`): `grid + 1` points over [−30, 30], every float within 300 ulps of the branch edges ±0.625
/// and ±22, powers of ten from 1e-320 to 1e308 of both signs, the special values (±0, ±inf, NaNs with and
/// without payload, the smallest and largest floats) and `random` bit patterns drawn from all 2⁶⁴
/// (xorshift64*, fixed seed).
#[doc(hidden)]
pub fn tanh_test_points(grid: usize, random: usize) -> Vec<f64> {
    let mut xs: Vec<f64> = (0..=grid).map(|i| -30.0 + 60.0 * i as f64 / grid as f64).collect();
    for edge in [0.625f64, 22.0, -0.625, -22.0] {
        let (mut up, mut down) = (edge, edge);
        for _ in 0..300 {
            xs.extend([up, down]);
            up = up.next_up();
            down = down.next_down();
        }
    }
    for e in -320..=308 {
        xs.extend([1.234_567 * 10f64.powi(e), -9.87 * 10f64.powi(e)]);
    }
    xs.extend([0.0, -0.0, f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE, f64::MAX, f64::MIN]);
    xs.extend([f64::from_bits(1), f64::from_bits(0x7ff0_0000_0000_0001), f64::from_bits(0xfff8_dead_beef_0000)]);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..random {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        xs.push(f64::from_bits(state.wrapping_mul(0x2545_f491_4f6c_dd1d)));
    }
    xs
}

#[cfg(test)]
mod tests {
    use super::{add_outer, affine, back_through, tanh, tanh2, tanh_slice, GEMM_MIN_FLOPS};

    /// The small products in blocks of columns against the plain loops in the order their comments give
    /// (each sum from its first term to its last, one rounding per operation): equal bits, on every shape
    /// with 1…12 rows and widths 1, 2, 3, 7, 8, 9, 10, 16, 17 (the blocks of 8, 2 and 1 and their mixes).
    #[test]
    fn small_products_add_in_their_order() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // a spread of magnitudes and signs, so a changed order shows in the last bits
            ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 10f64.powi((state % 7) as i32 - 3)
        };
        let widths = [1, 2, 3, 7, 8, 9, 10, 16, 17];
        for rows in 1..=12 {
            for &fi in &widths {
                for &fo in &widths {
                    assert!(rows * fi * fo < GEMM_MIN_FLOPS);
                    let mut v = |n: usize| (0..n).map(|_| next()).collect::<Vec<f64>>();
                    let (a, w, b, d, a2) = (v(rows * fi), v(fo * fi), v(fo), v(rows * fo), v(rows * fi));
                    let (gw0, gb0) = (v(fo * fi), v(fo));
                    let mut z = vec![f64::NAN; rows * fo];
                    affine(&a, &w, Some(&b), (rows, fi, fo), &mut z, &mut vec![0.0; fi * fo]);
                    let (mut gw, mut gb) = (gw0.clone(), gb0.clone());
                    add_outer(&d, &a2, (rows, fi, fo), &mut gw, Some(&mut gb));
                    let mut p = vec![f64::NAN; rows * fi];
                    back_through(&d, &w, (rows, fi, fo), &mut p);
                    for r in 0..rows {
                        for j in 0..fo {
                            let mut s = b[j];
                            for k in 0..fi {
                                s += a[r * fi + k] * w[j * fi + k];
                            }
                            assert_eq!(z[r * fo + j].to_bits(), s.to_bits(), "a·wᵀ + b at {r},{j} of {rows}×{fi}×{fo}");
                        }
                        for k in 0..fi {
                            let mut s = 0.0;
                            for j in 0..fo {
                                s += d[r * fo + j] * w[j * fi + k];
                            }
                            assert_eq!(p[r * fi + k].to_bits(), s.to_bits(), "d·w at {r},{k} of {rows}×{fi}×{fo}");
                        }
                    }
                    for j in 0..fo {
                        let mut sb = gb0[j];
                        for k in 0..fi {
                            let mut s = gw0[j * fi + k];
                            for r in 0..rows {
                                s += d[r * fo + j] * a2[r * fi + k];
                            }
                            assert_eq!(gw[j * fi + k].to_bits(), s.to_bits(), "gw at {j},{k} of {rows}×{fi}×{fo}");
                        }
                        for r in 0..rows {
                            sb += d[r * fo + j];
                        }
                        assert_eq!(gb[j].to_bits(), sb.to_bits(), "gb at {j} of {rows}×{fi}×{fo}");
                    }
                }
            }
        }
    }

    /// Bit for bit, lane by lane, with every point beside its neighbour and beside one from far away (so
    /// lanes in different branches meet); NaN in, NaN out with the input's sign in both.
    #[test]
    fn tanh2_is_tanh_bit_for_bit() {
        let xs = super::tanh_test_points(4_000_000, 1_000_000);
        let n = xs.len();
        let same = |x: f64, t: f64, s: f64| {
            if x.is_nan() {
                assert!(t.is_nan() && s.is_nan(), "tanh of NaN {:#x}", x.to_bits());
                assert_eq!(t.is_sign_negative(), s.is_sign_negative(), "sign of tanh of NaN {:#x}", x.to_bits());
            } else {
                assert_eq!(t.to_bits(), s.to_bits(), "tanh2 {t:e} and tanh {s:e} at x = {x:e} ({:#x})", x.to_bits());
            }
        };
        for i in 0..n {
            for pair in [[xs[i], xs[(i + 1) % n]], [xs[i], xs[(i * 7919 + n / 2) % n]]] {
                let t = tanh2(pair);
                same(pair[0], t[0], tanh(pair[0]));
                same(pair[1], t[1], tanh(pair[1]));
            }
        }
        // the slice function's eight-, two- and one-wide paths, on every point, its branches mixed in its blocks
        let far: Vec<f64> = (0..n).map(|i| xs[(i * 7919 + n / 2) % n]).collect();
        let mut out = vec![0.0; n];
        for z in [&xs[..], &far[..], &xs[1..], &far[3..]] {
            tanh_slice(z, &mut out[..z.len()]);
            for (x, t) in z.iter().zip(&out) {
                same(*x, *t, tanh(*x));
            }
        }
        for len in 0..20 {
            let z = &far[1000..1000 + len];
            let mut out = vec![0.0; len];
            tanh_slice(z, &mut out);
            for (x, t) in z.iter().zip(&out) {
                same(*x, *t, tanh(*x));
            }
        }
    }

    /// The kernels' tanh against std's (the platform's libm, itself within an ulp or so) on 4 million points
    /// over [−25, 25], around the branch points 0.625 and 22, and on tiny arguments: at most 2 ulps apart
    /// (measured: 2), the same sign, the exact special values.
    #[test]
    fn tanh_is_within_two_ulps() {
        let mut worst: (i64, f64) = (0, 0.0);
        let mut check = |x: f64| {
            let (t, s) = (tanh(x), x.tanh());
            assert_eq!(t.is_sign_negative(), s.is_sign_negative(), "sign at {x:e}");
            let ulps = (t.to_bits() as i64 - s.to_bits() as i64).abs();
            if ulps > worst.0 {
                worst = (ulps, x);
            }
        };
        let n = 4_000_000;
        for i in 0..=n {
            check(-25.0 + 50.0 * i as f64 / n as f64);
        }
        for i in -2000..=2000 {
            check(0.625 + i as f64 * 1e-6);
            check(22.0 + i as f64 * 1e-6);
            check(-0.625 + i as f64 * 1e-15);
        }
        for e in -320..0 {
            check(1.234_567 * 10f64.powi(e));
            check(-9.87 * 10f64.powi(e));
        }
        assert!(worst.0 <= 2, "{} ulps apart at x = {:e}", worst.0, worst.1);
        assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!((tanh(f64::INFINITY), tanh(f64::NEG_INFINITY), tanh(1e300)), (1.0, -1.0, 1.0));
        assert!(tanh(f64::NAN).is_nan());
    }
}
