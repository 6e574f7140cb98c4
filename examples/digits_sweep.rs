//! Muon vs AdamW on the 8×8 digits: the learning-rate sweep behind the training chapter's digits preset,
//! and the measurement reported with it. Run (release, a few minutes on one core):
//!
//! ```sh
//! cargo run --release --example digits_sweep > docs/digits_sweep.txt
//! ```
//!
//! Setting (the preset's, see `src/app/training/setup.rs`): MLP 64-64-64-10 (two hidden ReLU layers of
//! 64), softmax cross-entropy, the 1,797 digits split 75/25 by the seed (1,348 training, 449 test images),
//! batches of 64 without replacement, 1,500 steps, both optimizers from the same initial weights on the
//! same batches. Muon trains the hidden-to-hidden matrix (Keller Jordan's split), AdamW (the top-level
//! `adamw` settings) the rest. Weight decay 0.01 (decoupled) everywhere, AdamW's betas (0.9, 0.999).
//!
//! 1. **Sweep** (choosing the learning rates without the test set): for each η of the grid, the mean
//!    *training* loss after 1,500 steps over the selection seeds 100, 101, 102 (not used below); the
//!    lowest wins. AdamW first; then Muon's η with its AdamW part at AdamW's chosen η.
//! 2. **Measurement** on seeds 0–4 at the chosen rates: steps until the test accuracy first reaches 97 %
//!    (evaluated every 5 steps), final test accuracy, and wall time; the ratio of the medians.
//!
//! Everything printed is measured by this program; nothing is stated in advance.

use optlab::optim::config::{Adam, Decoupled, Muon};
use optlab::optim::OptimizerSpec;
use optlab::train::{Activation, DataKind, DataSpec, Loss, ModelSpec, TrainSpec, Trainer};
use std::time::Instant;

const STEPS: usize = 1500;
const TARGET: f64 = 0.97;
const SELECTION_SEEDS: [u64; 3] = [100, 101, 102];
const SEEDS: [u64; 5] = [0, 1, 2, 3, 4];
const ADAMW_GRID: [f64; 5] = [3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
const MUON_GRID: [f64; 6] = [3e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2];

fn spec(optimizer: OptimizerSpec, adamw_lr: f64, seed: u64, eval_every: usize) -> TrainSpec {
    let mut adamw = Adam::<Decoupled>::default();
    adamw.lr = adamw_lr;
    TrainSpec {
        label: String::new(),
        data: DataSpec { kind: DataKind::Digits, n: 1797, noise: 0.0, label_noise: 0.0, train_fraction: 0.75, classes: 10, csv: None },
        model: ModelSpec { hidden: vec![64, 64], activation: Activation::Relu, loss: Loss::CrossEntropy, ..ModelSpec::default() },
        optimizer,
        adamw,
        schedule: Default::default(),
        batch_size: 64,
        steps: STEPS,
        seed,
        eval_every,
    }
}

fn adamw(lr: f64) -> OptimizerSpec {
    let mut a = Adam::<Decoupled>::default();
    a.lr = lr;
    OptimizerSpec::Adamw(a)
}

fn muon(lr: f64) -> OptimizerSpec {
    // momentum 0.95, Nesterov, 5 quintic Newton–Schulz steps (the defaults); decoupled weight decay 0.01 as the
    // chapter's `weight_decay` control gives Muon, its AdamW part and the AdamW run alike
    OptimizerSpec::Muon(Muon { lr, weight_decay: 0.01, ..Muon::default() })
}

struct Outcome {
    train_loss: f64,
    test_accuracy: f64,
    steps_to_target: Option<usize>,
    seconds: f64,
}

fn train(s: &TrainSpec) -> Outcome {
    let t0 = Instant::now();
    let mut t = Trainer::new(s).expect("a valid spec");
    t.run_to_end();
    let seconds = t0.elapsed().as_secs_f64();
    let h = t.history();
    let last = h.last().expect("a record");
    Outcome {
        train_loss: if t.diverged().is_some() { f64::INFINITY } else { last.train_loss },
        test_accuracy: last.test_accuracy.unwrap_or(f64::NAN),
        steps_to_target: h.iter().find(|m| m.test_accuracy.is_some_and(|a| a >= TARGET)).map(|m| m.step),
        seconds,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The η of `grid` with the lowest mean training loss over the selection seeds; prints the table.
fn sweep(name: &str, grid: &[f64], make: &dyn Fn(f64) -> TrainSpec) -> f64 {
    println!("\n{name}: mean training loss after {STEPS} steps over seeds {SELECTION_SEEDS:?} (selection; test set unused)");
    println!("{:>10} {:>14} {:>18}", "lr", "train loss", "(test acc, info)");
    let mut best = (f64::INFINITY, grid[0]);
    for &lr in grid {
        let outs: Vec<Outcome> = SELECTION_SEEDS.iter().map(|&seed| train(&TrainSpec { seed, ..make(lr) })).collect();
        let loss = outs.iter().map(|o| o.train_loss).sum::<f64>() / outs.len() as f64;
        let acc = outs.iter().map(|o| o.test_accuracy).sum::<f64>() / outs.len() as f64;
        println!("{lr:>10} {loss:>14.3e} {:>17.2}%", 100.0 * acc);
        if loss < best.0 {
            best = (loss, lr);
        }
    }
    println!("chosen: lr = {}", best.1);
    best.1
}

fn main() {
    println!("Muon vs AdamW on the 8×8 digits (examples/digits_sweep.rs): MLP 64-64-64-10 ReLU, cross-entropy, batch 64, {STEPS} steps, 75/25 split");
    let adamw_lr = sweep("AdamW", &ADAMW_GRID, &|lr| spec(adamw(lr), lr, 0, 50));
    let muon_lr = sweep(&format!("Muon (its AdamW part at lr = {adamw_lr})"), &MUON_GRID, &|lr| spec(muon(lr), adamw_lr, 0, 50));

    println!(
        "\nMeasurement at the chosen rates, seeds {SEEDS:?}: steps until test accuracy ≥ {}% (evaluated every 5 steps)",
        100.0 * TARGET
    );
    println!("{:>6} {:>22} {:>22}", "seed", "Muon: steps / final acc / s", "AdamW: steps / final acc / s");
    let (mut m_steps, mut a_steps, mut m_acc, mut a_acc, mut m_s, mut a_s) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    let show = |s: Option<usize>| s.map_or("never".to_string(), |v| v.to_string());
    for &seed in &SEEDS {
        let m = train(&spec(muon(muon_lr), adamw_lr, seed, 5));
        let a = train(&spec(adamw(adamw_lr), adamw_lr, seed, 5));
        println!(
            "{seed:>6} {:>8} {:>7.2}% {:>5.1} {:>8} {:>7.2}% {:>5.1}",
            show(m.steps_to_target),
            100.0 * m.test_accuracy,
            m.seconds,
            show(a.steps_to_target),
            100.0 * a.test_accuracy,
            a.seconds
        );
        // a run that never reaches the target counts as more than STEPS (it sorts last in the median)
        m_steps.push(m.steps_to_target.map_or(f64::INFINITY, |v| v as f64));
        a_steps.push(a.steps_to_target.map_or(f64::INFINITY, |v| v as f64));
        m_acc.push(m.test_accuracy);
        a_acc.push(a.test_accuracy);
        m_s.push(m.seconds);
        a_s.push(a.seconds);
    }
    let (ms, as_) = (median(&mut m_steps), median(&mut a_steps));
    println!("\nmedian steps to {}% test accuracy: Muon {ms}, AdamW {as_}", 100.0 * TARGET);
    if ms.is_finite() && as_.is_finite() {
        println!("ratio Muon / AdamW = {:.3}", ms / as_);
    } else {
        println!("ratio Muon / AdamW: undefined (a median run never reached the target in {STEPS} steps)");
    }
    println!(
        "median final test accuracy: Muon {:.2}%, AdamW {:.2}%; median wall time per run ({STEPS} steps, native release): Muon {:.2} s, AdamW {:.2} s",
        100.0 * median(&mut m_acc),
        100.0 * median(&mut a_acc),
        median(&mut m_s),
        median(&mut a_s)
    );
    println!("chosen learning rates: Muon {muon_lr} (AdamW part {adamw_lr}), AdamW {adamw_lr}");
}
