//! # optlab
//!
//! The numerical core of an interactive companion to the lecture *Optimization for Deep Learning*.
//!
//! Everything here is pure Rust and runs natively; only [`web`] (compiled for `wasm32` alone) knows about
//! the browser. The pieces, in the order a reader meets them:
//!
//! - [`optim`]: optimizers as chains of small gradient transforms (optax style), the wrappers
//!   Lookahead and SAM, Muon, Newton's method and PyTorch-compatible learning-rate schedules.
//! - [`linalg`]: the matrix sign function (Newton–Schulz variants and the exact one via SVD).
//! - [`problems`]: 2-D landscapes, quadratics, matrix least squares and a finite sum with mini-batches.
//! - [`checks`]: spec errors and range checks, the leaf every layer validates with.
//! - [`spec`]: the one experiment spec (JSON for the CLI, the tests and the app's "Copy spec") and its
//!   validation.
//! - [`run`]: spec → traces (loss, parameters, lr, gradient norm, divergence).
//! - [`train`]: small trainings of an MLP on 2-D data with any optimizer (metrics, heat maps, sharpness).
//! - [`export`]: "Copy as PyTorch": a run or training spec as a self-contained torch script.
//! - [`analysis`]: measured vs theoretical rates, sharpness.
//! - [`app`]: the chapters of the app as pure Rust (controls → typed parameters → runs → scene).
//! - [`plot`]: charts generic over plotters' `DrawingBackend`.
//! - [`alloc_count`]: the page's allocator with its byte counters (natively, for the memory tests).

pub mod alloc_count;
pub mod analysis;
pub mod app;
pub mod checks;
pub mod export;
pub mod linalg;
pub mod optim;
pub mod plot;
pub mod problems;
pub mod run;
pub mod small_map;
pub mod spec;
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use spec::{Spec, SpecError};
