// What a new user reads: the project README's install steps, `make pack`, and the README that
// ships inside the package — built from the project README's marked parts (one source), and
// self-contained: the result, the errors, the options and the CLI are in it, and every link in
// it resolves inside the package.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { markedParts, packageReadmeOf } from "../../scripts/package-readme.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkgDir = join(root, "pkg");
const read = (...parts) => readFileSync(join(...parts), "utf8");
const projectReadme = read(root, "README.md");
const manifest = JSON.parse(read(root, "pkg-template", "package.json"));
const tarball = `${manifest.name}-${manifest.version}.tgz`;

/** The section of a Markdown text under `## title`, up to the next `## `. */
function section(text, title) {
  const start = text.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `no "## ${title}" section`);
  const end = text.indexOf("\n## ", start + 4);
  return text
    .slice(start, end < 0 ? undefined : end)
    .replace(/^<!-- package-readme: .*-->\n/gm, "")
    .trimEnd();
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");

test("the project README says how to install what `make build` made, and keeps the registry for later", () => {
  const install = section(projectReadme, "Install and use");
  assert.match(install, /^make pack\b/m);
  assert.match(install, new RegExp(`^npm install \\./${tarball.replace(/\./g, "\\.")}\\b`, "m"));
  assert.match(install, /not on the npm registry yet/);
  // `npm install iot-upgrade-task` only as what to do once it is published, never as a step.
  assert.doesNotMatch(install, /^npm install iot-upgrade-task\b/m);
  assert.match(install, /Once it is published, `npm install iot-upgrade-task`/);
});

test("make pack builds and writes the tarball the README names", () => {
  const makefile = read(root, "Makefile");
  const rule = /^pack: build\n((?:\t.*\n)+)/m.exec(makefile);
  assert.ok(rule, "Makefile has a pack target that depends on build");
  assert.match(rule[1], /npm pack \.\/pkg --pack-destination \./);
  assert.match(makefile, /^\.PHONY:.* pack\b/m);
  // The same npm pack of the built package: the file name is the one the README tells users to install.
  const out = mkdtempSync(join(tmpdir(), "iot-pack-"));
  try {
    execFileSync("npm", ["pack", pkgDir, "--pack-destination", out, "--no-fund", "--no-audit"], { stdio: "pipe", env: { ...process.env, npm_config_update_notifier: "false" } });
    assert.deepEqual(readdirSync(out), [tarball]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("the package README is built from the project README's marked parts, not kept by hand", () => {
  const shipped = read(pkgDir, "README.md");
  assert.equal(shipped, packageReadmeOf(root), "pkg/README.md is what scripts/package-readme.mjs makes (run make build)");
  const parts = markedParts(projectReadme);
  for (const part of parts) assert.ok(shipped.includes(part), `missing from the package README: ${part.slice(0, 60)}…`);
  for (const title of ["Install and use", "The call", "The result", "Errors", "Resilience", "Two-way TLS, private CAs (Node)", "Command line", "The platform simulator"]) {
    assert.equal(section(shipped, title), section(projectReadme, title), `"${title}" is the project README's own text`);
  }
  // The frame holds only a title, the marker and a licence note: nothing that could drift.
  const frame = read(root, "pkg-template", "README.md").replace(/^<!--[\s\S]*?-->\n/, "");
  assert.ok(frame.split("\n").filter((l) => l.trim() !== "").length <= 5, frame);
});

test("the package README is self-contained: result, errors, options, CLI; every link resolves inside the package", () => {
  const shipped = read(pkgDir, "README.md");
  assert.doesNotMatch(shipped, /project README|the repository's README|see the README/i);
  assert.doesNotMatch(shipped, /<!--/, "no markers or comments left");
  // The result shape, every error kind, every option, every CLI exit code.
  assert.match(shipped, /interface UpgradeTask \{[\s\S]*staResult:[\s\S]*extendPara:/);
  for (const kind of ["invalid_argument", "bad_request", "page_limit", "throttled", "unauthorized", "not_found", "server", "http", "network", "timeout", "aborted", "invalid_response"]) {
    assert.match(shipped, new RegExp(`^\\| \`${kind}\` \\|`, "m"), kind);
  }
  for (const option of ["baseUrl", "appKey", "timeoutMs", "signal", "retry", "attemptTimeoutMs", "rateLimit"]) {
    assert.match(shipped, new RegExp(`^\\| \`${option}\` \\|`, "m"), option);
  }
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 130]) assert.match(shipped, new RegExp(`^\\| ${code} \\|`, "m"));
  const headings = new Set([...shipped.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1])));
  const shippedFiles = manifest.files;
  for (const [, target] of shipped.matchAll(/\]\(([^)]+)\)/g)) {
    if (/^https?:/.test(target)) continue;
    if (target.startsWith("#")) {
      assert.ok(headings.has(target.slice(1)), `link to a missing heading: ${target}`);
      continue;
    }
    assert.ok(!target.startsWith("../") && !target.startsWith("/"), `link outside the package: ${target}`);
    assert.ok(existsSync(join(pkgDir, target)), `link to a file the package lacks: ${target}`);
    assert.ok(shippedFiles.some((f) => target === f || target.startsWith(f.endsWith("/") ? f : `${f}/`)), `link to a file not in "files": ${target}`);
  }
});

test("every relative link of the project README resolves inside the repository", () => {
  // A fresh clone (or the repository's web page) has nothing outside it: "../shared/…" was dead there.
  const headings = new Set([...projectReadme.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1])));
  for (const [, target] of projectReadme.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    if (target.startsWith("#")) {
      assert.ok(headings.has(target.slice(1)), `link to a missing heading: ${target}`);
      continue;
    }
    const file = target.split("#")[0];
    assert.ok(!file.startsWith("../") && !file.startsWith("/"), `link outside the repository: ${target}`);
    assert.ok(existsSync(join(root, file)), `link to a file the repository lacks: ${target}`);
  }
});

test("package.json says where the repository, the home page and the bug tracker are", () => {
  const shipped = JSON.parse(read(pkgDir, "package.json"));
  assert.equal(shipped.repository?.type, "git");
  assert.match(shipped.repository?.url ?? "", /^git\+https:\/\/.+\.git$/);
  assert.match(shipped.homepage ?? "", /^https:\/\//);
  assert.match(shipped.bugs?.url ?? "", /^https:\/\//);
  // One placeholder for the whole project until it has a home: the one Cargo.toml names.
  const crateRepository = /^repository = "(.+)"$/m.exec(read(root, "Cargo.toml"))?.[1];
  assert.ok(crateRepository);
  assert.equal(shipped.repository.url, `git+${crateRepository}.git`);
  assert.ok(shipped.homepage.startsWith(crateRepository) && shipped.bugs.url.startsWith(crateRepository));
});
