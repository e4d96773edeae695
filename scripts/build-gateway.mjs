#!/usr/bin/env node
// Builds the gateway package into pkg-gateway/ (after scripts/build-pkg.mjs built pkg/):
// installs gateway/'s own dependencies when missing (npm ci; iot-upgrade-task links to ../pkg),
// copies the files its package.json ships, and writes that package.json with the dependency on
// iot-upgrade-task at the version pkg/ has. pkg-gateway/node_modules links to gateway's, so
// `node pkg-gateway/bin.mjs` runs from the checkout; npm pack leaves it out.

import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "gateway");
const out = join(root, "pkg-gateway");
const mainPkg = JSON.parse(readFileSync(join(root, "pkg", "package.json"), "utf8"));

const installed = join(src, "node_modules", ".package-lock.json");
if (!existsSync(installed) || statSync(join(src, "package-lock.json")).mtimeMs > statSync(installed).mtimeMs) {
  console.log("build-gateway: installing gateway/ dependencies (npm ci)");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: src, stdio: "inherit" });
}

const manifest = JSON.parse(readFileSync(join(src, "package.json"), "utf8"));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const name of manifest.files.filter((f) => existsSync(join(src, f)))) cpSync(join(src, name), join(out, name), { recursive: true });
for (const name of ["LICENSE-MIT", "LICENSE-APACHE"]) cpSync(join(root, name), join(out, name));
const { devDependencies, ...published } = manifest;
published.dependencies = { ...manifest.dependencies, [mainPkg.name]: mainPkg.version };
writeFileSync(join(out, "package.json"), `${JSON.stringify(published, null, 2)}\n`);
chmodSync(join(out, "bin.mjs"), 0o755);
symlinkSync(join("..", "gateway", "node_modules"), join(out, "node_modules"), "dir");
console.log(`pkg-gateway/: ${published.name} ${published.version} (depends on ${mainPkg.name} ${mainPkg.version})`);
