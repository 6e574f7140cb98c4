#!/usr/bin/env bash
# The app's release build into dist/ (or `-d DIR`): `trunk build --release` with the release compiler settings
# of scripts/release-env.sh. A plain `trunk build --release` (stable toolchain) also works; its wasm is larger.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
. scripts/release-env.sh
release_env
exec trunk build --release "$@"
