//! # optlab-kernels
//!
//! The hot numerical kernels of optlab, re-exported there under their old paths (`optlab::linalg`,
//! `optlab::train::mlp`): the small MLP's forward and backward pass and the matrix sign function
//! (Newton–Schulz, Jacobi SVD). They live in a crate of their own for one reason: the wasm build compiles
//! this crate at `opt-level = 3` and the rest of optlab (chapters, plots, exports, web glue) for size
//! (`[profile.wasm-release]` in the workspace's Cargo.toml). Nothing here knows about the rest of optlab.

pub mod linalg;
pub mod mlp;
