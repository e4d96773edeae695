#!/usr/bin/env bash
# Fuzzes the pure Rust core (src/core) with cargo-fuzz / libFuzzer: builds every target of
# fuzz/ once, then runs each for a fixed time and prints how many inputs it tried.
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]     (default: 60 s, every target)
#
# Targets (fuzz/fuzz_targets/): interpret_bytes (any bytes + any status through
# core::interpret), interpret_structured (task-shaped JSON built with `arbitrary`), strings
# (check_base_url, encode_segment, parse_timestamp on any string). Each checks invariants
# beyond "no panic" (fuzz/src/lib.rs). The corpus libFuzzer grows lives in
# fuzz/corpus-generated/ (git-ignored, kept between runs); the hand-made seeds in
# fuzz/corpus/<target>/ are only read. A crash leaves its input in fuzz/artifacts/<target>/
# and this script exits 1, printing the command that replays it.
#
# Installs cargo-fuzz when it is missing (about 40 s). Uses the nightly toolchain when rustup
# has one, else the default toolchain: with `--sanitizer none` cargo-fuzz needs no -Z flag.
# No sanitizer on purpose: the core is safe Rust (`#![forbid(unsafe_code)]`); what is hunted
# is panics, arithmetic overflow (debug assertions are on), stack exhaustion, hangs (-timeout)
# and memory blow-ups (-rss_limit_mb).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
[ "$#" -gt 0 ] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [seconds-per-target] [target ...]" >&2
  exit 2
fi
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(interpret_bytes interpret_structured strings)
fi

export PATH="$HOME/.cargo/bin:$PATH"
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz (about 40 s)"
  cargo install cargo-fuzz --locked
fi

build_flags=(--sanitizer none --release --debug-assertions)
logs=fuzz/target/logs
mkdir -p "$logs"

started=$(date +%s)
echo "fuzz: building ${targets[*]} (cargo ${toolchain[*]:-} fuzz build; 1-3 min the first time)"
if ! cargo "${toolchain[@]}" fuzz build "${build_flags[@]}" >"$logs/build.log" 2>&1; then
  tail -n 40 "$logs/build.log"
  echo "fuzz: the build failed (log: $logs/build.log)" >&2
  exit 1
fi
echo "fuzz: built in $(( $(date +%s) - started )) s"

failed=()
summary=()
for target in "${targets[@]}"; do
  corpus="fuzz/corpus-generated/$target"
  seeds="fuzz/corpus/$target"
  mkdir -p "$corpus" "$seeds"
  libfuzzer=(
    "-max_total_time=$seconds"
    -timeout=10
    -rss_limit_mb=2048
    -print_final_stats=1
  )
  case "$target" in
    # `arbitrary` needs a few hundred bytes for one whole task: start long, stay long.
    interpret_structured) libfuzzer+=(-max_len=4096 -len_control=0) ;;
    *) libfuzzer+=(-max_len=8192 "-dict=fuzz/task.dict") ;;
  esac
  echo "fuzz: $target for ${seconds} s"
  status=0
  cargo "${toolchain[@]}" fuzz run "${build_flags[@]}" "$target" "$corpus" "$seeds" -- "${libfuzzer[@]}" \
    >"$logs/$target.log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' | tail -n 1)
  execs="${execs:-?}"
  if [ "$status" -eq 0 ]; then
    summary+=("$(printf '%-22s %12s inputs  ok' "$target" "$execs")")
  else
    failed+=("$target")
    summary+=("$(printf '%-22s %12s inputs  FAILED (exit %s)' "$target" "$execs" "$status")")
    echo "---- $target: last lines of $logs/$target.log"
    grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse|RELOAD)' "$logs/$target.log" | tail -n 40
    artifact=$(grep -o 'Test unit written to [^ ]*' "$logs/$target.log" | tail -n 1 | sed 's/Test unit written to //')
    if [ -n "$artifact" ]; then
      echo "fuzz: replay with: cargo ${toolchain[*]:-} fuzz run ${build_flags[*]} $target $artifact"
    fi
  fi
done

echo "fuzz: ${seconds} s per target, $(( $(date +%s) - started )) s in all"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
