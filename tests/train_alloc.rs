//! A training step allocates nothing once warmed up (for the optimizers whose transforms keep their
//! buffers: everything except Muon's Newton–Schulz and SAM's ascent direction, which are core code).

use optlab::train::{TrainSpec, Trainer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn training_steps_do_not_allocate() {
    for opt in [
        r#"{"kind": "sgd", "lr": 0.03}"#,
        r#"{"kind": "sgd", "lr": 0.03, "momentum": 0.9, "nesterov": true}"#,
        r#"{"kind": "adam", "lr": 0.01}"#,
        r#"{"kind": "adamw"}"#,
        r#"{"kind": "rmsprop", "centered": true, "momentum": 0.5}"#,
        r#"{"kind": "adagrad"}"#,
        r#"{"kind": "lookahead", "inner": {"kind": "adam"}}"#,
    ] {
        for model in [
            r#"{"hidden": [8, 8]}"#,
            r#"{"hidden": [16, 16], "activation": "gelu", "loss": "squared"}"#,
            // dropout's masks and batch normalisation's statistics live in buffers made at the first steps
            r#"{"hidden": [8, 8], "activation": "relu", "dropout": 0.2, "batch_norm": true}"#,
        ] {
            let json = format!(r#"{{"model": {model}, "optimizer": {opt}, "batch_size": 10, "eval_every": 1000000}}"#);
            let mut t = Trainer::new(&TrainSpec::from_json(&json).unwrap()).unwrap();
            t.step_n(30); // first steps create optimizer buffers
            let before = ALLOCS.with(Cell::get);
            t.step_n(200);
            let after = ALLOCS.with(Cell::get);
            assert_eq!(after - before, 0, "{opt} {model}: {} allocations in 200 steps", after - before);
        }
    }
}
