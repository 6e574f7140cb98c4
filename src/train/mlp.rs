//! A small multilayer perceptron over a flat parameter vector, with its forward and backward pass.
//!
//! Layer `l` maps `A_{l−1}` (rows × fan_in) to `Z_l = A_{l−1}·W_lᵀ + b_l` (rows × fan_out) and, for a
//! hidden layer, `A_l = σ(Z_l)`; the last layer's `Z` are the logits. `W_l` is `fan_out × fan_in` like
//! PyTorch's `nn.Linear.weight`, so Muon's shape factor `√max(1, rows/cols)` means what it means there.
//!
//! **Parameter layout.** One flat `Vec<f64>`; layer after layer, first `W_l` row-major, then `b_l`
//! (see [`Layer`]). Any optimizer of the core steps this vector as it is.
//!
//! **Losses,** averaged over the rows of a batch: softmax cross-entropy `−log softmax(z)_y`, or the squared
//! loss `½‖z − onehot(y)‖²` on the raw outputs.
//!
//! **Speed.** The products are batched matrix products over preallocated [`Workspace`] buffers: nothing is
//! allocated per step. For the tiny shapes of the playground (batch 10, width 8) a direct loop over
//! contiguous rows beats a general GEMM (which packs its operands into freshly allocated buffers), so
//! products below [`GEMM_MIN_FLOPS`] multiply-adds use it and larger ones use ndarray's `general_mat_mul`.

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// Products with at least this many multiply-adds go to `general_mat_mul` (measured crossover, see
/// `benches/train.rs`).
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

/// Where one layer lives in the flat parameter vector: `W` (`fan_out × fan_in`, row-major) at `offset`,
/// then `b` (`fan_out`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Layer {
    pub fan_in: usize,
    pub fan_out: usize,
    pub offset: usize,
}

impl Layer {
    pub fn weight_range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.fan_in * self.fan_out
    }
    pub fn bias_range(&self) -> std::ops::Range<usize> {
        let b = self.offset + self.fan_in * self.fan_out;
        b..b + self.fan_out
    }
    /// Number of parameters (weights and bias).
    pub fn len(&self) -> usize {
        (self.fan_in + 1) * self.fan_out
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
}

/// Loss sum and number of correct argmax predictions over the rows of one pass.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PassStats {
    pub loss_sum: f64,
    pub correct: usize,
}

/// Preallocated buffers for up to `capacity` rows.
pub struct Workspace {
    capacity: usize,
    rows: usize,
    input: Array2<f64>,
    labels: Vec<usize>,
    z: Vec<Array2<f64>>,
    a: Vec<Array2<f64>>,
    delta: Vec<Array2<f64>>,
}

impl Workspace {
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Loads up to `capacity` labelled points as the rows of the next pass; returns the row count.
    pub fn load(&mut self, points: impl IntoIterator<Item = ([f64; 2], usize)>) -> usize {
        let mut r = 0;
        for (p, y) in points.into_iter().take(self.capacity) {
            self.input[[r, 0]] = p[0];
            self.input[[r, 1]] = p[1];
            self.labels[r] = y;
            r += 1;
        }
        self.rows = r;
        r
    }

    /// The network's outputs of the last forward pass (`rows × classes`): probabilities for
    /// cross-entropy, raw outputs for the squared loss.
    pub fn outputs(&self) -> ArrayView2<'_, f64> {
        self.a.last().expect("at least one layer").slice(s![..self.rows, ..])
    }
}

impl Mlp {
    /// `inputs → hidden[0] → … → classes`.
    pub fn new(inputs: usize, hidden: &[usize], classes: usize, activation: Activation, loss: Loss) -> Mlp {
        let mut layers = Vec::with_capacity(hidden.len() + 1);
        let (mut fan_in, mut offset) = (inputs, 0);
        for &fan_out in hidden.iter().chain(std::iter::once(&classes)) {
            let layer = Layer { fan_in, fan_out, offset };
            offset += layer.len();
            layers.push(layer);
            fan_in = fan_out;
        }
        Mlp { layers, activation, loss }
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
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

    /// Fresh parameters: hidden weights by `init`, the output layer's by Xavier (it is linear), biases 0.
    pub fn init(&self, init: Init, rng: &mut ChaCha8Rng) -> Vec<f64> {
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
        }
        params
    }

    /// Buffers for passes of up to `capacity` rows.
    pub fn workspace(&self, capacity: usize) -> Workspace {
        let capacity = capacity.max(1);
        let per_layer = || self.layers.iter().map(|l| Array2::zeros((capacity, l.fan_out))).collect::<Vec<_>>();
        Workspace {
            capacity,
            rows: 0,
            input: Array2::zeros((capacity, self.layers[0].fan_in)),
            labels: vec![0; capacity],
            z: per_layer(),
            a: per_layer(),
            delta: per_layer(),
        }
    }

    /// Forward pass over the loaded rows; returns the loss sum and correct count. With `grad`, also adds
    /// `scale · Σ_rows ∇ℓ_row` into it (`scale = 1/rows` gives the gradient of the mean loss).
    pub fn pass(&self, params: &[f64], ws: &mut Workspace, grad: Option<(&mut [f64], f64)>) -> PassStats {
        let r = ws.rows;
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let w = self.weight(params, l);
            let b = &params[layer.bias_range()];
            let (a_prev, z) = if l == 0 {
                (ws.input.slice(s![..r, ..]), ws.z[0].slice_mut(s![..r, ..]))
            } else {
                (ws.a[l - 1].slice(s![..r, ..]), ws.z[l].slice_mut(s![..r, ..]))
            };
            affine(a_prev, w, b, z);
            if l < last {
                let (z, a) = (ws.z[l].slice(s![..r, ..]), ws.a[l].slice_mut(s![..r, ..]));
                activate(self.activation, z, a);
            }
        }
        let stats = self.output_loss(ws, grad.as_ref().map(|g| g.1));
        if let Some((g, _)) = grad {
            self.backward(params, ws, g);
        }
        stats
    }

    /// Softmax (or identity) outputs, the loss, and the output delta `scale·∂ℓ/∂z` when `scale` is given.
    fn output_loss(&self, ws: &mut Workspace, scale: Option<f64>) -> PassStats {
        let (r, last) = (ws.rows, self.layers.len() - 1);
        let k = self.classes();
        let mut stats = PassStats::default();
        for i in 0..r {
            let y = ws.labels[i];
            let z = ws.z[last].row(i);
            let z = z.as_slice().expect("rows are contiguous");
            let mut out = ws.a[last].row_mut(i);
            let out = out.as_slice_mut().expect("rows are contiguous");
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
                    for j in 0..k {
                        out[j] = (z[j] - m).exp();
                        sum += out[j];
                    }
                    stats.loss_sum += sum.ln() + m - z[y];
                    for o in out.iter_mut() {
                        *o /= sum;
                    }
                }
                Loss::Squared => {
                    out[..k].copy_from_slice(&z[..k]);
                    for (j, zj) in z.iter().enumerate() {
                        let t = zj - (j == y) as u8 as f64;
                        stats.loss_sum += 0.5 * t * t;
                    }
                }
            }
            if let Some(scale) = scale {
                let mut d = ws.delta[last].row_mut(i);
                for j in 0..k {
                    d[j] = scale * (out[j] - (j == y) as u8 as f64);
                }
            }
        }
        stats
    }

    fn backward(&self, params: &[f64], ws: &mut Workspace, grad: &mut [f64]) {
        let r = ws.rows;
        for l in (0..self.layers.len()).rev() {
            let layer = self.layers[l];
            let (lo, hi) = ws.delta.split_at_mut(l);
            let d = hi[0].slice(s![..r, ..]);
            let a_prev = if l == 0 { ws.input.slice(s![..r, ..]) } else { ws.a[l - 1].slice(s![..r, ..]) };
            let (gw, gb) = grad[layer.offset..layer.offset + layer.len()].split_at_mut(layer.fan_in * layer.fan_out);
            let gw = ArrayViewMut2::from_shape((layer.fan_out, layer.fan_in), gw).expect("layout");
            add_outer(d, a_prev, gw);
            for row in d.rows() {
                for (g, v) in gb.iter_mut().zip(row) {
                    *g += v;
                }
            }
            if l > 0 {
                let mut d_prev = lo[l - 1].slice_mut(s![..r, ..]);
                back_through(d, self.weight(params, l), d_prev.view_mut());
                let (z, a) = (ws.z[l - 1].slice(s![..r, ..]), ws.a[l - 1].slice(s![..r, ..]));
                activation_backward(self.activation, z, a, d_prev);
            }
        }
    }
}

/// `z = a·wᵀ + b` (a: rows × in, w: out × in, z: rows × out).
fn affine(a: ArrayView2<f64>, w: ArrayView2<f64>, b: &[f64], mut z: ArrayViewMut2<f64>) {
    let (rows, fi, fo) = (a.nrows(), a.ncols(), w.nrows());
    if rows * fi * fo >= GEMM_MIN_FLOPS {
        general_mat_mul(1.0, &a, &w.t(), 0.0, &mut z);
        for mut row in z.rows_mut() {
            for (v, bj) in row.iter_mut().zip(b) {
                *v += bj;
            }
        }
        return;
    }
    let w = w.as_slice().expect("weights are contiguous");
    for (ar, mut zr) in a.rows().into_iter().zip(z.rows_mut()) {
        let ar = ar.as_slice().expect("rows are contiguous");
        for (j, zj) in zr.iter_mut().enumerate() {
            let wr = &w[j * fi..(j + 1) * fi];
            let mut acc = b[j];
            for (x, y) in ar.iter().zip(wr) {
                acc += x * y;
            }
            *zj = acc;
        }
    }
}

/// `gw += dᵀ·a` (d: rows × out, a: rows × in, gw: out × in).
fn add_outer(d: ArrayView2<f64>, a: ArrayView2<f64>, mut gw: ArrayViewMut2<f64>) {
    let (rows, fi, fo) = (a.nrows(), a.ncols(), d.ncols());
    if rows * fi * fo >= GEMM_MIN_FLOPS {
        general_mat_mul(1.0, &d.t(), &a, 1.0, &mut gw);
        return;
    }
    let gw = gw.as_slice_mut().expect("gradient is contiguous");
    for (dr, ar) in d.rows().into_iter().zip(a.rows()) {
        let ar = ar.as_slice().expect("rows are contiguous");
        for (j, dj) in dr.iter().enumerate() {
            for (g, x) in gw[j * fi..(j + 1) * fi].iter_mut().zip(ar) {
                *g += dj * x;
            }
        }
    }
}

/// `d_prev = d·w` (d: rows × out, w: out × in, d_prev: rows × in).
fn back_through(d: ArrayView2<f64>, w: ArrayView2<f64>, mut d_prev: ArrayViewMut2<f64>) {
    let (rows, fo, fi) = (d.nrows(), w.nrows(), w.ncols());
    if rows * fi * fo >= GEMM_MIN_FLOPS {
        general_mat_mul(1.0, &d, &w, 0.0, &mut d_prev);
        return;
    }
    let w = w.as_slice().expect("weights are contiguous");
    for (dr, mut pr) in d.rows().into_iter().zip(d_prev.rows_mut()) {
        let pr = pr.as_slice_mut().expect("rows are contiguous");
        pr.fill(0.0);
        for (j, dj) in dr.iter().enumerate() {
            for (p, wv) in pr.iter_mut().zip(&w[j * fi..(j + 1) * fi]) {
                *p += dj * wv;
            }
        }
    }
}

const GELU_C: f64 = 0.797_884_560_802_865_4; // √(2/π)
const GELU_K: f64 = 0.044_715;

fn activate(act: Activation, z: ArrayView2<f64>, mut a: ArrayViewMut2<f64>) {
    let f: fn(f64) -> f64 = match act {
        Activation::Tanh => f64::tanh,
        Activation::Relu => |v| v.max(0.0),
        Activation::Gelu => |v| 0.5 * v * (1.0 + (GELU_C * (v + GELU_K * v * v * v)).tanh()),
    };
    a.zip_mut_with(&z, |ai, zi| *ai = f(*zi));
}

/// `d ← d ⊙ σ'(z)`, with `σ'` from the stored activation where that is cheaper.
fn activation_backward(act: Activation, z: ArrayView2<f64>, a: ArrayView2<f64>, mut d: ArrayViewMut2<f64>) {
    match act {
        Activation::Tanh => d.zip_mut_with(&a, |di, ai| *di *= 1.0 - ai * ai),
        Activation::Relu => d.zip_mut_with(&z, |di, zi| {
            if *zi <= 0.0 {
                *di = 0.0
            }
        }),
        Activation::Gelu => d.zip_mut_with(&z, |di, &v| {
            let t = (GELU_C * (v + GELU_K * v * v * v)).tanh();
            *di *= 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_K * v * v);
        }),
    }
}
