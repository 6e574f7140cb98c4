//! "Copy as PyTorch": a run spec (what `optlab run` takes) or a training spec (what `optlab train` takes)
//! as a self-contained Python script — torch only, float64, no optlab — that rebuilds the problem or the
//! network, the start point or the initial weights, the data and the batch order, the optimizer and its
//! schedule (`torch.optim`, `torch.optim.lr_scheduler`, and the float64 reference code of Lion, Muon,
//! Newton, SAM and Lookahead written out in the script), runs it and prints the JSON that
//! `optlab run --format json` / `optlab train --format json` print for the same spec.
//!
//! What optlab draws from the seed (random data, the batches of a finite sum, a shuffled batch order, the
//! initial weights) is written into the script as numbers, so the script needs no optlab and no
//! reimplementation of its random streams. The text depends on the spec alone (no clock, no versions),
//! so the same spec always gives the same bytes: `tests/export_torch.rs` holds exported scripts with
//! the output torch printed when they ran, and checks both.

mod code;
mod run;
mod train;

pub use code::{optimizer_code, py_num, schedule_code};

use crate::spec::{Spec, SpecError};

/// The fixed parts of the scripts, files under `www/assets/` (and `dist/assets/`): the reference classes every
/// script carries, the loop of a run script and the loop of a training script. Native builds carry them in the
/// binary; the page fetches them only when the PyTorch button is first pressed and hands each to [`provide`]
/// (as it does the digits), so the wasm does not hold their 17 KB.
pub const ASSETS: [&str; 3] = ["reference.py", "run_loop.py", "train_loop.py"];

#[cfg(not(target_arch = "wasm32"))]
const PARTS: [&str; 3] = [
    include_str!("../../www/assets/reference.py"),
    include_str!("../../www/assets/run_loop.py"),
    include_str!("../../www/assets/train_loop.py"),
];

#[cfg(target_arch = "wasm32")]
static PARTS: [std::sync::OnceLock<String>; 3] = [const { std::sync::OnceLock::new() }; 3];

/// The fixed part `ASSETS[i]`; an error when the page has not handed it over yet.
fn part(i: usize) -> Result<&'static str, SpecError> {
    #[cfg(not(target_arch = "wasm32"))]
    return Ok(PARTS[i]);
    #[cfg(target_arch = "wasm32")]
    PARTS[i].get().map(String::as_str).ok_or_else(|| SpecError::new("export", format!("{} is not loaded", ASSETS[i])))
}

/// The reference classes every script carries (see the module docs): `www/assets/reference.py`.
pub fn reference() -> Result<&'static str, SpecError> {
    part(0)
}

/// The loop of a run script, after its `RUNS`: `www/assets/run_loop.py`.
fn run_loop() -> Result<&'static str, SpecError> {
    part(1)
}

/// The loop of a training script, after its `RUNS`: `www/assets/train_loop.py`.
fn train_loop() -> Result<&'static str, SpecError> {
    part(2)
}

/// Hands a fetched fixed part (one of [`ASSETS`]) to the exporter (the page's `provide_asset`).
pub fn provide(name: &str, bytes: &[u8]) -> Result<(), String> {
    let i = ASSETS.iter().position(|a| *a == name).ok_or_else(|| format!("no data file called {name}"))?;
    let text = std::str::from_utf8(bytes).map_err(|e| format!("{name} is not UTF-8 text: {e}"))?;
    #[cfg(target_arch = "wasm32")]
    let _ = PARTS[i].set(text.to_owned());
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (i, text);
    Ok(())
}

/// Most numbers a script may write out (data, batches, weights); past it the export is refused.
pub const MAX_EXPORT_NUMBERS: usize = 4_000_000;

/// Which command a spec is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecKind {
    /// `optlab run`: a problem, a start point and runs.
    Run,
    /// `optlab train`: one training spec, or a JSON list of them.
    Train,
}

/// Tells a run spec from a training spec: a JSON list, or an object without `problem`, `x0` and `runs`,
/// is a training (the same rule as the page's spec box: a run spec always has `problem`).
pub fn detect(text: &str) -> SpecKind {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return SpecKind::Train;
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) if ["problem", "x0", "runs"].iter().any(|k| m.contains_key(*k)) => SpecKind::Run,
        _ => SpecKind::Train,
    }
}

/// The script for a spec given as JSON, its kind detected by [`detect`] unless given.
pub fn export_json(text: &str, kind: Option<SpecKind>) -> Result<String, SpecError> {
    match kind.unwrap_or_else(|| detect(text)) {
        SpecKind::Run => export_run(&Spec::from_json(text)?),
        SpecKind::Train => export_train(&crate::train::report::parse_specs(text)?),
    }
}

/// The script for a run spec (see the module docs).
pub fn export_run(spec: &Spec) -> Result<String, SpecError> {
    run::script(spec)
}

/// The script for a training spec, or a fair comparison of several (see the module docs).
pub fn export_train(specs: &[crate::train::TrainSpec]) -> Result<String, SpecError> {
    train::script(specs)
}
