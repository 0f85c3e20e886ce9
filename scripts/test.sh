#!/usr/bin/env bash
# Every check Streamlab has, in order of cost; stops at the first failure. Each runner prints its
# own summary (cargo's "test result:", node's "# pass / # fail").
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export TRUNK_OFFLINE=true

BROWSER_CRATES=(-p streamlab-idb -p streamlab-workers -p streamlab-ui -p streamlab-sql-ui -p streamlab-script -p streamlab-kinesis -p streamlab-remote -p streamlab-element)
run() { printf '\n==> %s\n' "$*"; "$@"; }

run cargo fmt --all --check
run cargo clippy --all-targets -- -D warnings
run cargo clippy --target wasm32-unknown-unknown "${BROWSER_CRATES[@]}" --all-targets -- -D warnings
# The log is layered: no module uses another that uses it back (see the script).
run python3 scripts/module-cycles.py log

# kinesalite (npm), the Kinesis API the kinesis backend's tests talk to: bound to 127.0.0.1 on a
# free port, and stopped by its PID when this script ends, however it ends.
kinesalite_out="$(mktemp)"
node tests/kinesis/kinesalite.mjs >"$kinesalite_out" &
KINESALITE_PID=$!
trap 'kill "$KINESALITE_PID" 2>/dev/null || true; rm -f "$kinesalite_out"' EXIT
for _ in $(seq 100); do grep -q '^kinesalite http' "$kinesalite_out" && break; sleep 0.1; done
STREAMLAB_KINESALITE="$(awk '/^kinesalite http/ {print $2}' "$kinesalite_out")"
if [ -z "$STREAMLAB_KINESALITE" ]; then
  echo "kinesalite did not start (node tests/kinesis/kinesalite.mjs); run make install" >&2
  exit 1
fi
export STREAMLAB_KINESALITE
printf '\n==> kinesalite at %s (pid %s)\n' "$STREAMLAB_KINESALITE" "$KINESALITE_PID"

run cargo test
run cargo test --target wasm32-unknown-unknown -p streamlab-idb
# The Kinesis client over fetch in Chromium, against the same kinesalite.
run cargo test --target wasm32-unknown-unknown -p streamlab-kinesis --test browser
# The Kinesis consumer's lease table in IndexedDB.
run cargo test --target wasm32-unknown-unknown -p streamlab-remote --test leases
run trunk build --release
run node --test tests/e2e/
printf '\n==> all checks passed\n'
