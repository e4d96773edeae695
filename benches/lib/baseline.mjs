// The "before" of every before/after row: the package as built from another commit (by
// default the merge base with main, i.e. today's main before this branch's changes), built
// once into target/bench-baseline/<sha>/pkg and reused while that commit stays the same.
//
//   node benches/lib/baseline.mjs [ref]     builds it (if needed) and prints the pkg path
//   BENCH_BASELINE=<ref> make bench          compares against another commit
//   BENCH_BASELINE=none make bench           no "before" rows
//
// The commit's own scripts/build-pkg.mjs builds it, from `git archive` of that commit, with
// the compiled dependencies of this tree's target/ copied in first (only what differs is
// compiled again) and this tree's node_modules (wasm-opt from binaryen) linked in.

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./stats.mjs";

const git = (...args) => execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8" }).trim();

/** The commit to compare against: $BENCH_BASELINE, else the merge base of HEAD and main. */
export function baselineRef() {
  const wanted = process.env.BENCH_BASELINE;
  if (wanted === "none") return null;
  if (wanted) return git("rev-parse", "--verify", `${wanted}^{commit}`);
  try {
    const base = git("merge-base", "HEAD", "main");
    // On main itself the merge base is HEAD: compare with the commit before.
    return base === git("rev-parse", "HEAD") ? git("rev-parse", "HEAD~1") : base;
  } catch {
    return null;
  }
}

/** Builds (once) and returns {sha, pkg} for `ref`, or null when there is no baseline. */
export function ensureBaseline(ref = baselineRef(), log = () => {}) {
  if (!ref) return null;
  const sha = git("rev-parse", "--short=12", ref);
  const dir = path.join(ROOT, "target", "bench-baseline", sha);
  const pkg = path.join(dir, "pkg");
  if (existsSync(path.join(pkg, "node.js")) && existsSync(path.join(pkg, "iot_upgrade_task_bg.wasm"))) return { sha, pkg };
  log(`building the baseline package of ${sha} into ${path.relative(ROOT, dir)} (once; a few minutes)…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync("sh", ["-c", `git -C "${ROOT}" archive ${sha} | tar -x -C "${dir}"`], { stdio: "inherit" });
  const deps = path.join(ROOT, "target", "wasm32-unknown-unknown", "release", "deps");
  if (existsSync(deps)) cpSync(deps, path.join(dir, "target", "wasm32-unknown-unknown", "release", "deps"), { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  // --locked inside: the commit's own Cargo.lock decides its dependencies.
  execFileSync(process.execPath, [path.join(dir, "scripts", "build-pkg.mjs")], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  return { sha, pkg };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = ensureBaseline(process.argv[2] ?? baselineRef(), (m) => console.error(m));
  console.log(built ? built.pkg : "no baseline");
}
