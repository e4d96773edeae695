# The two commands of the README: `make demo` and `make test`. Both install what is missing.
.PHONY: all setup setup-browser setup-redis build pack demo test bench fuzz lint test-native test-wasm test-types test-js test-packaging test-fuzz test-supply-chain clean

all: build

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup.sh --browser

setup-redis:
	scripts/setup.sh --redis

## Build the npm package into pkg/ (cargo → wasm-bindgen → wasm-opt → pkg-template), then the
## gateway package into pkg-gateway/ (installs gateway/'s own npm dependencies when missing).
build: setup
	node scripts/build-pkg.mjs
	node scripts/build-gateway.mjs

## Build, then pack pkg/ into iot-upgrade-task-<version>.tgz and pkg-gateway/ into
## iot-upgrade-task-gateway-<version>.tgz here (what `npm install ./….tgz` takes).
pack: build
	npm pack ./pkg --pack-destination . --no-fund --no-audit
	npm pack ./pkg-gateway --pack-destination . --no-fund --no-audit

## Build, start the platform simulator and the demo console, print the URL. Flags of
## scripts/demo.mjs go in DEMO_ARGS: make demo DEMO_ARGS="--port 8081 --sim-port 8745".
demo: build
	node scripts/demo.mjs $(DEMO_ARGS)

## Everything: lints, native Rust tests, the built package in Node and Chromium, packaging.
test: setup setup-browser setup-redis lint test-native test-wasm build test-types test-packaging test-fuzz test-supply-chain test-js

lint:
	cargo fmt --check
	cargo clippy --all-targets --locked -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --test wasm_edge --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked

## Native Rust tests; the property tests' seed is printed first (PROPTEST_RNG_SEED=N replays).
test-native:
	@seed=$${PROPTEST_RNG_SEED:-$$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}; \
	echo "test-native: proptest seed $$seed (replay: PROPTEST_RNG_SEED=$$seed make test-native)"; \
	PROPTEST_RNG_SEED=$$seed cargo test --locked

## The wasm edge's conversions (options in, records/sessions/tasks out) in Node, through
## wasm-bindgen-test-runner (installed with wasm-bindgen-cli by scripts/setup.sh).
test-wasm:
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --locked --target wasm32-unknown-unknown --test wasm_edge

test-types:
	node_modules/.bin/tsc -p tests/types/tsconfig.json
	node_modules/.bin/tsc -p tests/types/tsconfig.es2020.json
	node_modules/.bin/tsc -p tests/types/tsconfig.simulator.json
	node_modules/.bin/tsc -p tests/types/tsconfig.gateway.json

test-packaging:
	node tests/packaging/run.mjs

## A short fuzz run of every target of the pure core (cargo-fuzz; `make fuzz` runs longer).
test-fuzz:
	scripts/fuzz.sh 20

## cargo deny (licences, bans, sources) and the built package's npm dependencies (none).
test-supply-chain:
	scripts/supply-chain.sh

fuzz:
	scripts/fuzz.sh 300

# The JavaScript suites, every one named: a suite that moves or loses its tests fails the run
# (node --test alone would pass a folder with no test files in it).
JS_SUITES := tests/docs tests/simulator tests/e2e tests/cli tests/gateway tests/browser

# Last, so the run closes with node's test-runner summary.
test-js:
	@for suite in $(JS_SUITES); do \
	  ls $$suite/*.test.mjs >/dev/null 2>&1 || { echo "test-js: no *.test.mjs in $$suite: the suite is gone" >&2; exit 1; }; \
	done
	node --test --test-concurrency=1 tests/size-budget.test.mjs $(addsuffix /,$(JS_SUITES))

## Benchmarks: the package vs a plain-fetch floor and a zod peer; rewrites BENCHMARKS.md.
bench: setup-browser build
	cd benches && npm ci --no-audit --no-fund
	node benches/run.mjs

clean:
	rm -rf pkg pkg-gateway target/wasm32-unknown-unknown
