#!/usr/bin/env bash
# Supply-chain checks (policy in SECURITY.md):
#   1. Rust: `cargo deny check licenses bans sources` against deny.toml (crates.io only, no git,
#      permissive licenses, one wasm-bindgen, no bundled TLS/crypto). The RustSec advisories
#      check runs only when a local copy of the advisory database exists: it cannot be fetched
#      on this project's machines, and the script says so.
#   2. npm: the built package (pkg/) has no dependencies of any kind, no install scripts, and
#      ships only the expected files; `npm ls` finds nothing and `npm audit --omit=dev`
#      reports 0 (an unreachable audit endpoint is reported, not hidden).
#
#   scripts/supply-chain.sh          (builds pkg/ first when it is missing)
#
# Installs cargo-deny from crates.io when it is missing (about 4 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

fail() {
  echo "supply-chain: FAILED: $*" >&2
  exit 1
}

# ---- Rust -----------------------------------------------------------------------------------
if ! cargo deny --version >/dev/null 2>&1; then
  echo "supply-chain: installing cargo-deny (about 4 minutes)"
  cargo install cargo-deny --locked
fi
echo "supply-chain: $(cargo deny --version)"
cargo deny --locked check --hide-inclusion-graph licenses bans sources ||
  fail "cargo deny (licenses, bans, sources) — see above and deny.toml"

advisory_dbs="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if [ -n "$(ls -A "$advisory_dbs" 2>/dev/null)" ]; then
  echo "supply-chain: advisories against the local database in $advisory_dbs (not refreshed)"
  cargo deny --locked check --disable-fetch --hide-inclusion-graph advisories ||
    fail "cargo deny advisories"
else
  echo "supply-chain: advisories SKIPPED: the RustSec advisory database cannot be fetched on this"
  echo "              machine (no network beyond the package registries). Where it can, run:"
  echo "              cargo deny check advisories"
fi

# ---- npm: the built package -----------------------------------------------------------------
if [ ! -f pkg/package.json ]; then
  echo "supply-chain: pkg/ is missing; building it"
  node scripts/build-pkg.mjs
fi

node --input-type=module - <<'EOF' || fail "pkg/package.json or the packed file list (see above)"
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync("pkg/package.json", "utf8"));
const problems = [];
for (const key of ["dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies", "bundledDependencies"]) {
  const value = manifest[key];
  if (value !== undefined && (typeof value !== "object" || Object.keys(value).length > 0)) {
    problems.push(`pkg/package.json declares ${key}: ${JSON.stringify(value)}`);
  }
}
for (const hook of ["preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare"]) {
  if (manifest.scripts?.[hook] !== undefined) problems.push(`pkg/package.json has an install-time script "${hook}"`);
}
// What `npm publish` would ship: only the package's own code, types, the .wasm and docs.
const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: "pkg", encoding: "utf8" }));
const files = packed[0].files.map((f) => f.path);
const allowed = /^(?:[\w.-]+\/)*[\w.-]+\.(?:js|cjs|mjs|d\.ts|d\.cts|d\.mts|wasm)$|^(?:[\w-]+\/)*README\.md$|^package\.json$|^LICENSE[\w.-]*$/;
const forbidden = /(^|\/)(node_modules|tests?|src|target)\/|\.(map|rs|ts\.orig|env|pem|key|tgz)$|(^|\/)\.env/;
for (const file of files) {
  if (!allowed.test(file) || forbidden.test(file)) problems.push(`unexpected file in the package: ${file}`);
}
for (const needed of ["package.json", "iot_upgrade_task_bg.wasm", "index.js", "index.d.ts", "node.js", "node.cjs"]) {
  if (!files.includes(needed)) problems.push(`the package lacks ${needed}`);
}
for (const p of problems) console.error(`supply-chain: ${p}`);
if (problems.length > 0) process.exit(1);
console.log(`supply-chain: pkg/ declares no dependencies and no install scripts; ${files.length} files packed (${(packed[0].size / 1024).toFixed(0)} KiB), all expected`);
EOF

# npm ls and npm audit need a lock file: made in a scratch copy, never in pkg/ itself.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/supply-chain.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp pkg/package.json "$scratch/"
(cd "$scratch" && npm install --package-lock-only --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) ||
  fail "npm could not make a lock file for pkg/package.json"
ls_json=$(cd "$scratch" && npm ls --omit=dev --all --json 2>/dev/null) || fail "npm ls --omit=dev: $ls_json"
node -e '
  const tree = JSON.parse(process.argv[1]);
  const deps = Object.keys(tree.dependencies ?? {});
  if (deps.length > 0) { console.error(`supply-chain: npm ls finds runtime dependencies: ${deps.join(", ")}`); process.exit(1); }
  console.log("supply-chain: npm ls --omit=dev: no runtime dependencies");
' "$ls_json" || fail "npm ls --omit=dev is not empty"

set +e
audit_json=$(cd "$scratch" && npm audit --omit=dev --json 2>/dev/null)
audit_status=$?
set -e
node -e '
  let report;
  try { report = JSON.parse(process.argv[1]); } catch { report = null; }
  const total = report?.metadata?.vulnerabilities?.total;
  if (typeof total === "number") {
    if (total > 0) {
      console.error(`supply-chain: npm audit --omit=dev reports ${total} vulnerabilities`);
      process.exit(1);
    }
    console.log("supply-chain: npm audit --omit=dev: 0 vulnerabilities");
    process.exit(0);
  }
  const why = report?.error?.summary || report?.message || "no report";
  console.log(`supply-chain: npm audit SKIPPED: the audit endpoint gave no report (${why});`);
  console.log("              with no dependency at all (checked above) there is nothing it could flag");
' "$audit_json" || fail "npm audit --omit=dev (exit $audit_status)"

echo "supply-chain: ok"
