#!/usr/bin/env node
// iot-upgrade-task-gateway: runs createGateway on node:http. See --help.

import { readFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";
import { DEFAULTS, GatewayConfigError, createGateway, parseRate } from "./index.mjs";
import { MAX_TIMER_MS, MAX_TIMER_WHY } from "./lib/config.mjs";
import { DATA_ONLY_HEADERS } from "./lib/gateway.mjs";

const HELP = `Usage: iot-upgrade-task-gateway --upstream URL --app-id ID --console-key KEY [options]

Forwards the read-only task routes of the Huawei IoT platform's northbound API to web consoles.
The app secret and the client certificate stay in this process; consoles send
"Authorization: Bearer <console key>" and get the platform's answers. One platform token and
the platform's rate serve every console; identical requests are coalesced and cached briefly.

Options:
  --listen HOST:PORT   where to listen (default 127.0.0.1:8744; port 0 picks a free one)
  --upstream URL       the platform's base URL: https:, or http: to loopback (e.g. https://iot.example.com:8743)
  --app-id ID          the platform application id
  --secret-file PATH   a file holding the app secret (or set IOT_SECRET; never a flag)
  --cert FILE          client certificate (PEM) presented to the platform
  --key FILE           its private key (PEM)
  --ca FILE            CA certificate(s) (PEM) that the platform's certificate must chain to
  --console-key KEY    a key consoles authenticate with; repeat for several (or set
                       GATEWAY_CONSOLE_KEYS, comma-separated); at least 16 characters
  --origin ORIGIN      a browser origin allowed by CORS (e.g. https://console.example.com); repeatable
  --cache-ms N         keep answers N ms (default ${DEFAULTS.cacheMs}; 0 disables; errors other than 404 are never kept)
  --rate N/MS          the platform's rate for the whole gateway (default ${DEFAULTS.rate.calls}/${DEFAULTS.rate.perMs})
  --max-wait-ms N      longest a request waits for a slot of the rate before 429 (default ${DEFAULTS.maxWaitMs})
  --store URL          redis://HOST:PORT/DB: share the token, the rate and the cache with the other
                       replicas of this app through Redis (default: this process only). Or set
                       GATEWAY_STORE (a URL with a password stays out of ps)
  --replicas N         how many replicas share the app through --store (needs it); while Redis is
                       unreachable each keeps 1/N of the rate (default 1)
  --quiet              log warnings and errors only (no line per request)
  --help, --version

Endpoints: GET /iodm/northbound/v1.5.0/operations[/{id}[/subOperations]] (forwarded),
GET /healthz, GET /metrics (Prometheus). Logs are JSON lines (pino) on stdout.
SIGINT / SIGTERM stop it cleanly.
`;

function usageError(message) {
  process.stderr.write(`iot-upgrade-task-gateway: ${message}\nTry --help.\n`);
  process.exit(2);
}

function wholeNumber(name, text, max = Infinity) {
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text)) usageError(`--${name} needs a whole number of milliseconds, not "${text}"`);
  if (Number(text) > max) usageError(`--${name} needs a whole number of milliseconds up to ${max} (${MAX_TIMER_WHY}), not ${text}`);
  return Number(text);
}

function readPem(name, file) {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    return usageError(`--${name} ${file}: ${err.code === "ENOENT" ? "no such file" : err.code ?? err.message}`);
  }
}

function parseListen(text) {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) > 65535) usageError(`--listen needs HOST:PORT (e.g. 127.0.0.1:8744 or [::1]:8744), not "${text}"`);
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

let args;
try {
  args = parseArgs({
    options: {
      listen: { type: "string" },
      upstream: { type: "string" },
      "app-id": { type: "string" },
      "secret-file": { type: "string" },
      secret: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      ca: { type: "string" },
      "console-key": { type: "string", multiple: true },
      origin: { type: "string", multiple: true },
      "cache-ms": { type: "string" },
      rate: { type: "string" },
      "max-wait-ms": { type: "string" },
      store: { type: "string" },
      replicas: { type: "string" },
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
  const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
if (args.secret !== undefined) usageError("the secret is never a flag (it would show in ps and shell history): use --secret-file PATH or IOT_SECRET");
if (!args.upstream) usageError("--upstream URL is required (the platform's base URL)");
if (!args["app-id"]) usageError("--app-id ID is required");

let secret = process.env.IOT_SECRET;
if (args["secret-file"] !== undefined) {
  if (secret) usageError("give the secret once: IOT_SECRET or --secret-file, not both");
  try {
    secret = readFileSync(args["secret-file"], "utf8").replace(/[\r\n]+$/, ""); // as editors and echo leave it
  } catch (err) {
    usageError(`--secret-file ${args["secret-file"]}: ${err.code === "ENOENT" ? "no such file" : err.code ?? err.message}`);
  }
  if (!secret) usageError(`--secret-file ${args["secret-file"]}: the file is empty`);
}
if (!secret) usageError("no secret: set IOT_SECRET or give --secret-file PATH");

const consoleKeys = [...(args["console-key"] ?? []), ...(process.env.GATEWAY_CONSOLE_KEYS ?? "").split(",").map((k) => k.trim()).filter(Boolean)];
if (consoleKeys.length === 0) usageError("no console key: give --console-key KEY (repeatable) or set GATEWAY_CONSOLE_KEYS");
const listen = parseListen(args.listen ?? "127.0.0.1:8744");
if (args.store !== undefined && process.env.GATEWAY_STORE) usageError("give the store once: GATEWAY_STORE or --store, not both");
const store = args.store ?? (process.env.GATEWAY_STORE || undefined);
if (store === undefined && Number(args.replicas) > 1) {
  usageError("--replicas needs --store redis://…: replicas without a shared store each log in, and each login logs the others out");
}
let rate;
if (args.rate !== undefined) {
  rate = parseRate(args.rate);
  if (!rate) usageError(`--rate needs N/MS with whole numbers ≥ 1 (e.g. 100/60000), not "${args.rate}"`);
  if (rate.perMs > MAX_TIMER_MS) usageError(`--rate needs MS up to ${MAX_TIMER_MS} (${MAX_TIMER_WHY}), not "${args.rate}"`);
}

let gateway;
try {
  gateway = createGateway({
    upstream: args.upstream,
    appId: args["app-id"],
    secret,
    cert: readPem("cert", args.cert),
    key: readPem("key", args.key),
    ca: readPem("ca", args.ca),
    consoleKeys,
    origins: args.origin ?? [],
    cacheMs: wholeNumber("cache-ms", args["cache-ms"]),
    rate,
    maxWaitMs: wholeNumber("max-wait-ms", args["max-wait-ms"], MAX_TIMER_MS),
    store,
    replicas: args.replicas === undefined ? undefined : /^[1-9]\d{0,3}$/.test(args.replicas) ? Number(args.replicas) : usageError(`--replicas needs a whole number ≥ 1, not "${args.replicas}"`),
    logger: { level: args.quiet ? "warn" : "info" },
  });
} catch (err) {
  if (err instanceof GatewayConfigError) usageError(err.message.replace(/^createGateway: /, ""));
  throw err;
}

// The two deadlines are looked at every second (Node's default, 30 s, let a slow client hold on
// for 37 s against a 10 s headersTimeout).
const server = http.createServer({ maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 }, gateway);
/** A request Node refused before the gateway saw it: [status, error_code, error_desc]. */
function refusal(err) {
  if (err.code === "HPE_HEADER_OVERFLOW") return [431, "GW.HEADERS_TOO_LARGE", `Malformed request (${err.code}).`];
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return [408, "GW.REQUEST_TIMEOUT", "The request did not arrive in time (its headers within 10 s, the whole of it within 30 s)."];
  return [400, "GW.BAD_REQUEST", `Malformed request (${err.code ?? "parse error"}).`];
}
server.on("clientError", (err, socket) => {
  if (!socket.writable || err.code === "ECONNRESET") return void socket.destroy();
  const [status, code, desc] = refusal(err);
  const body = JSON.stringify({ error_code: code, error_desc: desc });
  const headers = { connection: "close", "content-type": "application/json;charset=UTF-8", ...DATA_ONLY_HEADERS, "content-length": Buffer.byteLength(body) };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${head}\r\n${body}`);
});
server.on("error", (err) => {
  process.stderr.write(`iot-upgrade-task-gateway: ${err.code === "EADDRINUSE" ? `${listen.host}:${listen.port} is in use (try --listen ${listen.host}:0)` : err.message}\n`);
  process.exit(1);
});
server.listen(listen.port, listen.host, () => {
  const { address, port } = server.address();
  process.stdout.write(`gateway listening on http://${address.includes(":") ? `[${address}]` : address}:${port}\n`);
});

let stopping = false;
function stop(signal) {
  if (stopping) process.exit(130);
  stopping = true;
  gateway.logger.info({ signal }, "stopping");
  // As the README's example: stop accepting, let the requests in flight finish (cut after 5 s),
  // then close the gateway (its store and platform connections), which they still need until then.
  server.close(() =>
    closeGateway().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`iot-upgrade-task-gateway: close failed: ${err.message}\n`);
        process.exit(1);
      },
    ),
  );
  server.closeIdleConnections();
  // The cut: the gateway closes first, so a request still waiting (e.g. for the rate) is answered
  // 503 GW.CLOSING; the connections go once those answers are out.
  const force = setTimeout(() => {
    closeGateway()
      .catch(() => {}) // reported by server.close's callback
      .finally(() => {
        setImmediate(() => server.closeIdleConnections());
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
  }, 5000);
  force.unref();
}
let gatewayClosing = null;
/** gateway.close() once: the cut and server.close's callback wait for the same close. */
const closeGateway = () => (gatewayClosing ??= gateway.close());
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
