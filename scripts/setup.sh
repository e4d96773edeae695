#!/usr/bin/env bash
# Installs whatever is missing on a fresh Debian 12 machine with rustup, Node 20 and npm.
# Idempotent and quiet when everything is already there. Usage: scripts/setup.sh [--browser] [--redis]
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must match the `wasm-bindgen = "=…"` pin in Cargo.toml

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WASM_BINDGEN_VERSION}\$"; then
  echo "setup: installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION} (about 4 minutes)"
  # Not --locked: its lockfile wants a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" --force
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm devDependencies"
  npm ci --no-audit --no-fund
fi

# util-linux `script` gives the CLI's terminal tests a pseudo-terminal (tests/cli/watch.test.mjs
# fails without it). Debian ships it in bsdutils.
if ! script --version >/dev/null 2>&1; then
  echo "setup: installing bsdutils (util-linux script)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq bsdutils >/dev/null
fi

if [ "${1:-}" = "--browser" ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "setup: installing Debian chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

# The gateway's replica tests start their own redis-server on a free loopback port (not a service).
if [ "${1:-}" = "--redis" ] || [ "${2:-}" = "--redis" ]; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "setup: installing Debian redis-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
  fi
fi
