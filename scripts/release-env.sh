# The compiler settings of the app's release build (sourced by setup.sh, which installs the toolchain, and by
# build.sh and serve.sh, which use it). The wasm shipped in dist/ is compiled by a pinned nightly that rebuilds
# the standard library for size (-Zbuild-std with its optimize_for_size feature, at the wasm-release profile's
# opt-levels) and leaves file and line out of panic messages (-Zlocation-detail=none: a panic still says what
# went wrong, not where). Measured 5 December 2026 (README "Budgets and the speed bench"): wasm + JS glue
# 430.3 -> 409.6 KB gzip; training per sample and Newton-Schulz unchanged within the run's noise.
# Everything else (cargo test, clippy, the wasm tests, the command line) uses the stable toolchain.
OPTLAB_NIGHTLY=nightly-2026-05-20

release_env() {
  export RUSTUP_TOOLCHAIN="$OPTLAB_NIGHTLY"
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
  # (+simd128 as in .cargo/config.toml: the environment's flags may replace the file's)
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128 -Zlocation-detail=none"
}
