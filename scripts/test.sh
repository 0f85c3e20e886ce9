#!/usr/bin/env bash
# Every check Streamlab has, in order of cost; stops at the first failure. Each runner prints its
# own summary (cargo's "test result:", node's "# pass / # fail").
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export TRUNK_OFFLINE=true

BROWSER_CRATES=(-p streamlab-idb -p streamlab-workers -p streamlab-ui -p streamlab-script)
run() { printf '\n==> %s\n' "$*"; "$@"; }

run cargo fmt --all --check
run cargo clippy --all-targets -- -D warnings
run cargo clippy --target wasm32-unknown-unknown "${BROWSER_CRATES[@]}" --all-targets -- -D warnings
run cargo test
run cargo test --target wasm32-unknown-unknown -p streamlab-idb
run trunk build --release
run node --test tests/e2e/
printf '\n==> all checks passed\n'
