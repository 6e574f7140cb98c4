#!/usr/bin/env bash
# Every test of optlab, after installing whatever is missing (scripts/setup.sh):
#   0. the house rules: cargo fmt --check (rustfmt.toml) and clippy on every native target with warnings as errors;
#   1. native: unit, golden (vs PyTorch fixtures), property, fuzz (short pass), CLI, chapter/SVG, claims, try-this
#      scenarios and training tests, doc tests;
#   2. wasm-bindgen-test in headless Chrome (the web layer, every chapter);
#   3. the release build of the app with Trunk (scripts/build.sh), then end-to-end tests in a real headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"

echo "== format and lints"
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings

echo "== native tests"
cargo test --locked

echo "== wasm tests in headless Chrome"
CHROMEDRIVER=/usr/bin/chromedriver cargo test --locked --profile web-test --target wasm32-unknown-unknown --no-default-features --test web

echo "== release build of the app"
bash scripts/build.sh

echo "== end-to-end tests in headless Chromium"
node --test tests/e2e/
