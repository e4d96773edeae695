#!/usr/bin/env node
// iot-upgrade-task — the command-line tool of the package:
//
//   npx iot-upgrade-task get <operationId...>    print one or more upgrade tasks
//   npx iot-upgrade-task watch <operationId>     follow a task until it ends
//   npx iot-upgrade-task list                    the platform's tasks (filtered)
//   npx iot-upgrade-task devices <operationId>   a task's devices: status, reason, times
//
// Plain Node (18+), no dependencies: node:util parseArgs and the package's own API, imported
// relatively (the file ships next to node.js). The access token, the refresh token and the
// secret are never written anywhere, not even with --verbose; every line this tool writes passes
// through a filter that would blank them if any library text ever carried them.

import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import https from "node:https";
import { Readable } from "node:stream";
import tls from "node:tls";
import { parseArgs } from "node:util";
// Devices done (upgraded, failed, timed out; stopped ones are not) and their whole percentage,
// rounded down: the rule the demo console shows too.
import { FINAL_STATUSES as FINAL, csvRecord, devicesDone as done, percentDone as percent, table } from "./table.js";

const NAME = "iot-upgrade-task";

// ---------------------------------------------------------------------------------------------
// Exit codes (documented in --help)

const EXIT = {
  ok: 0,
  taskEnded: 1,
  usage: 2,
  notFound: 3,
  unauthorized: 4,
  throttled: 5,
  transient: 6,
  invalidResponse: 7,
  other: 8,
  interrupted: 130,
  terminated: 143,
  /** The reader of the output went away before the command had its result (a shell's SIGPIPE). */
  readerGone: 141,
};

const KIND_EXIT = {
  invalid_argument: EXIT.usage,
  not_found: EXIT.notFound,
  unauthorized: EXIT.unauthorized,
  throttled: EXIT.throttled,
  network: EXIT.transient,
  timeout: EXIT.transient,
  server: EXIT.transient,
  invalid_response: EXIT.invalidResponse,
};

/** The exit code of a failure of the given kind. */
const exitCodeOf = (kind) => KIND_EXIT[kind] ?? EXIT.other;

/** The package's own deadline of a login (its default timeoutMs). */
const LOGIN_TIMEOUT_MS = 30000;

// ---------------------------------------------------------------------------------------------
// Options

const OPTIONS = {
  "base-url": { type: "string" },
  "app-key": { type: "string" },
  token: { type: "string" },
  "app-id": { type: "string" },
  secret: { type: "string" },
  timeout: { type: "string" },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  json: { type: "boolean" },
  csv: { type: "boolean" },
  type: { type: "string" },
  status: { type: "string" },
  "device-id": { type: "string" },
  "device-type": { type: "string" },
  model: { type: "string" },
  manufacturer: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  // Hidden (tests, impatient people): the polling schedule of `watch`, in milliseconds.
  "min-delay": { type: "string" },
  "max-delay": { type: "string" },
};

const COMMON_HELP = `Connection (flags win over the environment):
  --base-url URL      the platform, e.g. https://iot.example.com:8743     [IOT_BASE_URL]
  --app-key KEY       the application id, sent as app_key                 [IOT_APP_KEY]
                      (defaults to the app id when logging in)
  --token TOKEN       an access token                                     [IOT_ACCESS_TOKEN]
  --app-id ID         log in with this application id ...                 [IOT_APP_ID]
  --secret SECRET     ... and this secret (used when no token is given)   [IOT_SECRET]
  Prefer the environment for the token and the secret: flags are visible to other users
  of the machine (ps). The token, the secret and a user:password@ inside the URL are never
  printed, not even with --verbose.

TLS (files in PEM format; for a platform with a private CA or two-way TLS):
  --ca FILE           also trust this CA (the platform's own), besides the usual ones [IOT_CA]
  --cert FILE         present this client certificate (two-way TLS) ...             [IOT_CERT]
  --key FILE          ... with this private key (give both)                         [IOT_KEY]

Output:
  --json              JSON instead of text, one object per line (a task; with devices, a subtask)
  -v, --verbose       say what is going on (on stderr); more detail on errors
  -h, --help          this help
  -V, --version       the package version
  Colours only when writing to a terminal, and not with TERM=dumb; never when NO_COLOR is set
  (not empty); FORCE_COLOR=0 (or false) turns them off, any other FORCE_COLOR on (pipes too).`;

const EXIT_HELP = `Exit codes:
  0  success
  1  the watched task ended "failed" or "stop"
  2  usage error, or invalid_argument; also a login answered 404 (no login API at the base
     URL: check --base-url and its path prefix)
  3  not_found (the task does not exist)
  4  unauthorized (token, app key, app id or secret refused)
  5  throttled (the platform's rate limit; try again later)
  6  network, timeout or server (no answer, too slow, or a 5xx; try again later)
  7  invalid_response (the platform's answer broke the documented format)
  8  anything else (bad_request, page_limit, http, ...)
  130 interrupted (Ctrl-C, SIGINT)
  141 the output's reader went away (| head) before the command had its result (a watch
      that had not ended, a list still being walked); as a shell's SIGPIPE
  143 terminated (SIGTERM)
  With several ids, the code of the first id (in the order given) that failed; list and
  devices exit with the code of a failed page (the items printed before it stay printed).`;

const HELP = {
  main: `Usage: ${NAME} <command> [options]

Query Huawei IoT platform (northbound API) firmware/software upgrade tasks.

Commands:
  get <operationId...>   print one or more tasks
  watch <operationId>    follow a task until it ends, with a progress bar
  list                   the platform's tasks, newest first (filters: --type, --status, ...)
  devices <operationId>  a task's devices: status, the platform's reason, times
  help [command]         help on a command

Examples:
  export IOT_BASE_URL=https://iot.example.com:8743 IOT_APP_ID=my-app IOT_SECRET=...
  ${NAME} get 5f0c2a9e1b
  ${NAME} get --json op-1 op-2 op-3 | jq .status
  ${NAME} watch 5f0c2a9e1b && echo upgraded
  ${NAME} list --status processing
  ${NAME} devices 5f0c2a9e1b --status failed --csv > failed.csv

${COMMON_HELP}

${EXIT_HELP}`,

  get: `Usage: ${NAME} get [options] <operationId...>

Prints each task as a readable summary (status, device counts, targets, policy, times in
local time), or with --json the normalised task object, one line per id. Tasks go to
stdout in the order given; failures go to stderr (kind, HTTP status, platform code, hint),
and the other ids are still printed.

Options:
  --timeout DURATION  deadline of the login and of each query: 30s (default), 1500ms, 2m;
                      a bare number is seconds

${COMMON_HELP}

${EXIT_HELP}`,

  watch: `Usage: ${NAME} watch [options] <operationId>

Polls the task until it is "success", "failed" or "stop" (quickly while it changes, backing
off while it does not), showing a live progress bar on a terminal or one line per change
otherwise, TERM=dumb too (on stderr). Then prints the final task to stdout (a summary, or with --json the
task as one line of JSON) and exits 0 on success, 1 on failed or stop.

Options:
  --timeout DURATION  give up (exit 6) when the task has not ended after this long, the
                      login included: 10m, 90s, 1h; a bare number is seconds (default: wait
                      as long as it takes)

${COMMON_HELP}

${EXIT_HELP}`,

  list: `Usage: ${NAME} list [options]

Prints the platform's upgrade tasks, newest first as the platform returns them: a table (id,
type, status, devices done, failed, created in local time, version), or with --json one task
per line. Walks every page (100 tasks a page, within the platform's 100 calls a minute).

Filters (all optional; only the ones given are sent):
  --type TYPE           firmware_upgrade or software_upgrade
  --status STATUS       wait, processing, failed, success or stop
  --device-id ID        tasks that include this device (listed, or in one of its groups)
  --model M             tasks for this device model
  --device-type T       tasks for this device type
  --manufacturer M      tasks for this manufacturer

Options:
  --timeout DURATION  deadline of the login and of each page's query: 30s (default), 1500ms, 2m

Tasks the platform sent in a shape that breaks its documented format are named on stderr
(their place in the page, their id, what is wrong); the others are printed, and the exit
code is then 7.

${COMMON_HELP}

${EXIT_HELP}`,

  devices: `Usage: ${NAME} devices [options] <operationId>

Prints a task's devices (its subtasks) in the platform's order: device, status, the
platform's reason (why it failed, timed out or stopped), started and stopped in local time.
Walks every page (100 devices a page). --json prints one subtask per line, --csv a CSV file
(RFC 4180, CRLF line ends, times in UTC ISO 8601, header line first).

Options:
  --status STATUS     only devices in this status: wait, processing, failed, success, stop
                      or timeout (the platform's "fail" is "failed" here, as everywhere)
  --json | --csv      machine-readable output instead of the table
  --timeout DURATION  deadline of the login and of each page's query: 30s (default), 1500ms, 2m

Devices the platform sent in a broken shape are named on stderr (exit code 7).

${COMMON_HELP}

${EXIT_HELP}`,
};

/** Every command of the tool. */
const COMMANDS = ["get", "watch", "list", "devices"];

// ---------------------------------------------------------------------------------------------
// Output: secrets blanked, terminal-unsafe characters made visible, colours only on a TTY

const secrets = new Set();
/** Registers a value that must never be written. */
function addSecret(value) {
  if (typeof value === "string" && value.length >= 6) secrets.add(value);
}
// A URL's userinfo (`https://user:password@host`): a credential wherever it shows up.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;
function redact(text) {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out.replace(USERINFO, "$1***@");
}

/**
 * A base URL as this tool shows it: terminal-safe, its userinfo (`user:password@`, which the
 * package refuses anyway) shown as `***@`. A URL that does not parse loses everything from its
 * start (or after `scheme://`) to its last `@` before any `?` or `#`.
 */
function shownUrl(text) {
  try {
    const url = new URL(text);
    if (/^https?:$/.test(url.protocol)) {
      if (url.username === "" && url.password === "") return safe(text);
      return safe(text.replace(/^(\s*[a-z][a-z0-9+.-]*:[\\/]*)[^/?#\\]*@/i, "$1***@"));
    }
  } catch {
    // not a URL: masked below
  }
  return safe(text.replace(/^(\s*(?:[a-z][a-z0-9+.-]*:\/\/)?)[^?#]*@/i, "$1***@"));
}
/** Registers the password (and the whole userinfo) of a URL that carries one, as given and decoded. */
function addUserinfoSecrets(text) {
  if (typeof text !== "string") return;
  const m = /^\s*[a-z][a-z0-9+.-]*:[\\/]*([^?#]*)@/i.exec(text);
  if (m === null) return;
  const userinfo = m[1].replace(/^.*[\\/]/, "");
  const password = userinfo.includes(":") ? userinfo.slice(userinfo.indexOf(":") + 1) : userinfo;
  for (const v of [userinfo, password]) {
    addSecret(v);
    try {
      addSecret(decodeURIComponent(v));
    } catch {
      // not percent-encoded text: registered as given
    }
  }
}
/**
 * Whether the command has its result (what it exits with is decided): a reader that goes away
 * after that (`| head -1`) changes nothing; before it, the run stops with EXIT.readerGone.
 */
let resultComplete = false;
const settled = () => {
  resultComplete = true;
};
/** The streams whose reader went away after the result was complete: written no more. */
const gone = new Set();
const write = (stream, text) => (gone.has(stream) ? true : stream.write(redact(text)));
const out = (line = "") => write(process.stdout, `${line}\n`);
const err = (line = "") => write(process.stderr, `${line}\n`);

/**
 * Colours, by the usual Node convention: never with NO_COLOR (set, not empty); FORCE_COLOR=0
 * (or false) off, any other FORCE_COLOR on, on a pipe too; off with TERM=dumb; otherwise only
 * on a terminal.
 */
function colorOn(stream) {
  const env = process.env;
  if (typeof env.NO_COLOR === "string" && env.NO_COLOR !== "") return false;
  if (typeof env.FORCE_COLOR === "string") return !["0", "false"].includes(env.FORCE_COLOR.trim().toLowerCase());
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}
function painter(stream) {
  const on = colorOn(stream);
  const wrap = (open, close) => (text) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    on,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    cyan: wrap(36, 39),
  };
}

// C0/C1 controls (ESC starts terminal escape sequences), bidi overrides and isolates (U+202E
// flips what follows), line/paragraph separators, BOM: shown as \uXXXX instead of acting.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const hex4 = (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
/** A value from the platform, safe to put on a terminal. */
const safe = (value) => String(value).replace(UNSAFE, hex4).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, hex4);
/** JSON for one line, with the same characters escaped (still valid JSON, same value). */
const jsonLine = (value) => JSON.stringify(value).replace(UNSAFE, hex4);

// ---------------------------------------------------------------------------------------------
// Small parsers

class UsageError extends Error {}

/** "30s", "1500ms", "2m", "1h", "1.5" (seconds) → milliseconds. */
function parseDuration(text, flag) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${flag} must be a duration such as 30s, 1500ms, 2m or 1h (got "${safe(text)}")`);
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 }[(m[2] ?? "s").toLowerCase()];
  const ms = Math.round(Number(m[1]) * unit);
  if (!(ms > 0) || !Number.isFinite(ms)) throw new UsageError(`${flag} must be more than 0 (got "${safe(text)}")`);
  return Math.min(ms, 2147483647);
}

/** Milliseconds as people say them: "700 ms", "3 s", "1.5 s", "10 min", "1 h". */
function humanDuration(ms) {
  if (ms % 3600000 === 0) return `${ms / 3600000} h`;
  if (ms % 60000 === 0) return `${ms / 60000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A whole number of milliseconds ≥ 1 (the hidden polling flags). */
function parseMs(text, flag) {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a whole number of milliseconds ≥ 1 (got "${safe(text)}")`);
  return Math.min(Number(text), 2147483647);
}

function readVersion() {
  try {
    return JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting a task

const pad2 = (n) => String(n).padStart(2, "0");
/** An ISO-8601 UTC instant in local time: "2024-03-01 16:00:00 +08:00". */
function localTime(iso) {
  if (iso === null || iso === undefined) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return safe(iso);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
  );
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What ended how, for a task that has ended: "12 succeeded, 3 failed, 15 stopped, 0 not reached". */
function outcomes(s) {
  const notReached = Math.max(0, s.total - done(s) - s.stop);
  return [`${s.success} succeeded`, `${s.fail} failed`, ...(s.timeout > 0 ? [`${s.timeout} timed out`] : []), `${s.stop} stopped`, `${notReached} not reached`].join(", ");
}

function statusText(status, paint) {
  const label = safe(status);
  switch (status) {
    case "success":
      return paint.green(paint.bold(label));
    case "failed":
      return paint.red(paint.bold(label));
    case "stop":
      return paint.yellow(paint.bold(label));
    case "processing":
      return paint.cyan(label);
    default:
      return paint.blue(label);
  }
}

/** "a, b, c and 7 more" (all of them when verbose). */
function list(items, verbose, max = 8) {
  const shown = verbose ? items : items.slice(0, max);
  const rest = items.length - shown.length;
  return shown.map(safe).join(", ") + (rest > 0 ? ` … and ${rest} more (--verbose lists all)` : "");
}

function countsText(s) {
  return `success ${s.success}, fail ${s.fail}, timeout ${s.timeout}, stop ${s.stop}, processing ${s.processing}, wait ${s.wait}`;
}

/** The readable summary of a task, as lines. */
function summary(task, { verbose, paint }) {
  const rows = [];
  const row = (label, value) => rows.push(`  ${paint.dim(label.padEnd(10))}${value}`);
  const more = (value) => rows.push(`  ${" ".repeat(10)}${value}`);
  const s = task.staResult;

  const lines = [`${paint.bold("Task")} ${paint.bold(safe(task.operationId))}`];
  row("Status", statusText(task.status, paint));
  row("Type", task.operateType === "firmware_upgrade" ? "firmware upgrade" : task.operateType === "software_upgrade" ? "software upgrade" : safe(task.operateType));
  row("Version", task.extendPara?.fileVersion == null ? paint.dim("(not given)") : safe(task.extendPara.fileVersion));
  row("Devices", `${done(s)} of ${s.total} done (${percent(s)}%)`);
  if (FINAL.has(task.status)) more(`ended: ${outcomes(s)}`);
  more(countsText(s));

  const t = task.targets;
  if (t.devices.length > 0) row("Targets", `${plural(t.devices.length, "device")}: ${list(t.devices, verbose)}`);
  if (t.deviceGroups.length > 0) {
    const label = t.devices.length > 0 ? more : (v) => row("Targets", v);
    label(`${plural(t.deviceGroups.length, "device group")}: ${list(t.deviceGroups, verbose)}`);
    const kinds = [
      ["type", t.deviceType],
      ["model", t.model],
      ["manufacturer", t.manufacturerName],
    ]
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k} ${safe(v)}`);
    if (kinds.length > 0) more(kinds.join(", "));
  }
  if (t.devices.length === 0 && t.deviceGroups.length === 0) row("Targets", paint.dim("(none)"));

  const p = task.policy;
  const when =
    p.executeType === "now"
      ? "run now"
      : p.executeType === "device_online"
        ? "run when each device comes online"
        : p.executeType === "custom"
          ? `run in a window: ${localTime(p.startTime) ?? "?"} → ${localTime(p.endTime) ?? "?"}`
          : safe(p.executeType);
  const retry = p.retryType ? `retry failed devices${p.retryTimes === null ? "" : ` up to ${plural(p.retryTimes, "time")}`}` : "no retry";
  row("Policy", `${when}; ${retry}`);

  const none = paint.dim("—");
  row("Created", localTime(task.createTime) ?? none);
  row("Started", localTime(task.startTime) ?? none);
  row("Stopped", localTime(task.stopTime) ?? none);

  const extra = Object.entries(task.extendPara ?? {}).filter(([k]) => k !== "fileVersion");
  for (const [i, [k, v]] of extra.entries()) {
    const text = `${safe(k)}: ${typeof v === "string" ? safe(v) : safe(JSON.stringify(v))}`;
    if (i === 0) row("Extra", text);
    else more(text);
  }
  return lines.concat(rows);
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * The hint of a failure in this tool's words: the package's hints speak of its options
 * (timeoutMs, getAccessToken, baseUrl), which an operator of the CLI never sets. `login`: the
 * failure was the login's.
 */
function cliHint(error, login) {
  const cfg = runConfig;
  const base = cfg === null ? "--base-url (or IOT_BASE_URL)" : named(cfg.baseUrl, "base-url", "IOT_BASE_URL");
  const hint = typeof error.hint === "string" ? error.hint : "";
  switch (error.kind) {
    case "timeout":
      return login && helpCommand === "watch"
        ? `The login got no complete answer within 30 s: retry later, and check ${base}.`
        : `No complete answer came within the time allowed (--timeout, 30s by default): retry later, or allow more time with --timeout.`;
    case "unauthorized":
      if (cfg === null) return hint;
      if (login) return `The platform refused the login: check ${named(cfg.appId, "app-id", "IOT_APP_ID")} and ${named(cfg.secret, "secret", "IOT_SECRET")}.`;
      if (cfg.token.value !== undefined) {
        return (
          `The platform refused the access token or the app key: check ${named(cfg.token, "token", "IOT_ACCESS_TOKEN")} (a token expires, and each login of the app ` +
          `invalidates the previous one) and ${named(cfg.appKey, "app-key", "IOT_APP_KEY")}; or log in instead with --app-id and --secret (IOT_APP_ID and IOT_SECRET).`
        );
      }
      return `The platform refused the app key or the token of this run's login: check ${SETTING_NAMES.get("options.appKey") ?? "--app-key (or IOT_APP_KEY)"}; another login with the same app id invalidates this run's token.`;
    case "not_found":
      if (login) return `The login API was not found at this base URL: check ${base} and its path prefix (the platform's northbound API must be under it).`;
      if (error.errorCode === null || error.errorCode === undefined) {
        return `The 404 came without the platform's error code: the task may not exist, or ${base} may be wrong (its host or path prefix).`;
      }
      return hint.replace(/\boperationId\b/g, "operation id");
    case "network":
      // The package's general hint speaks of browsers (CORS); its TLS hints are kept.
      if (/CORS/.test(hint)) return `No answer came: check ${base}, the network and TLS (--ca, --cert and --key); retry later.`;
      return hint.replace(/\bbaseUrl\b/g, base);
    case "http":
      return `The platform answered with an unexpected HTTP status: check ${base} and any proxy or gateway in between.`;
    default:
      return hint.replace(/\bbaseUrl\b/g, base).replace(/\boperationId\b/g, "operation id");
  }
}

/** Reports an UpgradeTaskError (or anything else) on stderr; returns the exit code. */
function reportError(error, { context, verbose, login = false }) {
  settled();
  const paint = painter(process.stderr);
  if (!error || typeof error !== "object" || typeof error.kind !== "string") {
    const text = error instanceof Error ? error.message : String(error);
    err(`${paint.red(paint.bold("error:"))} ${context ? `${context}: ` : ""}${safe(text)}`);
    if (verbose && error instanceof Error && error.stack) err(paint.dim(safe(error.stack)));
    return EXIT.other;
  }
  const problems = Array.isArray(error.problems) ? error.problems : [];
  if (error.kind === "invalid_argument" && problems.length > 0) {
    // A setting of this tool was refused: say so in its words (flags and variables), not the
    // library's option paths.
    for (const p of problems) err(`${paint.red(paint.bold("error:"))} ${settingName(p.path)} ${safe(p.message)}`);
    // The command's own help: it lists the connection settings too, and its own flags (--status).
    err(`Run "${NAME} ${helpCommand === null ? "" : `${helpCommand} `}--help" for usage.`);
    return EXIT.usage;
  }
  const field = (label, value) => err(`  ${label.padEnd(15)}${value}`);
  err(`${paint.red(paint.bold("error:"))} ${paint.bold(error.kind)}${context ? ` — ${context}` : ""}`);
  field("HTTP status:", error.httpStatus === null || error.httpStatus === undefined ? "none (no answer)" : String(error.httpStatus));
  field(
    "platform code:",
    error.errorCode === null || error.errorCode === undefined ? "none" : `${safe(error.errorCode)}${error.errorDesc ? ` (${safe(error.errorDesc)})` : ""}`,
  );
  if (error.message) field("detail:", safe(error.message));
  const hint = cliHint(error, login);
  if (hint) field("hint:", safe(hint));
  if (problems.length > 0) {
    err(`  problems:`);
    const shown = verbose ? problems : problems.slice(0, 20);
    for (const p of shown) err(`    - ${p.path === "" ? "(body)" : safe(p.path)}: ${safe(p.message)}`);
    if (shown.length < problems.length) err(`    … and ${problems.length - shown.length} more (--verbose lists all)`);
  }
  if (verbose) field("retryable:", `${error.retryable ? "yes" : "no"}; requests sent: ${error.attempts ?? 0}`);
  // No login API at the base URL is a wrong setting, not a missing task.
  if (login && error.kind === "not_found") return EXIT.usage;
  return exitCodeOf(error.kind);
}

function usageFail(message, command) {
  settled();
  const paint = painter(process.stderr);
  err(`${paint.red(paint.bold("error:"))} ${message}`);
  err(`Run "${NAME} ${command ? `${command} ` : ""}--help" for usage.`);
  return EXIT.usage;
}

// ---------------------------------------------------------------------------------------------
// Configuration

const fromEnv = (name) => {
  const v = process.env[name];
  return typeof v === "string" && v !== "" ? v : undefined;
};

/** A setting's name for messages: "--base-url", or "IOT_BASE_URL (or --base-url)" when it came from there. */
const named = (setting, flag, env) => (setting.from === `--${flag}` ? `--${flag}` : setting.from === env ? `${env} (or --${flag})` : `--${flag} (or ${env})`);

/** The CLI's words for the library's argument paths, filled in once the settings are known. */
const SETTING_NAMES = new Map([
  ["operationId", "the operation id"],
  ["options.timeoutMs", "--timeout"],
  ["options.maxWaitMs", "--timeout"],
  ["options.minDelayMs", "--min-delay (or IOT_MIN_DELAY_MS)"],
  ["options.maxDelayMs", "--max-delay (or IOT_MAX_DELAY_MS)"],
  ["options.operationType", "--type"],
  ["options.operationStatus", "--status"],
  ["options.status", "--status"],
  ["options.deviceId", "--device-id"],
  ["options.deviceType", "--device-type"],
  ["options.model", "--model"],
  ["options.manufacturerName", "--manufacturer"],
]);
const settingName = (path) => SETTING_NAMES.get(path) ?? safe(path);

/** Reads a PEM file named by a TLS setting (a usage error when it cannot be read). */
function readPem(setting, flag, env) {
  if (setting.value === undefined) return undefined;
  try {
    return readFileSync(setting.value);
  } catch (e) {
    throw new UsageError(`${named(setting, flag, env)}: cannot read "${safe(setting.value)}" (${e?.code ?? e?.message ?? e})`);
  }
}

/** The TLS files (--ca, --cert, --key), read and checked; null when none is given. */
function tlsFiles(pick) {
  const ca = pick("ca", "IOT_CA");
  const cert = pick("cert", "IOT_CERT");
  const key = pick("key", "IOT_KEY");
  if ((cert.value === undefined) !== (key.value === undefined)) {
    const given = cert.value === undefined ? named(key, "key", "IOT_KEY") : named(cert, "cert", "IOT_CERT");
    throw new UsageError(`${given} is given alone: a client certificate needs both --cert FILE and --key FILE (or IOT_CERT and IOT_KEY)`);
  }
  if (ca.value === undefined && cert.value === undefined) return null;
  const files = { ca: readPem(ca, "ca", "IOT_CA"), cert: readPem(cert, "cert", "IOT_CERT"), key: readPem(key, "key", "IOT_KEY") };
  try {
    tls.createSecureContext({ ...(files.ca ? { ca: files.ca } : {}), ...(files.cert ? { cert: files.cert, key: files.key } : {}) });
  } catch (e) {
    throw new UsageError(`the TLS files cannot be used (${safe(e instanceof Error ? e.message : String(e))}): give PEM files, and a --key that belongs to --cert`);
  }
  return { ...files, from: [ca, cert, key].filter((x) => x.value !== undefined).map((x) => `${x.from} ${safe(x.value)}`) };
}

function configure(values) {
  const pick = (flag, env) => (values[flag] !== undefined ? { value: values[flag], from: `--${flag}` } : fromEnv(env) !== undefined ? { value: fromEnv(env), from: env } : { value: undefined, from: null });
  const baseUrl = pick("base-url", "IOT_BASE_URL");
  const token = pick("token", "IOT_ACCESS_TOKEN");
  const appId = pick("app-id", "IOT_APP_ID");
  const secret = pick("secret", "IOT_SECRET");
  let appKey = pick("app-key", "IOT_APP_KEY");
  for (const s of [token.value, secret.value]) addSecret(s);
  addUserinfoSecrets(baseUrl.value);

  if (baseUrl.value === undefined) throw new UsageError("no platform URL: pass --base-url or set IOT_BASE_URL");
  if (token.value === undefined && (appId.value === undefined || secret.value === undefined)) {
    throw new UsageError("no credentials: pass --token (or set IOT_ACCESS_TOKEN), or --app-id and --secret (or IOT_APP_ID and IOT_SECRET) to log in");
  }
  if (appKey.value === undefined && appId.value !== undefined) appKey = { value: appId.value, from: `${appId.from} (app id)` };
  if (appKey.value === undefined) throw new UsageError("no app key: pass --app-key or set IOT_APP_KEY (or give --app-id / IOT_APP_ID)");
  SETTING_NAMES.set("options.baseUrl", named(baseUrl, "base-url", "IOT_BASE_URL"));
  SETTING_NAMES.set("options.appId", named(appId, "app-id", "IOT_APP_ID"));
  SETTING_NAMES.set("options.secret", named(secret, "secret", "IOT_SECRET"));
  SETTING_NAMES.set("options.appKey", appKey.from === `${appId.from} (app id)` ? `${named(appId, "app-id", "IOT_APP_ID")} (the app key too)` : named(appKey, "app-key", "IOT_APP_KEY"));
  SETTING_NAMES.set("accessToken", token.value === undefined ? "the access token from the login" : named(token, "token", "IOT_ACCESS_TOKEN"));
  return { baseUrl, token, appId, secret, appKey, tls: tlsFiles(pick) };
}

/**
 * A fetch over node:https that presents the client certificate and trusts the extra CA. The
 * package calls the global fetch, and Node's own fetch takes a client certificate only through
 * undici's Agent, a dependency this tool does not have; so for https: URLs the CLI puts this in
 * its place (plain http: to loopback keeps the usual fetch). Errors keep Node's TLS codes as the
 * cause, as Node's fetch does ("fetch failed" with cause.code).
 */
function fetchWithTls({ ca, cert, key }) {
  const agent = new https.Agent({ keepAlive: true, ...(ca ? { ca: [...tls.rootCertificates, ca] } : {}), ...(cert ? { cert, key } : {}) });
  const plain = globalThis.fetch;
  const NO_BODY = new Set([204, 205, 304]);
  async function fetch(input, init) {
    const request = new Request(input, init);
    if (!request.url.startsWith("https:")) return plain(request);
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    return new Promise((resolve, reject) => {
      const options = { method: request.method, headers: Object.fromEntries(request.headers), agent, signal: request.signal };
      const sent = https.request(request.url, options, (res) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) for (const one of [value].flat()) if (one !== undefined) headers.append(name, one);
        const stream = NO_BODY.has(res.statusCode) || request.method === "HEAD" ? null : Readable.toWeb(res);
        try {
          resolve(new Response(stream, { status: res.statusCode, statusText: res.statusMessage ?? "", headers }));
        } catch (cause) {
          res.destroy();
          reject(new TypeError("fetch failed", { cause }));
        }
      });
      sent.on("error", (cause) => reject(new TypeError("fetch failed", { cause })));
      sent.end(body);
    });
  }
  return { fetch, close: () => agent.destroy() };
}

/** "dem…" — enough to recognise an app key in --verbose, not enough to leak it whole. */
const masked = (value) => (value.length <= 4 ? "*".repeat(value.length) : `${safe(value.slice(0, 3))}… (${value.length} characters)`);

async function loadApi() {
  try {
    return await import("./node.js");
  } catch (cause) {
    const e = new Error(`the package's API (node.js next to this file) could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`);
    e.loadFailure = true;
    throw e;
  }
}

/**
 * The options of a login (first or again) beside the credentials: the run's interrupt signal, so
 * Ctrl-C and SIGTERM stop a login that hangs, and the command's deadline, when it has one.
 */
const loginLimits = ({ signal, timeoutMs }) => ({ ...(signal === undefined ? {} : { signal }), ...(timeoutMs === undefined ? {} : { timeoutMs }) });

/** The access token: given, or from a login (`limits`: `{ signal, timeoutMs }`, see loginLimits). */
async function accessToken(api, cfg, log, limits = {}) {
  if (cfg.token.value !== undefined) {
    log(`access token from ${cfg.token.from} (${cfg.token.value.length} characters, not shown)`);
    return cfg.token.value;
  }
  log(`logging in at ${shownUrl(cfg.baseUrl.value)} as app ${masked(cfg.appId.value)} (secret from ${cfg.secret.from}, not shown)`);
  const started = Date.now();
  const session = await api.login({ baseUrl: cfg.baseUrl.value, appId: cfg.appId.value, secret: cfg.secret.value, ...loginLimits(limits) });
  addSecret(session.accessToken);
  addSecret(session.refreshToken);
  log(`logged in in ${Date.now() - started} ms; the token (not shown) expires ${localTime(new Date(session.expiresAt).toISOString())}`);
  return session.accessToken;
}

/**
 * `{ token }`, or `{ code }`: the exit code of a failed login, reported on stderr. `interrupt`
 * (from interruptible()) stops the login on Ctrl-C or SIGTERM, which is then reported as such;
 * `timeoutMs` is the login's deadline; `onTimeout(error)`, when given, reports a login that ran
 * out of time in the command's own words and gives the exit code.
 */
async function tokenOrExit(api, cfg, log, verbose, { interrupt, timeoutMs, onTimeout } = {}) {
  try {
    return { token: await accessToken(api, cfg, log, { signal: interrupt?.signal, timeoutMs }) };
  } catch (e) {
    if (e?.kind === "aborted" && interrupt?.signal.aborted) return { code: interrupt.report() };
    if (e?.kind === "timeout" && onTimeout !== undefined) return { code: onTimeout(e) };
    return { code: reportError(e, { context: "login failed", verbose, login: true }) };
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

async function commandGet(ids, values, cfg, log) {
  const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout, "--timeout");
  const api = await loadApi();
  const interrupt = interruptible();
  try {
    return await getTasks(api, ids, values, cfg, log, timeoutMs, interrupt);
  } finally {
    interrupt.release();
  }
}

async function getTasks(api, ids, values, cfg, log, timeoutMs, interrupt) {
  // --timeout is the deadline of the login too, as of each query.
  const login = await tokenOrExit(api, cfg, log, values.verbose, { interrupt, timeoutMs });
  if (login.code !== undefined) return login.code;
  const token = login.token;
  // Several ids share the platform's own rate (100 calls a minute per app) instead of tripping
  // its throttle; without --timeout, a queued call may wait for its window on top of the
  // usual 30 s.
  const queued = ids.length > 100 ? { timeoutMs: 30000 + Math.ceil(ids.length / 100) * 60000 } : {};
  const options = {
    baseUrl: cfg.baseUrl.value,
    appKey: cfg.appKey.value,
    ...(ids.length > 1 ? { rateLimit: {} } : {}),
    ...(timeoutMs === undefined ? queued : { timeoutMs }),
    signal: interrupt.signal,
  };
  log(`querying ${plural(ids.length, "task")} at ${shownUrl(cfg.baseUrl.value)}${timeoutMs === undefined ? "" : ` (timeout ${timeoutMs} ms each)`}`);
  const started = Date.now();
  let results;
  if (ids.length === 1) {
    try {
      results = [{ operationId: ids[0], ok: true, task: await api.queryUpgradeTask(ids[0], token, options) }];
    } catch (error) {
      results = [{ operationId: ids[0], ok: false, error }];
    }
  } else {
    try {
      results = await api.queryUpgradeTasks(ids, token, options);
    } catch (error) {
      if (error?.kind === "aborted" && interrupt.signal.aborted) return interrupt.report();
      return reportError(error, { verbose: values.verbose });
    }
  }
  if (interrupt.signal.aborted) return interrupt.report();
  settled();
  log(`done in ${Date.now() - started} ms: ${results.filter((r) => r.ok).length} ok, ${results.filter((r) => !r.ok).length} failed`);

  const paint = painter(process.stdout);
  let code = EXIT.ok;
  let printed = 0;
  for (const r of results) {
    if (r.ok) {
      if (values.json) out(jsonLine(r.task));
      else {
        if (printed > 0) out();
        for (const line of summary(r.task, { verbose: values.verbose, paint })) out(line);
      }
      printed += 1;
    } else {
      const c = reportError(r.error, { context: `operation "${safe(r.operationId)}"`, verbose: values.verbose });
      if (code === EXIT.ok) code = c;
    }
  }
  return code;
}

/** The live progress display of `watch`, on stderr. */
function progressDisplay(id, verbose) {
  const stream = process.stderr;
  // The bar redraws its line in place: a terminal without cursor control gets plain lines.
  const tty = stream.isTTY === true && process.env.TERM !== "dumb";
  const paint = painter(stream);
  const started = Date.now();
  let last = null;
  let spinner = 0;
  let timer = null;
  let drawn = false;
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  const elapsed = () => {
    const s = Math.floor((Date.now() - started) / 1000);
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
  };
  const clock = () => {
    const d = new Date();
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  };

  function draw() {
    if (last === null) return;
    const s = last.staResult;
    const pct = percent(s);
    const columns = stream.columns > 0 ? stream.columns : 80;
    const tail = ` ${pct}% ${safe(last.status)} ${done(s)}/${s.total} ✔${s.success} ✘${s.fail} ⏱${s.timeout} ■${s.stop} ${elapsed()}`;
    const head = `${frames[spinner % frames.length]} `;
    const width = Math.max(10, Math.min(40, columns - tail.length - head.length - 3));
    const filled = Math.round((width * pct) / 100);
    const bar = paint.green("█".repeat(filled)) + paint.dim("░".repeat(width - filled));
    const text = `${head}${bar}${tail}`;
    write(stream, `\r\x1b[2K${text}`);
    drawn = true;
  }

  return {
    /** The last task seen, or null. */
    lastTask: () => last,
    /** A --verbose line that does not tear the progress bar. */
    log(line) {
      if (!verbose) return;
      if (tty && drawn) write(stream, "\r\x1b[2K");
      err(paint.dim(`verbose: ${line}`));
      if (tty && drawn) draw();
    },
    start() {
      if (tty) {
        write(stream, `Watching ${safe(id)} (Ctrl-C to stop)\n`);
        timer = setInterval(() => {
          spinner += 1;
          draw();
        }, 120);
        timer.unref?.();
      } else if (verbose) {
        err(`watching ${safe(id)}`);
      }
    },
    update(task) {
      last = task;
      if (tty) draw();
      else {
        const s = task.staResult;
        err(`[${clock()}] ${safe(task.status)} ${done(s)}/${s.total} done (${percent(s)}%): ${countsText(s)}`);
      }
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      if (tty && drawn) {
        draw();
        write(stream, "\n");
        drawn = false;
      }
    },
  };
}

async function commandWatch(id, values, cfg, log) {
  const maxWaitMs = values.timeout === undefined ? undefined : parseDuration(values.timeout, "--timeout");
  const minRaw = values["min-delay"] ?? fromEnv("IOT_MIN_DELAY_MS");
  const maxRaw = values["max-delay"] ?? fromEnv("IOT_MAX_DELAY_MS");
  const minDelayMs = minRaw === undefined ? undefined : parseMs(minRaw, "--min-delay");
  const maxDelayMs = maxRaw === undefined ? undefined : parseMs(maxRaw, "--max-delay");
  const api = await loadApi();

  const interrupt = interruptible();

  const display = progressDisplay(id, values.verbose);
  // --timeout covers the whole watch, the login included: a login gets the time left (at most
  // the usual 30 s; when that is what runs out, the login failed, not the watch).
  const deadline = maxWaitMs === undefined ? undefined : Date.now() + maxWaitMs;
  const timeLeft = () => Math.max(1, deadline - Date.now());
  const loginTimeout = () => (deadline === undefined ? undefined : Math.min(timeLeft(), LOGIN_TIMEOUT_MS));
  /** Reports that --timeout passed; `last` is the last task seen, or null. */
  const timedOut = (error, last) => {
    settled();
    const seen = last === null ? "no answer came in that time" : `the last status seen was ${safe(last.status)}, ${done(last.staResult)} of ${last.staResult.total} devices done (${percent(last.staResult)}%)`;
    const paint = painter(process.stderr);
    err(`${paint.red(paint.bold("error:"))} the watch timed out after ${humanDuration(maxWaitMs)} (--timeout): ${seen}`);
    if (values.verbose && error.message) err(`  detail: ${safe(error.message)}`);
    return EXIT.transient;
  };
  try {
    const firstLoginMs = loginTimeout();
    const login = await tokenOrExit(api, cfg, log, values.verbose, {
      interrupt,
      timeoutMs: firstLoginMs,
      // The deadline of the login was the watch's own: the watch timed out.
      ...(firstLoginMs !== undefined && firstLoginMs < LOGIN_TIMEOUT_MS ? { onTimeout: (e) => timedOut(e, null) } : {}),
    });
    if (login.code !== undefined) return login.code;
    const token = login.token;
    log(
      `watching at ${shownUrl(cfg.baseUrl.value)}` +
        (maxWaitMs === undefined ? "" : `, giving up after ${maxWaitMs} ms`) +
        (minDelayMs === undefined && maxDelayMs === undefined ? "" : ` (poll delays ${minDelayMs ?? "default"}–${maxDelayMs ?? "default"} ms)`),
    );
    display.start();
    let task;
    try {
      const client = platformClient(api, cfg, token, (line) => display.log(line), { rateLimit: false }, () => ({ signal: interrupt.signal, timeoutMs: loginTimeout() }));
      task = await client.waitForUpgradeTask(id, {
        signal: interrupt.signal,
        onProgress: (t) => display.update(t),
        // A poll that failed after its own retries, the watch going on: said with --verbose.
        onRetry: (e, { failures, delayMs }) =>
          display.log(`poll failed: ${safe(e.kind)}${e.httpStatus === null ? "" : ` (HTTP ${e.httpStatus})`}, ${plural(failures, "time")} in a row; next poll in ${delayMs} ms`),
        ...(deadline === undefined ? {} : { maxWaitMs: timeLeft() }),
        ...(minDelayMs === undefined ? {} : { minDelayMs }),
        ...(maxDelayMs === undefined ? {} : { maxDelayMs: Math.max(maxDelayMs, minDelayMs ?? 1) }),
      });
    } catch (error) {
      display.stop();
      if (error?.kind === "aborted" && interrupt.signal.aborted) {
        return interrupt.report();
      }
      if (error?.kind === "timeout" && maxWaitMs !== undefined) {
        // Only --timeout ends a watch with kind timeout (slow answers are retried).
        return timedOut(error, display.lastTask());
      }
      return reportError(error, { context: `operation "${safe(id)}"`, verbose: values.verbose });
    }
    settled();
    display.stop();
    if (values.json) out(jsonLine(task));
    else for (const line of summary(task, { verbose: values.verbose, paint: painter(process.stdout) })) out(line);
    return task.status === "success" ? EXIT.ok : EXIT.taskEnded;
  } finally {
    display.stop();
    interrupt.release();
  }
}

/**
 * Ctrl-C (SIGINT) or SIGTERM aborts the returned signal; a second one exits at once.
 * `report()` says which stopped the run ("interrupted" or "terminated") and gives the shell's
 * code for it (130 or 143); `release()` removes the handlers.
 */
function interruptible() {
  const controller = new AbortController();
  let interrupts = 0;
  let first = EXIT.interrupted;
  const onSignal = (name) => {
    interrupts += 1;
    const code = name === "SIGTERM" ? EXIT.terminated : EXIT.interrupted;
    if (interrupts > 1) process.exit(code);
    first = code;
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    report() {
      settled();
      err(first === EXIT.terminated ? "terminated" : "interrupted");
      return first;
    },
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/**
 * The package's client for this run. With an app id and secret, a token that expires during a
 * long run is replaced by a new login (the client asks for one when the platform refuses it);
 * `limits()` gives that login's `{ signal, timeoutMs }` (see loginLimits).
 */
function platformClient(api, cfg, token, log, more = {}, limits = () => ({})) {
  let current = token;
  const canLogin = cfg.appId.value !== undefined && cfg.secret.value !== undefined;
  const getAccessToken = async ({ forceRefresh }) => {
    if (forceRefresh) {
      log("the platform refused the token: logging in again");
      const session = await api.login({ baseUrl: cfg.baseUrl.value, appId: cfg.appId.value, secret: cfg.secret.value, ...loginLimits(limits()) });
      addSecret(session.accessToken);
      addSecret(session.refreshToken);
      current = session.accessToken;
    }
    return current;
  };
  return new api.UpgradeTaskClient({
    baseUrl: cfg.baseUrl.value,
    appKey: cfg.appKey.value,
    ...more,
    ...(canLogin ? { getAccessToken } : { accessToken: token }),
  });
}

/** A table cell of at most `max` characters ("…" ends a longer one; --json and --csv keep all). */
const clip = (text, max) => {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
};

/** "firmware", "software", or the type as sent. */
const shortType = (type) => (type === "firmware_upgrade" ? "firmware" : type === "software_upgrade" ? "software" : safe(type));

/** Reports an invalid item of a page on stderr (its place, id and problems). */
function reportInvalid(item, pageNo, what, verbose) {
  const paint = painter(process.stderr);
  const id = item.id === null ? "no usable id" : `id "${safe(item.id)}"`;
  err(`${paint.yellow(paint.bold("warning:"))} ${what} ${item.index} of page ${pageNo} (${id}) breaks the platform's documented format; left out:`);
  const shown = verbose ? item.problems : item.problems.slice(0, 5);
  for (const p of shown) err(`    - ${safe(p.path)}: ${safe(p.message)}`);
  if (shown.length < item.problems.length) err(`    … and ${item.problems.length - shown.length} more (--verbose lists all)`);
}

/**
 * Walks a list (`walk(client, options)` gives the package's async iterable), printing each
 * item with `print` as it arrives and invalid ones on stderr; `finish(count)` runs after the
 * last, and after the items before a failed page (never for none: a failed walk is no empty list).
 * Exit code: ok, invalidResponse when an item was invalid, or the failure's.
 */
async function walkList(values, cfg, log, { what, walk, print, finish, context }) {
  const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout, "--timeout");
  const api = await loadApi();
  const interrupt = interruptible();
  let invalid = 0;
  let count = 0;
  try {
    // --timeout is the deadline of the login too, as of each page.
    const login = await tokenOrExit(api, cfg, log, values.verbose, { interrupt, timeoutMs });
    if (login.code !== undefined) return login.code;
    const token = login.token;
    // The platform's own rate (100 calls a minute per app) paces the pages of a long list.
    const client = platformClient(api, cfg, token, log, { rateLimit: {}, ...(timeoutMs === undefined ? {} : { timeoutMs }) }, () => ({ signal: interrupt.signal, timeoutMs }));
    const started = Date.now();
    const onInvalid = (item, { pageNo }) => {
      invalid += 1;
      reportInvalid(item, pageNo, what, values.verbose);
    };
    try {
      for await (const item of walk(client, { signal: interrupt.signal, onInvalid })) {
        count += 1;
        print(item);
      }
    } catch (error) {
      if (error?.kind === "aborted" && interrupt.signal.aborted) {
        return interrupt.report();
      }
      // The rows fetched before the failed page stay printed: a table shows them before the error.
      if (count > 0) finish(count);
      return reportError(error, { context, verbose: values.verbose });
    }
    settled();
    log(`${count} ${what}s in ${Date.now() - started} ms${invalid > 0 ? `, ${invalid} left out` : ""}`);
    finish(count);
    return invalid > 0 ? EXIT.invalidResponse : EXIT.ok;
  } finally {
    interrupt.release();
  }
}

async function commandList(values, cfg, log) {
  const filter = {};
  for (const [flag, key] of [
    ["type", "operationType"],
    ["status", "operationStatus"],
    ["device-id", "deviceId"],
    ["device-type", "deviceType"],
    ["model", "model"],
    ["manufacturer", "manufacturerName"],
  ]) {
    if (values[flag] !== undefined) filter[key] = values[flag];
  }
  const rows = [];
  const paint = painter(process.stdout);
  return walkList(values, cfg, log, {
    what: "task",
    context: "listing tasks",
    walk: (client, options) => client.listUpgradeTasks(filter, options),
    print(task) {
      if (values.json) return out(jsonLine(task));
      const s = task.staResult;
      rows.push([
        clip(safe(task.operationId), 40),
        shortType(task.operateType),
        statusText(task.status, paint),
        `${done(s)}/${s.total}`,
        String(s.fail + s.timeout),
        localTime(task.createTime) ?? "—",
        task.extendPara?.fileVersion == null ? "—" : clip(safe(task.extendPara.fileVersion), 32),
      ]);
    },
    finish(count) {
      if (values.json) return;
      if (count === 0) return err("no tasks match");
      const columns = [{ title: "OPERATION ID" }, { title: "TYPE" }, { title: "STATUS" }, { title: "DONE", align: "right" }, { title: "FAILED", align: "right" }, { title: "CREATED" }, { title: "VERSION" }];
      for (const line of table(columns, rows, { paintHeader: paint.bold, width: visibleWidth })) out(line);
    },
  });
}

async function commandDevices(id, values, cfg, log) {
  const paint = painter(process.stdout);
  const rows = [];
  if (values.csv) out(`${csvRecord(["deviceId", "status", "reason", "createTime", "startTime", "stopTime", "subOperationId"])}\r`);
  return walkList(values, cfg, log, {
    what: "device",
    context: `devices of operation "${safe(id)}"`,
    walk: (client, options) => client.listUpgradeSubTasks(id, { ...options, ...(values.status === undefined ? {} : { status: values.status }) }),
    print(sub) {
      if (values.json) return out(jsonLine(sub));
      if (values.csv) return out(`${csvRecord([sub.deviceId, sub.status, sub.detailInfo, sub.createTime, sub.startTime, sub.stopTime, sub.subOperationId].map(csvCell))}\r`);
      rows.push([clip(safe(sub.deviceId), 40), statusText(sub.status, paint), sub.detailInfo === null ? "—" : clip(safe(sub.detailInfo), 72), localTime(sub.startTime) ?? "—", localTime(sub.stopTime) ?? "—"]);
    },
    finish(count) {
      if (values.json || values.csv) return;
      if (count === 0) return err(values.status === undefined ? "the task has no devices" : `no device is ${safe(values.status)}`);
      const columns = [{ title: "DEVICE" }, { title: "STATUS" }, { title: "REASON" }, { title: "STARTED" }, { title: "STOPPED" }];
      for (const line of table(columns, rows, { paintHeader: paint.bold, width: visibleWidth })) out(line);
    },
  });
}

/**
 * A CSV value: as sent when the file goes to a pipe or a file (line breaks stay inside quoted
 * fields, as RFC 4180 allows); terminal-safe when it goes to a terminal.
 */
const csvCell = (value) => (value === null || process.stdout.isTTY !== true ? value : safe(value));

/** A cell's width on the terminal: its code points without colour escapes. */
const visibleWidth = (text) => [...text.replace(/\x1b\[[0-9;]*m/g, "")].length;

// ---------------------------------------------------------------------------------------------
// Main

/** Which commands take which of the list flags. */
const FLAG_COMMANDS = {
  type: ["list"],
  "device-id": ["list"],
  "device-type": ["list"],
  model: ["list"],
  manufacturer: ["list"],
  status: ["list", "devices"],
  csv: ["devices"],
};

/**
 * The Damerau-Levenshtein distance of two words (optimal string alignment: an insertion, a
 * deletion, a substitution or a swap of two neighbours counts 1), for "did you mean". Written
 * here because the package has no runtime dependencies, and this is twenty lines.
 */
function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidates nearest to a mistyped word: those it begins (or that begin it) first, else
 * those within an edit distance of 2 (1 when either word has at most 4 letters); all of the
 * best ones, at most 3 (more would be no help). Nothing for a single letter.
 */
function nearest(word, candidates) {
  const w = word.toLowerCase();
  if ([...w].length < 2) return [];
  const scored = [];
  for (const c of candidates) {
    if (c === w) continue;
    if ((c.startsWith(w) || (w.startsWith(c) && c.length >= 2))) {
      scored.push([0, c]);
      continue;
    }
    const distance = editDistance(w, c);
    if (distance <= (Math.min(w.length, c.length) <= 4 ? 1 : 2)) scored.push([distance, c]);
  }
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map(([d]) => d));
  const top = scored.filter(([d]) => d === best).map(([, c]) => c);
  return top.length <= 3 ? top : [];
}

/** " (did you mean a?)", " (did you mean a or b?)", or "". */
const didYouMean = (names) => (names.length === 0 ? "" : ` (did you mean ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`}?)`);

/** The long flags a command takes (every flag when the command is not known yet). */
function flagsOf(command) {
  return Object.keys(OPTIONS).filter((name) => {
    if (name === "min-delay" || name === "max-delay") return command === "watch";
    return command === undefined || FLAG_COMMANDS[name] === undefined || FLAG_COMMANDS[name].includes(command);
  });
}

/** "did you mean" for an unknown option token of parseArgs. */
function suggestFlag(token, command) {
  if (!token.rawName.startsWith("--") || [...token.name].length === 1) {
    // A single letter: only a short flag of another case (-H → -h); never a long flag.
    const shorts = Object.values(OPTIONS)
      .map((o) => o.short)
      .filter((c) => c !== undefined && c !== token.name && c.toLowerCase() === token.name.toLowerCase());
    return didYouMean(shorts.map((c) => `-${c}`));
  }
  return didYouMean(nearest(token.name, flagsOf(command)).map((n) => `--${n}`));
}

/** An unknown command, with the nearest ones or the list of all. */
function unknownCommand(word) {
  const near = nearest(word, [...COMMANDS, "help"]);
  return `unknown command "${safe(word)}"${near.length > 0 ? didYouMean(near) : ` (try ${COMMANDS.slice(0, -1).join(", ")} or ${COMMANDS.at(-1)})`}`;
}

/** Why a flag does not fit the command (e.g. --csv with list), or null. */
function misplacedFlag(command, values) {
  for (const [flag, commands] of Object.entries(FLAG_COMMANDS)) {
    if (values[flag] !== undefined && !commands.includes(command)) return `--${flag} only applies to ${commands.join(" and ")}`;
  }
  if (values.csv && values.json) return "--json and --csv are two different outputs: give one";
  return null;
}

async function main(argv) {
  // Secrets given as flags are known before parsing, so even a parse error cannot echo them.
  for (const [i, a] of argv.entries()) {
    for (const flag of ["--token", "--secret"]) {
      if (a === flag) addSecret(argv[i + 1]);
      else if (a.startsWith(`${flag}=`)) addSecret(a.slice(flag.length + 1));
    }
  }
  // Parsed leniently, then checked here, so a mistake is told in this tool's words.
  const { values, positionals, tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const spec = OPTIONS[t.name];
    const command = positionals.find((a) => COMMANDS.includes(a));
    if (spec === undefined) return usageFail(`unknown option ${safe(t.rawName)}${suggestFlag(t, command)}`, command);
    if (spec.type === "string" && t.value === undefined) return usageFail(`${safe(t.rawName)} needs a value`, command);
    if (spec.type === "boolean" && t.inlineValue) return usageFail(`${safe(t.rawName)} takes no value`, command);
  }
  let [command, ...args] = positionals;

  if (values.version) {
    settled();
    out(readVersion());
    return EXIT.ok;
  }
  if (command === "help") {
    const topic = args[0];
    if (topic !== undefined && !COMMANDS.includes(topic)) return usageFail(unknownCommand(topic));
    settled();
    out(HELP[topic ?? "main"]);
    return EXIT.ok;
  }
  if (values.help) {
    if (command !== undefined && !COMMANDS.includes(command)) return usageFail(unknownCommand(command));
    settled();
    out(HELP[command ?? "main"]);
    return EXIT.ok;
  }
  if (command === undefined) {
    settled();
    err(HELP.main);
    return EXIT.usage;
  }
  if (!COMMANDS.includes(command)) return usageFail(unknownCommand(command));
  if (command === "list" && args.length > 0) return usageFail(`list takes no operation id (got "${safe(args[0])}"); filter with --type, --status, --device-id, --model`, command);
  if (command !== "list" && args.length === 0) return usageFail(`${command} needs ${command === "get" ? "at least one operation id" : "an operation id"}`, command);
  if ((command === "watch" || command === "devices") && args.length > 1) return usageFail(`${command} takes one operation id at a time`, command);
  const misplaced = misplacedFlag(command, values);
  if (misplaced !== null) return usageFail(misplaced, command);
  helpCommand = command;
  if (values["min-delay"] !== undefined || values["max-delay"] !== undefined) {
    if (command !== "watch") return usageFail("--min-delay and --max-delay only apply to watch", command);
  }

  const log = values.verbose ? (line) => err(painter(process.stderr).dim(`verbose: ${line}`)) : () => {};
  try {
    const cfg = configure(values);
    runConfig = cfg;
    log(`${NAME} ${readVersion()} on Node ${process.version}`);
    if (cfg.tls !== null) {
      tlsSession = fetchWithTls(cfg.tls);
      globalThis.fetch = tlsSession.fetch;
      log(`TLS: ${cfg.tls.from.join(", ")}`);
    }
    log(`platform ${shownUrl(cfg.baseUrl.value)} (from ${cfg.baseUrl.from}); app key ${masked(cfg.appKey.value)} (from ${cfg.appKey.from})`);
    switch (command) {
      case "get":
        return await commandGet(args, values, cfg, log);
      case "watch":
        return await commandWatch(args[0], values, cfg, log);
      case "list":
        return await commandList(values, cfg, log);
      default:
        return await commandDevices(args[0], values, cfg, log);
    }
  } catch (e) {
    if (e instanceof UsageError) return usageFail(e.message, command);
    return reportError(e, { verbose: values.verbose });
  }
}

// waitForUpgradeTask adds an abort listener to its internal signal on every poll and does not
// remove it; after ten polls Node warns about a possible leak, which is noise on a terminal.
setMaxListeners(0);

// A reader that goes away (`| head -1`) is not an error of this tool: no trace. Before the
// command has its result (a watch still going, a list still being walked), the run stops with
// 141, as a shell's SIGPIPE would, so `set -o pipefail` does not see a success; after it, the
// output goes nowhere and the run ends with the result's own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e?.code !== "EPIPE") throw e;
    if (!resultComplete) process.exit(EXIT.readerGone);
    gone.add(stream);
  });
}

/** The https agent behind --ca/--cert/--key, closed when the tool is done. */
let tlsSession = null;
/** The command being run, once known: a refused setting points at its --help. */
let helpCommand = null;
/** The settings of this run, once read: hints name them as they were given. */
let runConfig = null;
const code = await main(process.argv.slice(2));
settled();
tlsSession?.close();
// Let stdout/stderr drain (pipes are asynchronous) before leaving with the code.
process.exitCode = code;
