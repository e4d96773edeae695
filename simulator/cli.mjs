#!/usr/bin/env node
// iot-upgrade-task-simulator: runs the platform simulator from the command line.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_APP, VERSION, startSimulator } from "./index.mjs";

const HELP = `Usage: iot-upgrade-task-simulator [options]

A local stand-in for the Huawei IoT platform's northbound API (login,
refreshToken, queryUpgradeTask, the task list and per-device subtasks) with
demo tasks, fault injection and CORS.
For local development and tests only: the /__sim/ control endpoints are
unauthenticated. Binds 127.0.0.1 by default.

Options:
  --port N            port to listen on (default 8743; 0 picks a free port)
  --host HOST         interface to bind (default 127.0.0.1)
  --prefix PATH       serve the northbound API under PATH, e.g. /iot
  --app-id ID         application id (default ${DEFAULT_APP.appId})
  --secret SECRET     application secret (default ${DEFAULT_APP.secret})
  --token-ttl SECONDS access-token lifetime (default 3600)
  --throttle N/MS     at most N task queries per MS milliseconds per app key
                      (sliding window; default 100/60000), or "off"
  --retry-after       send Retry-After on throttled answers
  --origin ORIGIN     allow this CORS origin (repeatable; default: any origin)
  --progress-ms MS    how long a progressing demo task runs (default 40000)
  --total-field NAME  the list pages' total: totalCount (the API reference,
                      default) or totalSize (what the Java/PHP SDKs read)
  --quiet             do not print one line per request
  --help              show this help
  --version           show the version
`;

function version() {
  // Inside the npm package the simulator sits beside the package's package.json.
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    if (pkg?.name === "iot-upgrade-task" && typeof pkg.version === "string") return `${pkg.version} (simulator ${VERSION})`;
  } catch {
    // not inside the package: fall through
  }
  return VERSION;
}

function usageError(message) {
  process.stderr.write(`iot-upgrade-task-simulator: ${message}\nTry --help.\n`);
  process.exit(2);
}

function number(name, text, { integer = false, min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  const n = Number(text);
  if (text === undefined || text.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    usageError(`--${name} needs ${integer ? "an integer" : "a number"} between ${min} and ${max}, not "${text}"`);
  }
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      prefix: { type: "string" },
      "app-id": { type: "string" },
      secret: { type: "string" },
      "token-ttl": { type: "string" },
      throttle: { type: "string" },
      "retry-after": { type: "boolean" },
      origin: { type: "string", multiple: true },
      "progress-ms": { type: "string" },
      "total-field": { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (err) {
  usageError(err.message);
}

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (args.version) {
  process.stdout.write(`${version()}\n`);
  process.exit(0);
}

const options = {
  port: args.port === undefined ? 8743 : number("port", args.port, { integer: true, max: 65535 }),
  host: args.host ?? "127.0.0.1",
  prefix: args.prefix ?? "",
  apps: [{ appId: args["app-id"] ?? DEFAULT_APP.appId, secret: args.secret ?? DEFAULT_APP.secret }],
  retryAfter: Boolean(args["retry-after"]),
  origins: args.origin ?? null,
  log: args.quiet ? false : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
};
if (args["token-ttl"] !== undefined) options.tokenTtlSeconds = number("token-ttl", args["token-ttl"], { min: 0.001 });
if (args["progress-ms"] !== undefined) options.progressMs = number("progress-ms", args["progress-ms"]);
if (args["total-field"] !== undefined) {
  if (!["totalCount", "totalSize"].includes(args["total-field"])) usageError(`--total-field needs totalCount or totalSize, not "${args["total-field"]}"`);
  options.totalField = args["total-field"];
}
if (args.throttle !== undefined) {
  if (args.throttle === "off") options.throttle = false;
  else {
    const m = /^(\d+)\/(\d+)$/.exec(args.throttle);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) usageError(`--throttle needs N/MS (e.g. 100/60000) or "off", not "${args.throttle}"`);
    options.throttle = { calls: Number(m[1]), perMs: Number(m[2]) };
  }
}

let sim;
try {
  sim = await startSimulator(options);
} catch (err) {
  process.stderr.write(`iot-upgrade-task-simulator: ${err.code === "EADDRINUSE" ? `port ${options.port} is in use (try --port 0)` : err.message}\n`);
  process.exit(1);
}

const o = sim.options;
if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(o.host)) {
  process.stderr.write(`warning: bound to ${o.host}; the /__sim/ control endpoints have no authentication. This is a local test tool.\n`);
}
process.stdout.write(
  [
    `iot-upgrade-task simulator ${VERSION} listening on ${sim.url}`,
    `  baseUrl   ${sim.baseUrl}`,
    `  appId     ${o.apps[0].appId}`,
    `  secret    ${o.apps[0].secret}`,
    `  login     POST ${sim.baseUrl}/iocm/app/sec/v1.1.0/login  (form: appId, secret)`,
    `  query     GET  ${sim.baseUrl}/iodm/northbound/v1.5.0/operations/{operationId}`,
    `  list      GET  ${sim.baseUrl}/iodm/northbound/v1.5.0/operations?pageNo=0&pageSize=10  (total: ${o.totalField})`,
    `  devices   GET  ${sim.baseUrl}/iodm/northbound/v1.5.0/operations/{operationId}/subOperations`,
    `  tasks     GET  ${sim.url}/__sim/tasks`,
    `  throttle  ${o.throttle ? `${o.throttle.calls} calls / ${o.throttle.perMs} ms per app key` : "off"}`,
    `  origins   ${o.origins ? o.origins.join(", ") : "any"}`,
    "For local use only. Ctrl-C stops.",
    "",
  ].join("\n"),
);

let stopping = false;
function stop(signal) {
  if (stopping) process.exit(130); // a second signal: give up waiting
  stopping = true;
  process.stdout.write(`${signal}: stopping\n`);
  sim.close().then(
    () => {
      process.stdout.write("stopped\n");
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`close failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
