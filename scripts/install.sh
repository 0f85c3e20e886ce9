#!/usr/bin/env bash
# Installs what Streamlab needs, each piece only when it is missing or at the wrong version, so a
# second run installs nothing. Everything comes from package registries: crates.io, npm, Debian.
#   scripts/install.sh serve   the toolchain to build and serve the app
#   scripts/install.sh test    that, plus rustfmt/clippy, chromium and chromedriver
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-test}
TRUNK_VERSION=0.22.1
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock (Trunk.toml pins it too).
WASM_BINDGEN_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

step() { printf '==> install: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$purpose" = test ]; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      step "rustup component add $component"
      rustup component add "$component"
    fi
  done
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  step "trunk $TRUNK_VERSION from crates.io (about 12 minutes on 2 cores)"
  # Trunk 0.22 declares a newer rustc than it needs; it builds and runs on current stable.
  cargo install trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ] ||
   [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" != "wasm-bindgen-test-runner $WASM_BINDGEN_VERSION" ]; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (about 4 minutes)"
  # Not --locked: its lockfile pins a webpki-roots version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# binaryen (wasm-opt for Trunk), playwright-core, dexie (the benchmark's baseline) and kinesalite
# (the Kinesis API the kinesis backend is tested against), pinned in package-lock.json. No install
# scripts run: none of these needs one (kinesalite's optional LevelDB binding, used only with
# --path, would try to build or fetch a native module).
if ! npm ls --depth=0 >/dev/null 2>&1; then
  step "npm ci (binaryen, playwright-core, dexie, kinesalite; no browser download, no install scripts)"
  npm ci --no-audit --no-fund --ignore-scripts
fi

if [ "$purpose" = test ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  step "chromium and chromium-driver from Debian"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi
