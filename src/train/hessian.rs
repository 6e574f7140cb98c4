//! The exact Hessian of the mean loss over a batch, for Newton's method on the network.
//!
//! Column `j` is the Hessian-vector product `H·e_j`, computed exactly by the R-operator (Pearlmutter 1994,
//! "Fast exact multiplication by the Hessian"): forward-mode differentiation of the backward pass along a
//! direction `v = (V_l, c_l)` of the parameters. Per row, with `δ_l = ∂ℓ/∂z_l` from the backward pass,
//!
//! - forward: `Rz_l = V_l a_{l−1} + W_l Ra_{l−1} + c_l`, `Ra_l = σ'(z_l) ⊙ Rz_l` (`Ra_{−1} = 0`: the input is data);
//! - output: `Rδ_L = ∂²ℓ/∂z² · Rz_L`, i.e. `p ⊙ Rz − p (pᵀRz)` for softmax cross-entropy, `Rz` for the
//!   squared loss;
//! - backward: `R∂W_l = Rδ_l a_{l−1}ᵀ + δ_l Ra_{l−1}ᵀ`, `R∂b_l = Rδ_l`,
//!   `Rδ_{l−1} = σ''(z_{l−1}) ⊙ Rz_{l−1} ⊙ W_lᵀδ_l + σ'(z_{l−1}) ⊙ (V_lᵀδ_l + W_lᵀRδ_l)`.
//!
//! This is what autograd's double backward computes (`torch.autograd.functional.hessian`), so Newton's
//! steps agree with PyTorch to rounding (tests/train_golden.rs); the central differences of
//! [`super::sharpness::fd_hessian`] carry ~1e-9 relative error, which a lightly damped Newton step
//! amplifies. ReLU's second derivative is 0 everywhere (and its first 0 at 0), as in PyTorch. The result is
//! symmetric up to rounding and is returned symmetrised, `(H + Hᵀ)/2`.
//!
//! Cost: per row one forward and backward pass, then one R-pass per parameter, `O(rows · N²)` in all.

use super::data::Points;
use super::mlp::{gelu, Activation, Loss, Mlp, GELU_C, GELU_K};
use ndarray::Array2;

/// `(σ'(z), σ''(z))` from the pre-activation `z` and the activation `a = σ(z)`.
fn derivatives(act: Activation, z: f64, a: f64) -> (f64, f64) {
    match act {
        Activation::Tanh => {
            let d = 1.0 - a * a;
            (d, -2.0 * a * d)
        }
        Activation::Relu => ((z > 0.0) as u8 as f64, 0.0),
        Activation::Gelu => {
            let u1 = GELU_C * (1.0 + 3.0 * GELU_K * z * z);
            let u2 = 6.0 * GELU_C * GELU_K * z;
            let t = super::mlp::tanh(GELU_C * (z + GELU_K * z * z * z));
            let s = 1.0 - t * t;
            (0.5 * (1.0 + t) + 0.5 * z * s * u1, s * u1 - z * t * s * u1 * u1 + 0.5 * z * s * u2)
        }
    }
}

/// One row's forward and backward quantities.
struct Row {
    /// `a[0]` is the input; `a[l + 1]` the output of layer `l` (the logits for the last).
    a: Vec<Vec<f64>>,
    z: Vec<Vec<f64>>,
    /// `δ_l = ∂(scale·ℓ)/∂z_l`.
    delta: Vec<Vec<f64>>,
    /// Softmax probabilities (cross-entropy only).
    p: Vec<f64>,
    /// The row's weight in the mean loss, `1/rows`.
    scale: f64,
}

fn forward_backward(mlp: &Mlp, w: &[f64], x: &[f64], y: usize, scale: f64) -> Row {
    let layers = mlp.layers();
    let last = layers.len() - 1;
    let mut a = vec![x.to_vec()];
    let mut z = Vec::with_capacity(layers.len());
    for (l, layer) in layers.iter().enumerate() {
        let (wm, b) = (&w[layer.weight_range()], &w[layer.bias_range()]);
        let zl: Vec<f64> = (0..layer.fan_out)
            .map(|i| b[i] + wm[i * layer.fan_in..(i + 1) * layer.fan_in].iter().zip(&a[l]).map(|(p, q)| p * q).sum::<f64>())
            .collect();
        let al = if l < last {
            zl.iter()
                .map(|&v| match mlp.activation {
                    Activation::Tanh => super::mlp::tanh(v),
                    Activation::Relu => v.max(0.0),
                    Activation::Gelu => gelu(v),
                })
                .collect()
        } else {
            zl.clone()
        };
        z.push(zl);
        a.push(al);
    }
    let out = &z[last];
    let mut p = Vec::new();
    let dl: Vec<f64> = match mlp.loss {
        Loss::CrossEntropy => {
            let m = out.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = out.iter().map(|v| (v - m).exp()).collect();
            let sum: f64 = e.iter().sum();
            p = e.iter().map(|v| v / sum).collect();
            p.iter().enumerate().map(|(j, pj)| scale * (pj - (j == y) as u8 as f64)).collect()
        }
        Loss::Squared => out.iter().enumerate().map(|(j, v)| scale * (v - (j == y) as u8 as f64)).collect(),
    };
    let mut delta = vec![Vec::new(); layers.len()];
    delta[last] = dl;
    for l in (1..layers.len()).rev() {
        let layer = layers[l];
        let wm = &w[layer.weight_range()];
        let d: Vec<f64> = (0..layer.fan_in)
            .map(|k| {
                let back: f64 = (0..layer.fan_out).map(|i| wm[i * layer.fan_in + k] * delta[l][i]).sum();
                back * derivatives(mlp.activation, z[l - 1][k], a[l][k]).0
            })
            .collect();
        delta[l - 1] = d;
    }
    Row { a, z, delta, p, scale }
}

/// Adds `R(∇(scale·ℓ_row))` along `v` into `out`.
fn add_r_gradient(mlp: &Mlp, w: &[f64], row: &Row, v: &[f64], out: &mut [f64]) {
    let layers = mlp.layers();
    let last = layers.len() - 1;
    // forward
    let mut ra: Vec<Vec<f64>> = vec![vec![0.0; row.a[0].len()]];
    let mut rz: Vec<Vec<f64>> = Vec::with_capacity(layers.len());
    for (l, layer) in layers.iter().enumerate() {
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let (wm, vm, vb) = (&w[layer.weight_range()], &v[layer.weight_range()], &v[layer.bias_range()]);
        let rzl: Vec<f64> =
            (0..fo).map(|i| vb[i] + (0..fi).map(|k| vm[i * fi + k] * row.a[l][k] + wm[i * fi + k] * ra[l][k]).sum::<f64>()).collect();
        if l < last {
            ra.push(rzl.iter().enumerate().map(|(i, r)| derivatives(mlp.activation, row.z[l][i], row.a[l + 1][i]).0 * r).collect());
        }
        rz.push(rzl);
    }
    // output: Rδ_L = scale · ∂²ℓ/∂z² · Rz_L
    let rl = &rz[last];
    let mut rdelta: Vec<f64> = match mlp.loss {
        Loss::CrossEntropy => {
            let dot: f64 = row.p.iter().zip(rl).map(|(p, r)| p * r).sum();
            row.p.iter().zip(rl).map(|(p, r)| row.scale * p * (r - dot)).collect()
        }
        Loss::Squared => rl.iter().map(|r| row.scale * r).collect(),
    };
    // backward
    for l in (0..layers.len()).rev() {
        let layer = layers[l];
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let (gw, gb) = (layer.weight_range(), layer.bias_range());
        for i in 0..fo {
            for k in 0..fi {
                out[gw.start + i * fi + k] += rdelta[i] * row.a[l][k] + row.delta[l][i] * ra[l][k];
            }
            out[gb.start + i] += rdelta[i];
        }
        if l > 0 {
            let (wm, vm) = (&w[layer.weight_range()], &v[layer.weight_range()]);
            rdelta = (0..fi)
                .map(|k| {
                    let (mut wd, mut vd, mut wrd) = (0.0, 0.0, 0.0);
                    for i in 0..fo {
                        wd += wm[i * fi + k] * row.delta[l][i];
                        vd += vm[i * fi + k] * row.delta[l][i];
                        wrd += wm[i * fi + k] * rdelta[i];
                    }
                    let (d1, d2) = derivatives(mlp.activation, row.z[l - 1][k], row.a[l][k]);
                    d2 * rz[l - 1][k] * wd + d1 * (vd + wrd)
                })
                .collect();
        }
    }
}

/// The exact Hessian of the mean loss over the rows `idx` of `pts` (all rows when `None`) at `params`.
pub fn batch_hessian(mlp: &Mlp, params: &[f64], pts: &Points, idx: Option<&[usize]>) -> Array2<f64> {
    let n = params.len();
    let rows: Vec<usize> = idx.map_or_else(|| (0..pts.len()).collect(), <[usize]>::to_vec);
    let mut h = Array2::zeros((n, n));
    if rows.is_empty() {
        return h;
    }
    let scale = 1.0 / rows.len() as f64;
    let (mut e, mut col) = (vec![0.0; n], vec![0.0; n]);
    for &r in &rows {
        let row = forward_backward(mlp, params, &pts.x[r], pts.y[r], scale);
        for j in 0..n {
            e[j] = 1.0;
            col.fill(0.0);
            add_r_gradient(mlp, params, &row, &e, &mut col);
            e[j] = 0.0;
            for (i, c) in col.iter().enumerate() {
                h[[i, j]] += c;
            }
        }
    }
    let ht = h.t().to_owned();
    (h + ht) * 0.5
}
