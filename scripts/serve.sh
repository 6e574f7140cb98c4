#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh), then builds and serves the app at http://127.0.0.1:8080/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
. scripts/release-env.sh
release_env
exec trunk serve --release "$@"
