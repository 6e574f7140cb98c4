#!/usr/bin/env bash
# Installs whatever optlab's build and tests need and is missing; safe to run again (seconds when all is there).
# Sources: rustup (wasm target, the release build's pinned nightly), crates.io (wasm-bindgen-cli, trunk), Debian (chromium), npm (wasm-opt, KaTeX,
# playwright-core, axe-core, reveal.js for the slide-deck test, terser for the wasm glue). Nothing else is downloaded, and Trunk runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"

say() { printf '[setup] %s\n' "$*"; }

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing Debian's chromium and chromium-driver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# the release build's pinned nightly, with the standard library's source (scripts/release-env.sh)
. scripts/release-env.sh
if ! rustup component list --installed --toolchain "$OPTLAB_NIGHTLY" 2>/dev/null | grep -q '^rust-src'; then
  say "installing $OPTLAB_NIGHTLY with rust-src (the release wasm's compiler; under a minute)"
  rustup toolchain install "$OPTLAB_NIGHTLY" --profile minimal --component rust-src
fi
# -Zbuild-std compiles the standard library from that source, and Trunk builds offline: the library's own
# dependencies (wasip1, compiler_builtins, …, pinned by its Cargo.lock) must be in Cargo's cache first. On a
# machine whose cache never had them the release build stopped at "no matching package named `wasip1`".
STD_MANIFEST="$(rustc +"$OPTLAB_NIGHTLY" --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
if ! cargo +"$OPTLAB_NIGHTLY" fetch --offline --locked --manifest-path "$STD_MANIFEST" >/dev/null 2>&1; then
  say "fetching the standard library's dependencies for the release build (seconds)"
  cargo +"$OPTLAB_NIGHTLY" fetch --locked --manifest-path "$STD_MANIFEST"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q '0\.2\.128'; then
  say "installing wasm-bindgen-cli 0.2.128 (about 8 minutes on 2 cores)"
  cargo install --locked wasm-bindgen-cli --version 0.2.128
fi

if ! trunk --version 2>/dev/null | grep -q '0\.21\.14'; then
  say "installing trunk 0.21.14 (about 11 minutes on 2 cores)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install --locked trunk --version 0.21.14
fi

if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -d tools/node_modules/katex/dist ] || [ ! -d tools/node_modules/playwright-core ] || [ ! -f tools/node_modules/axe-core/axe.min.js ] || [ ! -f tools/node_modules/reveal.js/dist/reveal.js ] || [ ! -f tools/node_modules/terser/package.json ]; then
  say "installing npm tools (binaryen 132, KaTeX, playwright-core, axe-core, reveal.js, terser)"
  (cd tools && npm ci --no-audit --no-fund)
fi
say "ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}'), $(chromium --version 2>/dev/null | head -1)"
