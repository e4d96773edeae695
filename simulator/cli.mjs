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

Platform-faithful mode (what the real platform demands):
  --tls               serve https:; test certificates (CA, server, client) are made on
                      start into a folder it prints, unless given below
  --cert-dir DIR      make the test certificates in DIR instead of a temporary folder
  --tls-cert FILE     the server certificate (PEM) instead of generated ones
  --tls-key FILE      its private key (PEM)
  --tls-ca FILE       the CA client certificates must chain to (PEM)
  --require-client-cert  refuse TLS clients without a certificate from that CA (two-way TLS)
  --no-cors           answer no CORS headers and no preflight, as the platform

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
      tls: { type: "boolean" },
      "cert-dir": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-ca": { type: "string" },
      "require-client-cert": { type: "boolean" },
      "no-cors": { type: "boolean" },
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

const tlsFiles = ["tls-cert", "tls-key", "tls-ca"].filter((k) => args[k] !== undefined);
if ((tlsFiles.length > 0 || args["cert-dir"] !== undefined || args["require-client-cert"]) && !args.tls) {
  usageError("--cert-dir, --tls-cert/--tls-key/--tls-ca and --require-client-cert need --tls");
}
if (args.tls) {
  if (tlsFiles.length > 0) {
    if (args["tls-cert"] === undefined || args["tls-key"] === undefined) usageError("--tls-cert and --tls-key go together");
    if (args["cert-dir"] !== undefined) usageError("--cert-dir makes certificates; it cannot be combined with --tls-cert/--tls-key");
    if (args["require-client-cert"] && args["tls-ca"] === undefined) usageError("--require-client-cert with your own certificates needs --tls-ca");
    const read = (flag) => {
      try {
        return readFileSync(args[flag], "utf8");
      } catch (err) {
        return usageError(`--${flag} ${args[flag]}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
      }
    };
    options.tls = { cert: read("tls-cert"), key: read("tls-key"), ...(args["tls-ca"] !== undefined ? { ca: read("tls-ca") } : {}) };
  } else {
    options.tls = args["cert-dir"] !== undefined ? { dir: args["cert-dir"] } : true;
  }
  options.requireClientCert = Boolean(args["require-client-cert"]);
}
if (args["no-cors"]) {
  if (args.origin) usageError("--origin and --no-cors contradict each other");
  options.cors = false;
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

// The banner last: whoever waits for it may signal at once.
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
    `  origins   ${!o.cors ? "none (--no-cors: no CORS headers)" : o.origins ? o.origins.join(", ") : "any"}`,
    ...(o.tls ? [`  tls       ${o.requireClientCert ? "two-way (a client certificate from the CA is required)" : "server certificate only"}`] : []),
    ...(sim.certificates
      ? [
          `  certs     ${sim.certificates.dir}`,
          `            CA ${sim.certificates.files.ca}`,
          `            client certificate ${sim.certificates.files.clientCert}, key ${sim.certificates.files.clientKey}`,
        ]
      : []),
    "For local use only. Ctrl-C stops.",
    "",
  ].join("\n"),
);
