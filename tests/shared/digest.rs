//! What the native build and the browser must compute alike: a summary of every line series each case's
//! charts draw (shared by `tests/portable.rs`, natively, and `tests/web.rs`, in wasm). Seeded randomness
//! must give the same streams in both: a `usize` range drawn by `rand` is a `u32` draw in wasm and a `u64`
//! draw natively, which changed the samples (and every draw after them) of two places until 6 December 2026.

use optlab::app::training::setup::PRESETS;
use optlab::app::{chapter, compute_raw, Chart};
use std::collections::BTreeMap;

/// Every chapter at its defaults, and the cases where only a control's value takes the code down a seeded
/// path: label noise on 2, 4 and 10 classes (the flipped labels' shifts; the digits), the sparse-features chart
/// at another frequency, other batch seeds and sizes (importance sampling too), Lookahead on mini-batches.
pub const CASES: &[(&str, &[(&str, &str)])] = &[
    ("minibatch", &[]),
    ("landscapes", &[]),
    ("momentum", &[]),
    ("adaptive", &[]),
    ("adaptive", &[("rare", "0.1")]),
    ("weight-decay", &[]),
    ("schedules", &[]),
    ("lookahead", &[]),
    ("sam", &[]),
    ("muon", &[]),
    ("race", &[]),
    // the training chapter's runs are trained to the end (fewer steps than its defaults, for the tests' time)
    ("training", &[("steps", "500")]),
    ("training", &[("dataset", "blobs"), ("label_noise", "0.2"), ("steps", "500")]),
    ("training", &[("dataset", "blobs"), ("classes", "4"), ("label_noise", "0.2"), ("steps", "500")]),
    ("training", &[("dataset", "digits"), ("label_noise", "0.1"), ("steps", "200")]),
    // batch normalisation with dropout (the browser's sums and square roots of the batch statistics against native's)
    (
        "training",
        &[("batch_norm", "on"), ("dropout", "0.2"), ("activation", "relu"), ("optimizer", "sgd"), ("lr", "0.3"), ("steps", "500")],
    ),
    ("minibatch", &[("seed", "3"), ("batch", "4"), ("uneven", "true")]),
    ("schedules", &[("seed", "5"), ("batch", "2")]),
    ("lookahead", &[("problem", "finite_sum")]),
];

/// `(case / chart / series, [points, first y, last y, min y, max y, sum of y])` for every line series.
pub fn digest() -> Vec<(String, [f64; 6])> {
    let mut out = Vec::new();
    // and the preset "Muon vs AdamW on handwritten digits" (products of 64 × 64 × 64, Newton–Schulz on 64 × 64)
    // for 200 of its steps
    let digits = PRESETS.iter().find(|p| p.id == "muon_vs_adamw_digits").expect("the digits preset");
    let preset: Vec<(&str, &str)> = digits.settings.iter().copied().filter(|(k, _)| *k != "steps").chain([("steps", "200")]).collect();
    let cases = CASES.iter().map(|(id, pairs)| (*id, pairs.to_vec())).chain([("training", preset)]);
    for (id, pairs) in cases {
        let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let c = chapter(id).expect("a chapter");
        let (st, mut scene) = compute_raw(c, &raw);
        if c.is_live() {
            // a live chapter's scene is its run at step 0: train it to the end, as the page does when played
            let mut run = c.start_live(&st).unwrap_or_else(|m| panic!("{id}{pairs:?}: {}", m.text));
            while run.advance(8) > 0 {}
            scene = run.scene(&st);
        }
        let case = format!("{id}{pairs:?}");
        for (cid, chart) in &scene.charts {
            let Chart::Lines(c) = chart else { continue };
            for s in &c.series {
                let ys: Vec<f64> = s.points.iter().map(|p| p.1).collect();
                let (Some(&first), Some(&last)) = (ys.first(), ys.last()) else { continue };
                let min = ys.iter().copied().fold(f64::INFINITY, f64::min);
                let max = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                out.push((format!("{case} / {cid} / {}", s.name), [ys.len() as f64, first, last, min, max, ys.iter().sum()]));
            }
        }
    }
    out
}

/// How close an entry must be: 1e-9, relative above 1 and absolute below, for every series of every chapter.
/// The Muon chapter's Muon runs are the strictest case: there 100 steps of Newton–Schulz, which lifts every
/// singular value of the momentum towards 1 (the tiny ones too), grow a difference in the last bit into the
/// fourth digit (natively a 1-ulp change of κ moved Muon's final loss by 1.3e-4 relative). Until 7 December 2026
/// they agreed to 1e-3 only: the chapter's data came from `powf` (glibc natively, Rust's libm in wasm:
/// `100f64.powf(-j/30)` differed for j = 2 and 12 of 0…15) and from ndarray's products (matrixmultiply fuses
/// multiply and add natively when the CPU has FMA, not in wasm); both are now the same code in every build
/// (`libm::pow`, `linalg::dense`).
pub fn tolerance(_key: &str) -> f64 {
    1e-9
}

/// The entries of `got` that differ from `want` by more than [`tolerance`]`·max(1, |want|)` (or are missing,
/// or extra).
pub fn differences(got: &[(String, [f64; 6])], want: &[(String, [f64; 6])]) -> Vec<String> {
    let w: BTreeMap<&str, &[f64; 6]> = want.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let g: BTreeMap<&str, &[f64; 6]> = got.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut bad: Vec<String> = w.keys().filter(|k| !g.contains_key(*k)).map(|k| format!("missing: {k}")).collect();
    for (k, a) in &g {
        match w.get(k) {
            None => bad.push(format!("not in the fixture: {k}")),
            Some(b) => {
                let tol = tolerance(k);
                let close = |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan()) || (x - y).abs() <= tol * y.abs().max(1.0);
                if !a.iter().zip(b.iter()).all(|(x, y)| close(*x, *y)) {
                    bad.push(format!("{k}: {a:?} vs {b:?}"));
                }
            }
        }
    }
    bad
}

/// The fixture's text: one line per entry, `name\tv1 v2 … v6` with each number as Rust prints it (round trip).
pub fn to_text(d: &[(String, [f64; 6])]) -> String {
    d.iter().map(|(k, v)| format!("{k}\t{}\n", v.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(" "))).collect()
}

pub fn from_text(s: &str) -> Vec<(String, [f64; 6])> {
    s.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| {
            let n: Vec<f64> = v.split(' ').map(|x| x.parse().expect("a number")).collect();
            (k.to_string(), n.try_into().expect("six numbers"))
        })
        .collect()
}
