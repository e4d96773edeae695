// Shared helpers of the CLI tests (not a test file itself): a private copy of the built package
// with the CLI beside it, a way to run the CLI as a child process, and a simulator per file.

import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../simulator/index.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkgDir = join(root, "pkg");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Copies pkg/ (the built package) into a temporary folder and puts the CLI under test next to
 * its node.js: pkg-template/cli.mjs, the source the build ships verbatim (CLI_UNDER_TEST=pkg
 * tests pkg/cli.mjs instead). A copy, so a concurrent `node scripts/build-pkg.mjs` (which
 * empties pkg/) cannot pull the package out from under a running test.
 */
export async function packageCopy() {
  const needed = ["node.js", "iot_upgrade_task.js", "iot_upgrade_task_bg.wasm", "package.json"];
  for (let i = 0; ; i++) {
    if (needed.every((f) => existsSync(join(pkgDir, f)))) {
      try {
        const dir = mkdtempSync(join(tmpdir(), "iot-cli-test-"));
        cpSync(pkgDir, dir, { recursive: true });
        if (needed.every((f) => existsSync(join(dir, f)))) {
          const source = process.env.CLI_UNDER_TEST === "pkg" ? join(pkgDir, "cli.mjs") : join(root, "pkg-template", "cli.mjs");
          cpSync(source, join(dir, "cli.mjs"));
          if (process.env.CLI_UNDER_TEST !== "pkg") cpSync(join(root, "pkg-template", "table.js"), join(dir, "table.js"));
          return { dir, cli: join(dir, "cli.mjs"), remove: () => rmSync(dir, { recursive: true, force: true }) };
        }
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // pkg/ changed while copying: try again
      }
    }
    if (i >= 120) throw new Error("pkg/ is not built: run node scripts/build-pkg.mjs");
    await sleep(500);
  }
}

/** A clean environment: no IOT_* or NO_COLOR from the caller's shell, a fixed time zone. */
export function cleanEnv(extra = {}) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", TZ: "UTC" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * Runs `node cli.mjs ...args` and resolves {code, stdout, stderr}. Asynchronous on purpose:
 * the simulator lives in this process and must keep answering.
 */
export function runCli(cli, args, { env = {}, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts the CLI and returns the child (for signals) and a promise of {code, signal, stdout, stderr}. */
export function spawnCli(cli, args, { env = {} } = {}) {
  const child = spawn(process.execPath, [cli, ...args], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  const result = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (d) => (result.stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (result.stderr += d));
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ ...result, code, signal }));
  });
  return { child, result, done };
}

const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Fails (never skips) unless util-linux `script` is there to give the CLI a pseudo-terminal;
 * scripts/setup.sh installs it (Debian package bsdutils).
 */
export async function requireScript() {
  const ok = await new Promise((resolve) => {
    const c = spawn("script", ["--version"], { stdio: "ignore" });
    c.on("error", () => resolve(false));
    c.on("close", (code) => resolve(code === 0));
  });
  if (!ok) {
    throw new Error("util-linux `script` is missing: the terminal tests need it. Run scripts/setup.sh (it installs the Debian package bsdutils).");
  }
}

/** Runs the CLI on a pseudo-terminal (stdout and stderr are a TTY); output is what the terminal got. */
export function runCliOnTty(cli, args, { env = {}, timeoutMs = 30000 } = {}) {
  const command = [process.execPath, cli, ...args].map(shellQuote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { env: cleanEnv({ TERM: "xterm", ...env }), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A simulator and a package copy for one test file; `env()` logs in afresh each time. */
export async function setup({ progressMs = 1500, ...simOptions } = {}) {
  // No throttle: fast polling would hit the platform's 100 calls a minute within one file.
  const sim = await startSimulator({ progressMs, throttle: false, ...simOptions });
  const pkg = await packageCopy();
  const api = await import(join(pkg.dir, "node.js"));
  return {
    sim,
    api,
    cli: pkg.cli,
    dir: pkg.dir,
    /** IOT_* for a fresh token (each login invalidates the previous token). */
    env(extra = {}) {
      const { accessToken, appId } = sim.login();
      return { IOT_BASE_URL: sim.baseUrl, IOT_APP_KEY: appId, IOT_ACCESS_TOKEN: accessToken, ...extra };
    },
    run: (args, opts) => runCli(pkg.cli, args, opts),
    async close() {
      await sim.close();
      pkg.remove();
    },
  };
}

/** A loopback port with nothing listening on it. */
export async function closedPort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** The exit codes the CLI documents. */
export const EXIT = { ok: 0, taskEnded: 1, usage: 2, notFound: 3, unauthorized: 4, throttled: 5, transient: 6, invalidResponse: 7, other: 8 };

export const ANSI = /\x1b\[/;
