#!/usr/bin/env bash
# Fuzzes the pure Rust core (src/core) with cargo-fuzz / libFuzzer: builds every target of
# fuzz/ once, then runs each for a fixed time and prints how many inputs it tried.
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]     (default: 60 s, every target)
#
# Targets (fuzz/fuzz_targets/): interpret_bytes (any bytes + any status through
# core::interpret), interpret_structured (task-shaped JSON built with `arbitrary`), strings
# (check_base_url, encode_segment, parse_timestamp on any string). Each checks invariants
# beyond "no panic" (fuzz/src/lib.rs).
#
# Nothing random is lost:
# - Every run first replays, input by input, the committed hand-made seeds in
#   fuzz/corpus/<target>/ and every input that ever crashed, kept in fuzz/regressions/<target>/
#   (libFuzzer -runs=0): a fixed regression test, whatever the random part finds.
# - The random part is seeded: FUZZ_SEED=<n> (1..4294967295) or a fresh seed, printed first;
#   on a clean clone the same seed replays the same mutations.
# - A crash leaves its input in fuzz/artifacts/<target>/ and a copy in
#   fuzz/regressions/<target>/ (commit it: from then on every run replays it); this script
#   exits 1 and prints the command that replays it.
# The corpus libFuzzer grows lives in fuzz/corpus-generated/ (git-ignored, kept between runs).
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

seed="${FUZZ_SEED:-}"
if [ -z "$seed" ]; then
  seed=$(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 4294967295 + 1 ))
fi
if ! [[ "$seed" =~ ^[0-9]+$ ]] || [ "$seed" -lt 1 ] || [ "$seed" -gt 4294967295 ]; then
  echo "fuzz: FUZZ_SEED must be an integer 1..4294967295" >&2
  exit 2
fi
echo "fuzz: seed $seed (replay: FUZZ_SEED=$seed scripts/fuzz.sh $seconds ${targets[*]})"

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

# Prints the end of a failed run's log, keeps its crash input as a regression, says how to replay.
report_failure() {
  local target="$1" log="$2" artifact kept
  echo "---- $target: last lines of $log"
  grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse|RELOAD)' "$log" | tail -n 40
  artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n 1 | sed 's/Test unit written to //')
  if [ -n "$artifact" ] && [ -f "$artifact" ]; then
    kept="fuzz/regressions/$target/$(basename "$artifact")"
    cp "$artifact" "$kept"
    echo "fuzz: the input is kept as $kept: commit it, every run replays it from now on"
    echo "fuzz: replay with: cargo ${toolchain[*]:-} fuzz run ${build_flags[*]} $target $kept"
  fi
}

for target in "${targets[@]}"; do
  corpus="fuzz/corpus-generated/$target"
  seeds="fuzz/corpus/$target"
  regressions="fuzz/regressions/$target"
  mkdir -p "$corpus" "$seeds" "$regressions"
  libfuzzer=(
    -timeout=10
    -rss_limit_mb=2048
  )
  case "$target" in
    # `arbitrary` needs a few hundred bytes for one whole task: start long, stay long.
    interpret_structured) libfuzzer+=(-max_len=4096 -len_control=0) ;;
    *) libfuzzer+=(-max_len=8192 "-dict=fuzz/task.dict") ;;
  esac

  # 1. The committed inputs, each run once: a plain regression test.
  replayed=$(( $(find "$seeds" "$regressions" -maxdepth 1 -type f ! -name '.*' | wc -l) ))
  status=0
  cargo "${toolchain[@]}" fuzz run "${build_flags[@]}" "$target" "$seeds" "$regressions" -- "${libfuzzer[@]}" -runs=0 \
    >"$logs/$target.replay.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    summary+=("$(printf '%-22s %12s committed inputs replayed  FAILED (exit %s)' "$target" "$replayed" "$status")")
    report_failure "$target" "$logs/$target.replay.log"
    continue
  fi

  # 2. The seeded random part.
  echo "fuzz: $target: $replayed committed inputs replayed; fuzzing for ${seconds} s"
  status=0
  cargo "${toolchain[@]}" fuzz run "${build_flags[@]}" "$target" "$corpus" "$seeds" "$regressions" -- "${libfuzzer[@]}" \
    "-seed=$seed" "-max_total_time=$seconds" -print_final_stats=1 \
    >"$logs/$target.log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' | tail -n 1)
  execs="${execs:-?}"
  if [ "$status" -eq 0 ]; then
    summary+=("$(printf '%-22s %4s replayed %12s inputs  ok' "$target" "$replayed" "$execs")")
  else
    failed+=("$target")
    summary+=("$(printf '%-22s %4s replayed %12s inputs  FAILED (exit %s)' "$target" "$replayed" "$execs" "$status")")
    report_failure "$target" "$logs/$target.log"
  fi
done

echo "fuzz: seed $seed, ${seconds} s per target, $(( $(date +%s) - started )) s in all"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
