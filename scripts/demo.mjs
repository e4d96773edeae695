#!/usr/bin/env node
// `make demo`: the platform simulator in its faithful mode (https, a client certificate
// required, no CORS), the console gateway in front of it (holding the secret and the client
// certificate), and the demo console's static server, which talks only to the gateway.
//
//   node scripts/demo.mjs [--port 8080] [--gateway-port 8744] [--sim-port 8743] [--progress-ms 40000] [--quiet]
//
// Serves www/ at / and pkg/ at /pkg/ (build first: make build), prints the URL to open and the
// console key, and stops everything on Ctrl-C.
// Tests import `startDemo` (or `startStaticServer`) and start everything on port 0.

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_APP, startSimulator } from "../simulator/index.mjs";
import { PKG_DIR, startStaticServer } from "./serve-www.mjs";

export { contentSecurityPolicy, startStaticServer } from "./serve-www.mjs";

const HELP = `Usage: node scripts/demo.mjs [options]

Starts the platform simulator (as the platform: https, client certificate required, no CORS),
the console gateway in front of it (holding the secret and the client certificate) and the
demo console (www/, with the package from pkg/ and the gateway from pkg-gateway/), then prints
the URL to open and the console key to paste.

Options:
  --port N          port of the demo console (default 8080; 0 picks a free port)
  --gateway-port N  port of the console gateway (default 8744; 0 picks a free port)
  --sim-port N      port of the simulator (default 8743; 0 picks a free port)
  --progress-ms MS  how long the simulator's progressing tasks run (default 40000); the
                    "start over" line it prints restarts them
  --quiet           do not log requests
  --help            show this help
`;

function listenOn(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (err) => {
      err.port = port;
      reject(err);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address().port);
    });
  });
}

/**
 * Starts the simulator (faithful by default), the gateway in front of it and the static server;
 * the page's defaults (/config.json) point at the gateway, which allows the page's origin.
 * `sim` and `gateway` add to the simulator's options and the gateway's config; `config` to the
 * page's defaults.
 * @returns {Promise<{ url: string, sim: object, gateway: object, gatewayUrl: string, consoleKey: string, server: object, close: () => Promise<void> }>}
 */
export async function startDemo({
  port = 8080,
  gatewayPort = 8744,
  simPort = 8743,
  host = "127.0.0.1",
  progressMs = 40000,
  log = null,
  faithful = true,
  consoleKey = randomBytes(16).toString("hex"),
  sim: simOptions = {},
  gateway: gatewayOptions = {},
  config = {},
  mounts,
} = {}) {
  const { createGateway } = await import("../pkg-gateway/index.mjs");
  const closers = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {});
  };
  try {
    const sim = await startSimulator({
      port: simPort,
      host,
      progressMs,
      log: log ?? false,
      ...(faithful ? { tls: true, requireClientCert: true, cors: false } : {}),
      ...simOptions,
    });
    closers.push(() => sim.close());
    // The gateway's port first (the page's config names it), its handler once the page's origin is known.
    let gateway = null;
    const front = http.createServer((req, res) => (gateway ? gateway(req, res) : res.writeHead(503).end()));
    const gwPort = await listenOn(front, gatewayPort, host);
    closers.push(async () => {
      front.closeAllConnections();
      await new Promise((r) => front.close(() => r()));
    });
    const gatewayUrl = `http://${host.includes(":") ? `[${host}]` : host}:${gwPort}`;
    const server = await startStaticServer({
      port,
      host,
      config: { baseUrl: gatewayUrl, appKey: DEFAULT_APP.appId, tasks: sim.tasks(), ...config },
      log,
      mounts,
    });
    closers.push(() => server.close());
    const c = sim.certificates;
    gateway = createGateway({
      upstream: sim.baseUrl,
      appId: DEFAULT_APP.appId,
      secret: DEFAULT_APP.secret,
      ...(c ? { cert: c.clientCert, key: c.clientKey, ca: c.ca } : {}),
      consoleKeys: [consoleKey],
      origins: [new URL(server.url).origin],
      logger: log ? { level: "warn" } : false,
      ...gatewayOptions,
    });
    closers.push(() => gateway.close());
    return { url: `${server.url}/`, sim, gateway, gatewayUrl, consoleKey, server, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The curl command that restarts the simulator's progressing tasks (its control endpoints want the client certificate too). */
function restartCommand(simUrl, dir) {
  const file = (name) => path.join(dir, name);
  return `curl --cert ${file("client.crt")} --key ${file("client.key")} --cacert ${file("ca.crt")} -X POST ${simUrl}/__sim/reset`;
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
        "gateway-port": { type: "string" },
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
  for (const f of [path.join(PKG_DIR, "index.js"), path.join(PKG_DIR, "iot_upgrade_task_bg.wasm"), path.join(PKG_DIR, "..", "pkg-gateway", "index.mjs")]) {
    if (!existsSync(f)) {
      process.stderr.write(`demo: ${path.relative(process.cwd(), f) || f} is missing: build first (make build, or make demo).\n`);
      process.exit(1);
    }
  }
  const port = portArg("port", args.port, 8080);
  const simPort = portArg("sim-port", args["sim-port"], 8743);
  const gatewayPort = portArg("gateway-port", args["gateway-port"], 8744);
  const host = "127.0.0.1"; // loopback only: the simulator's control endpoints are unauthenticated
  const log = args.quiet ? null : (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

  let demo;
  try {
    demo = await startDemo({ port, simPort, gatewayPort, host, progressMs, log });
  } catch (err) {
    const which = err.port === simPort ? `the simulator port ${simPort}` : err.port === gatewayPort ? `the gateway port ${gatewayPort}` : `port ${err.port ?? port}`;
    process.stderr.write(`demo: ${err.code === "EADDRINUSE" ? `${which} is in use: choose others with --port / --gateway-port / --sim-port (through make: make demo DEMO_ARGS="--port 8081 --gateway-port 8745 --sim-port 8746")` : err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    [
      "",
      "iot-upgrade-task demo console",
      `  open         ${demo.url}`,
      `  console key  ${demo.consoleKey}   (paste it into the console's Connection panel)`,
      `  gateway      ${demo.gatewayUrl}   (holds the secret and the client certificate; the console talks only to it)`,
      `  simulator    ${demo.sim.baseUrl}   (https, client certificate required, no CORS; progressing tasks run ${progressMs / 1000} s)`,
      `  certificates ${demo.sim.certificates?.dir ?? "-"}`,
      ...(demo.sim.certificates?.dir ? [`  start over   ${restartCommand(demo.sim.baseUrl, demo.sim.certificates.dir)}   (the demo-progress-* tasks run again)`] : []),
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
