#!/usr/bin/env node
// `make demo`: the platform simulator plus the demo console's static server.
//
//   node scripts/demo.mjs [--port 8080] [--sim-port 8743] [--progress-ms 40000] [--quiet]
//
// Serves www/ at / and pkg/ at /pkg/ (build pkg/ first: node scripts/build-pkg.mjs), prints the
// URL to open and the demo credentials, and stops both servers on Ctrl-C.
// Tests import `startDemo` (or `startStaticServer`) and start everything on port 0.

import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_APP, startSimulator } from "../simulator/index.mjs";
import { PKG_DIR, startStaticServer } from "./serve-www.mjs";

export { contentSecurityPolicy, startStaticServer } from "./serve-www.mjs";

const HELP = `Usage: node scripts/demo.mjs [options]

Starts the platform simulator and the demo console (www/, with the package from pkg/).

Options:
  --port N          port of the demo console (default 8080; 0 picks a free port)
  --sim-port N      port of the simulator (default 8743; 0 picks a free port)
  --progress-ms MS  how long the simulator's progressing tasks run (default 40000)
  --quiet           do not log requests
  --help            show this help
`;

/**
 * Starts the simulator and the static server; the page's defaults (/config.json) point at
 * that simulator.
 * @returns {Promise<{ url: string, sim: object, server: object, close: () => Promise<void> }>}
 */
export async function startDemo({ port = 8080, simPort = 8743, host = "127.0.0.1", progressMs = 40000, log = null } = {}) {
  const sim = await startSimulator({ port: simPort, host, progressMs, log: log ?? false });
  let server;
  try {
    server = await startStaticServer({
      port,
      host,
      config: { baseUrl: sim.baseUrl, appKey: DEFAULT_APP.appId },
      log,
    });
  } catch (err) {
    await sim.close();
    throw err;
  }
  return {
    url: `${server.url}/`,
    sim,
    server,
    close: () => Promise.all([server.close(), sim.close()]).then(() => {}),
  };
}

function usageError(message) {
  process.stderr.write(`demo: ${message}\nTry --help.\n`);
  process.exit(2);
}

function portArg(name, text, fallback) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) usageError(`--${name} needs a port number 0–65535, not "${text}"`);
  return n;
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: "string" },
        "sim-port": { type: "string" },
        "progress-ms": { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    usageError(err.message);
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const progressText = args["progress-ms"];
  const progressMs = progressText === undefined ? 40000 : Number(progressText);
  if (!Number.isFinite(progressMs) || progressMs < 0 || (progressText !== undefined && progressText.trim() === "")) {
    usageError(`--progress-ms needs a non-negative number, not "${progressText}"`);
  }
  for (const f of ["index.js", "iot_upgrade_task_bg.wasm"]) {
    if (!existsSync(path.join(PKG_DIR, f))) {
      process.stderr.write(`demo: ${path.relative(process.cwd(), path.join(PKG_DIR, f)) || f} is missing: build the package first (node scripts/build-pkg.mjs, or make demo).\n`);
      process.exit(1);
    }
  }
  const port = portArg("port", args.port, 8080);
  const simPort = portArg("sim-port", args["sim-port"], 8743);
  const host = "127.0.0.1"; // loopback only: the simulator's control endpoints are unauthenticated
  const log = args.quiet ? null : (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

  let demo;
  try {
    demo = await startDemo({ port, simPort, host, progressMs, log });
  } catch (err) {
    const which = err.port === simPort ? `the simulator port ${simPort}` : `port ${err.port ?? port}`;
    process.stderr.write(`demo: ${err.code === "EADDRINUSE" ? `${which} is in use (choose another with --port / --sim-port)` : err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    [
      "",
      "iot-upgrade-task demo console",
      `  open       ${demo.url}`,
      `  simulator  ${demo.sim.baseUrl}  (progressing tasks run ${progressMs / 1000} s)`,
      `  app key    ${DEFAULT_APP.appId}`,
      `  secret     ${DEFAULT_APP.secret}`,
      "Local use only. Ctrl-C stops.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = (signal) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    demo.close().then(
      () => {
        process.stdout.write("stopped\n");
        process.exit(0);
      },
      (err) => {
        process.stderr.write(`demo: close failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

const invokedDirectly = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) await main();
