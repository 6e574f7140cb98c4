//! Labelled data: 2-D sets generated from the seed (or the rows of a CSV, any number of features), their
//! train/test split, label noise, and the mini-batch sampler (seeded, or in file order).
//!
//! Generated sets lie roughly in `[−1.5, 1.5]²`; input noise adds `N(0, noise²)` to each coordinate of
//! every point (train and test). Label noise flips exactly `round(label_noise · n_train)` training labels,
//! chosen without replacement, each to a uniformly drawn *other* class; test labels stay clean, so test
//! accuracy measures the true rule.

use super::spec::{DataKind, DataSpec};
use crate::checks::SpecError;
use rand::seq::{index::sample, SliceRandom};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

/// Labelled points: `x[i]` holds point `i`'s features (2 for the generated sets, a CSV's feature columns
/// otherwise; every row the same length).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Points {
    pub x: Vec<Vec<f64>>,
    pub y: Vec<usize>,
}

impl Points {
    pub fn len(&self) -> usize {
        self.x.len()
    }
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
    /// Features per point (0 when there are none).
    pub fn dim(&self) -> usize {
        self.x.first().map_or(0, Vec::len)
    }
    fn push(&mut self, p: [f64; 2], y: usize) {
        self.x.push(p.to_vec());
        self.y.push(y);
    }
}

/// A data set split into training and test points.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Data {
    pub train: Points,
    pub test: Points,
    pub classes: usize,
    /// Indices into `train` of the labels that label noise flipped.
    pub flipped: Vec<usize>,
}

/// A rectangle of the input plane.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Bounds {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
}

impl Data {
    /// Features per point.
    pub fn dim(&self) -> usize {
        self.train.dim().max(self.test.dim())
    }

    /// The smallest square-ish box around all points' first two features, padded by 10% on every side
    /// (`[−1, 1]` for a missing second feature).
    pub fn bounds(&self) -> Bounds {
        let pts = self.train.x.iter().chain(&self.test.x);
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in pts {
            for (k, v) in p.iter().take(2).enumerate() {
                lo[k] = lo[k].min(*v);
                hi[k] = hi[k].max(*v);
            }
        }
        if lo[0].is_finite() && !lo[1].is_finite() {
            (lo[1], hi[1]) = (-1.0 / 1.2, 1.0 / 1.2);
        }
        if !lo[0].is_finite() {
            return Bounds { x_min: -1.0, x_max: 1.0, y_min: -1.0, y_max: 1.0 };
        }
        let pad = |k: usize| 0.1 * (hi[k] - lo[k]).max(1e-3);
        Bounds { x_min: lo[0] - pad(0), x_max: hi[0] + pad(0), y_min: lo[1] - pad(1), y_max: hi[1] + pad(1) }
    }
}

/// Builds the data set of a (validated) spec from the data stream of `seed`, the train/test split drawn at
/// random ([`build_ordered`] with `shuffle = true`).
pub fn build(spec: &DataSpec, rng: &mut ChaCha8Rng) -> Result<Data, SpecError> {
    build_ordered(spec, true, rng)
}

/// Builds the data set: the points (generated, or the CSV's rows in file order), input noise, then the
/// split — with `shuffle`, a random `round(train_fraction·n)` points train and the rest test (in random
/// order); without, the first `round(train_fraction·n)` points in their order train and the rest test
/// (a CSV with `train_fraction = 1` and `noise = 0` is then used exactly as given) — then label noise.
pub fn build_ordered(spec: &DataSpec, shuffle: bool, rng: &mut ChaCha8Rng) -> Result<Data, SpecError> {
    let (mut all, classes) = match spec.kind {
        DataKind::Csv => {
            let text = spec.csv.as_deref().unwrap_or("");
            let pts = super::csv::parse(text).map_err(|e| SpecError::new("data.csv", e.to_string()))?;
            let classes = pts.y.iter().max().map_or(0, |m| m + 1);
            (pts, classes)
        }
        DataKind::Digits => {
            let pts = super::digits::get().ok_or_else(|| SpecError::new("data.kind", "the digits are not loaded yet"))?;
            (pts, 10)
        }
        kind => (generate(kind, spec.n, spec.classes, rng), spec.classes),
    };
    if spec.noise > 0.0 {
        for p in &mut all.x {
            for c in p.iter_mut() {
                let e: f64 = StandardNormal.sample(rng);
                *c += spec.noise * e;
            }
        }
    }
    let n = all.len();
    let n_train = split_count(n, spec.train_fraction);
    let mut order: Vec<usize> = (0..n).collect();
    if shuffle {
        order.shuffle(rng);
    }
    // (each row is moved, not copied: `order` names every row once, so the set is never held twice)
    let mut pick = |idx: &[usize]| Points {
        x: idx.iter().map(|&i| std::mem::take(&mut all.x[i])).collect(),
        y: idx.iter().map(|&i| all.y[i]).collect(),
    };
    let mut train = pick(&order[..n_train]);
    let test = pick(&order[n_train..]);
    let n_flip = (spec.label_noise * n_train as f64).round() as usize;
    let mut flipped = if classes >= 2 { sample_indices(rng, n_train, n_flip.min(n_train)) } else { Vec::new() };
    flipped.sort_unstable();
    for &i in &flipped {
        // u64, not usize (32 bits in wasm: rand would draw from a u32 there and a u64 natively)
        let shift = rng.gen_range(1..classes as u64) as usize;
        train.y[i] = (train.y[i] + shift) % classes;
    }
    Ok(Data { train, test, classes, flipped })
}

/// rand 0.8's `seq::index::sample(rng, length, amount).into_vec()`, written out for `length` below 2³² (always,
/// in wasm): its three algorithms and its choice among them with the same draws, so the same indices in the same
/// order, and the stream left where rand leaves it (unit test against rand's). Rand's is generic over the index
/// type and, without `std`, keeps its rejection sampling's cache in a `BTreeSet` (4 KB of wasm); the cache here is
/// a sorted vector, which answers the same membership questions.
pub(crate) fn sample_indices(rng: &mut ChaCha8Rng, length: usize, amount: usize) -> Vec<usize> {
    let (Ok(len), Ok(amt)) = (u32::try_from(length), u32::try_from(amount)) else {
        return sample(rng, length, amount).into_vec();
    };
    assert!(amt <= len, "`amount` of samples must be less than or equal to `length`");
    let j = usize::from(len >= 500_000);
    let inplace = if amt < 163 {
        const C: [[f32; 2]; 2] = [[1.6, 8.0 / 45.0], [10.0, 70.0 / 9.0]];
        let amount_fp = amt as f32;
        let m4 = C[0][j] * amount_fp;
        amt > 11 && (len as f32) < (C[1][j] + m4) * amount_fp
    } else {
        const C: [f32; 2] = [270.0, 330.0 / 9.0];
        (len as f32) < C[j] * (amt as f32)
    };
    let indices: Vec<u32> = if inplace {
        // a partial Fisher–Yates shuffle of 0..length
        let mut indices: Vec<u32> = (0..len).collect();
        for i in 0..amt {
            let j: u32 = rng.gen_range(i..len);
            indices.swap(i as usize, j as usize);
        }
        indices.truncate(amount);
        indices
    } else if amt < 163 {
        // Floyd's combination algorithm, shuffled as it goes below 50 indices and afterwards from 50 on
        let floyd_shuffle = amt < 50;
        let mut indices: Vec<u32> = Vec::with_capacity(amount);
        for j in len - amt..len {
            let t = rng.gen_range(0..=j);
            if floyd_shuffle {
                if let Some(pos) = indices.iter().position(|&x| x == t) {
                    indices.insert(pos, j);
                    continue;
                }
            } else if indices.contains(&t) {
                indices.push(j);
                continue;
            }
            indices.push(t);
        }
        if !floyd_shuffle {
            for i in (1..amt).rev() {
                indices.swap(i as usize, rng.gen_range(0..=i) as usize);
            }
        }
        indices
    } else {
        // rejection sampling
        let distr = rand::distributions::Uniform::new(0, len);
        let mut seen: Vec<u32> = Vec::with_capacity(amount);
        let mut indices: Vec<u32> = Vec::with_capacity(amount);
        for _ in 0..amt {
            let pos = loop {
                let pos = distr.sample(rng);
                if let Err(at) = seen.binary_search(&pos) {
                    seen.insert(at, pos);
                    break pos;
                }
            };
            indices.push(pos);
        }
        indices
    };
    indices.into_iter().map(|i| i as usize).collect()
}

/// Training points for `n` points and a train fraction: `round(fraction · n)`, at least 1.
pub fn split_count(n: usize, fraction: f64) -> usize {
    ((fraction * n as f64).round() as usize).clamp(1.min(n), n)
}

/// Noise-free points of a generated set, classes as balanced as `n` allows.
fn generate(kind: DataKind, n: usize, classes: usize, rng: &mut ChaCha8Rng) -> Points {
    let mut pts = Points::default();
    let pi = std::f64::consts::PI;
    match kind {
        // scikit-learn's make_moons, centred: outer arc (cos t, sin t), inner (1 − cos t, ½ − sin t),
        // t evenly spaced in [0, π], then shifted by (−½, −¼).
        DataKind::Moons => {
            let n_out = n / 2;
            let n_in = n - n_out;
            for i in 0..n_out {
                let t = pi * i as f64 / (n_out.max(2) - 1) as f64;
                pts.push([t.cos() - 0.5, t.sin() - 0.25], 0);
            }
            for i in 0..n_in {
                let t = pi * i as f64 / (n_in.max(2) - 1) as f64;
                pts.push([0.5 - t.cos(), 0.25 - t.sin()], 1);
            }
        }
        // scikit-learn's make_circles with factor 0.5: radius 1 (class 0) and 0.5 (class 1).
        DataKind::Circles => {
            let n_out = n / 2;
            for i in 0..n {
                let (m, j, r, y) = if i < n_out { (n_out, i, 1.0, 0) } else { (n - n_out, i - n_out, 0.5, 1) };
                let t = 2.0 * pi * j as f64 / m as f64;
                pts.push([r * t.cos(), r * t.sin()], y);
            }
        }
        // `classes` interleaved arms: radius s ∈ (0, 1], angle 3.5πs + 2πc/classes (1.75 turns).
        DataKind::Spirals => {
            for i in 0..n {
                let c = i % classes;
                let s = (i / classes + 1) as f64 / n.div_ceil(classes) as f64;
                let t = 3.5 * pi * s + 2.0 * pi * c as f64 / classes as f64;
                pts.push([s * t.cos(), s * t.sin()], c);
            }
        }
        // Uniform in [−1, 1]² kept 0.05 away from the axes; class 1 where x₁x₂ > 0.
        DataKind::Xor => {
            for _ in 0..n {
                let mut coord = || {
                    let v: f64 = rng.gen_range(0.05..1.0);
                    if rng.gen::<bool>() {
                        v
                    } else {
                        -v
                    }
                };
                let p = [coord(), coord()];
                pts.push(p, (p[0] * p[1] > 0.0) as usize);
            }
        }
        // Gaussian clusters of standard deviation 0.2 centred on a circle of radius 0.8.
        DataKind::Blobs => {
            for i in 0..n {
                let c = i % classes;
                let t = 2.0 * pi * c as f64 / classes as f64 + pi / 4.0;
                let (dx, dy): (f64, f64) = (StandardNormal.sample(rng), StandardNormal.sample(rng));
                pts.push([0.8 * t.cos() + 0.2 * dx, 0.8 * t.sin() + 0.2 * dy], c);
            }
        }
        DataKind::Csv | DataKind::Digits => unreachable!("CSV data and the digits are read, not generated"),
    }
    pts
}

/// Mini-batches without replacement within an epoch: the training indices are reshuffled at the start of
/// every epoch and cut into consecutive batches of `batch` (the last one smaller when `batch` does not
/// divide the set, as PyTorch's `DataLoader(shuffle=True, drop_last=False)`). A
/// [`sequential`](BatchSampler::sequential) sampler never shuffles: batch `k` of every epoch is rows
/// `[kB, (k+1)B)` (`DataLoader(shuffle=False, drop_last=False)`).
pub struct BatchSampler {
    /// `None`: the indices stay in order.
    rng: Option<ChaCha8Rng>,
    order: Vec<usize>,
    batch: usize,
    pos: usize,
    epochs: usize,
    start: usize,
}

impl BatchSampler {
    pub fn new(n: usize, batch: usize, rng: ChaCha8Rng) -> Self {
        let mut s = BatchSampler { rng: Some(rng), order: (0..n).collect(), batch: batch.max(1), pos: n, epochs: 0, start: 0 };
        s.reshuffle();
        s.epochs = 0;
        s
    }

    /// Batches in index order, the same in every epoch.
    pub fn sequential(n: usize, batch: usize) -> Self {
        BatchSampler { rng: None, order: (0..n).collect(), batch: batch.max(1), pos: 0, epochs: 0, start: 0 }
    }

    fn reshuffle(&mut self) {
        if let Some(rng) = &mut self.rng {
            self.order.shuffle(rng);
        }
        self.pos = 0;
    }

    /// Indices of the next batch (no allocation).
    pub fn next_batch(&mut self) -> &[usize] {
        if self.pos >= self.order.len() {
            self.reshuffle();
        }
        self.start = self.pos;
        self.pos = (self.pos + self.batch).min(self.order.len());
        if self.pos == self.order.len() {
            self.epochs += 1;
        }
        &self.order[self.start..self.pos]
    }

    /// The batch last returned by [`next_batch`](Self::next_batch).
    pub fn current(&self) -> &[usize] {
        &self.order[self.start..self.pos.min(self.order.len())]
    }

    /// Completed passes over the training set.
    pub fn epochs(&self) -> usize {
        self.epochs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngCore, SeedableRng};

    #[test]
    fn sample_indices_is_rands_sample() {
        let cases = [(0, 0), (1, 0), (1, 1), (5, 3), (12, 12), (40, 11), (40, 12), (200, 20), (200, 49), (200, 50), (200, 120)];
        let more = [(100_000, 5), (100_000, 49), (100_000, 50), (100_000, 162), (1000, 163), (1000, 600), (50_000, 163), (50_000, 170)];
        for &(length, amount) in cases.iter().chain(&more) {
            for seed in 0..4 {
                let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(seed), ChaCha8Rng::seed_from_u64(seed));
                assert_eq!(sample_indices(&mut a, length, amount), sample(&mut b, length, amount).into_vec(), "{length} {amount}");
                assert_eq!(a.next_u64(), b.next_u64(), "{length} {amount}: the stream goes on alike");
            }
        }
    }
}
