// The construction-time check of an UpgradeTaskClient's configuration.
//
// `new UpgradeTaskClient(config)` is synchronous, while the WebAssembly core loads
// asynchronously (browsers fetch the .wasm; the CommonJS entries import the ESM build), so the
// constructor cannot ask the core. This file applies the core's own argument rules
// (src/core/request.rs, retry.rs, limiter.rs; the edge's reading in src/js/convert.rs) to the
// configuration, with the same paths (`config.…` for `options.…`) and the same words, so a bad
// configuration throws where it is written. Every call still goes through the core's check;
// tests/e2e/client-config.test.mjs holds the two to the same answers on one corpus.
// Written once; the build derives config.cjs from this file.

import { UpgradeTaskError } from "./errors.js";

/** The JS type as the core names it ("null", "an array", or typeof). */
export function typeName(value) {
  if (value === null) return "null";
  try {
    if (Array.isArray(value)) return "an array";
  } catch {
    // a revoked Proxy: the core names it by typeof as well
  }
  return typeof value;
}

const absent = (value) => value === undefined || value === null;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CONTROL = /\p{Cc}/u;
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/** A required string (the core's reading and `required`): the string, or null with a problem. */
function text(problems, path, value) {
  let why = null;
  if (absent(value)) why = "is required (a non-empty string)";
  else if (typeof value !== "string") why = `must be a string, got ${typeName(value)}`;
  else if (LONE_SURROGATE.test(value)) why = "contains a lone surrogate (not valid UTF-16)";
  else if (value === "") why = "must be a non-empty string";
  if (why === null) return value;
  problems.push([path, why]);
  return null;
}

/** A required string that can travel as a header value (the core's `header_safe`). */
function headerString(problems, path, value) {
  const given = text(problems, path, value);
  if (given === null) return;
  if (CONTROL.test(given)) problems.push([path, "must not contain control characters (CR, LF, tab, NUL, …)"]);
  else if (BEYOND_LATIN1.test(given)) problems.push([path, "must contain only characters an HTTP header can carry (Latin-1)"]);
}

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const asciiLower = (text) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

function isLoopback(host) {
  const h = asciiLower(host);
  if (h === "localhost" || h === "[::1]" || h === "[0:0:0:0:0:0:0:1]") return true;
  const parts = h.split(".");
  return parts.length === 4 && parts[0] === "127" && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Why a base URL is refused (the core's `check_base_url`, then the runtime's URL parser), or null. */
function baseUrlProblem(input) {
  if (/[\p{Cc}\p{White_Space}\\]/u.test(input)) return "must not contain spaces, control characters or backslashes";
  const cut = input.indexOf("://");
  if (cut < 0) return "must be an absolute URL such as https://host:8743";
  const scheme = asciiLower(input.slice(0, cut));
  const rest = input.slice(cut + 3);
  if (scheme !== "https" && scheme !== "http") return `must use https: (got ${scheme}:)`;
  if (rest.includes("#")) return "must not carry a fragment (#…)";
  if (rest.includes("?")) return "must not carry a query (?…)";
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  if (authority.includes("@")) return "must not carry credentials (user:password@)";
  let host = authority;
  let port = null;
  if (authority.startsWith("[")) {
    const end = authority.indexOf("]");
    if (end < 0) return "has an unterminated [IPv6] host";
    host = authority.slice(0, end + 1);
    const after = authority.slice(end + 1);
    if (after.startsWith(":")) port = after.slice(1);
    else if (after !== "") return "has characters after its [IPv6] host";
  } else if (authority.includes(":")) {
    const colon = authority.indexOf(":");
    host = authority.slice(0, colon);
    port = authority.slice(colon + 1);
  }
  if (port !== null && !(/^\d+$/.test(port) && Number(port) <= 65535)) return "has an invalid port";
  if (host === "") return "must name a host";
  if (host.startsWith("[") && host.endsWith("]")) {
    try {
      new URL(`http://${host}/`);
    } catch {
      return "has an invalid [IPv6] host";
    }
  } else {
    if (!/^[A-Za-z0-9.-]+$/.test(host)) {
      return "has a host with characters a host name cannot hold (give internationalised names in their xn-- form)";
    }
    const last = host.replace(/\.+$/, "").split(".").pop() ?? "";
    const numeric = /^\d*$/.test(last) || /^0x/i.test(last);
    if (last !== "" && numeric && !DOTTED_QUAD.test(host)) return "has a numeric host that is not a dotted-quad IPv4 address";
  }
  if (scheme === "http" && !isLoopback(host)) return "must use https: (plain http: is allowed only to localhost, 127.0.0.0/8 or [::1])";
  try {
    new URL(`${scheme}://${authority}${path.replace(/\/+$/, "")}`);
  } catch {
    return "is not a URL this runtime's fetch accepts";
  }
  return null;
}

/** A duration in ms (the core's `duration`). */
function duration(problems, path, value, zeroOk) {
  if (absent(value)) return;
  const what = zeroOk ? "zero or more" : "a positive";
  if (typeof value !== "number") problems.push([path, `must be ${what}, finite number of milliseconds, got ${typeName(value)}`]);
  else if (!(Number.isFinite(value) && (value > 0 || (zeroOk && value === 0)))) problems.push([path, `must be ${what}, finite number of milliseconds`]);
}

/** A whole number within [min, max] (the core's `whole_number`). */
function wholeNumber(problems, path, value, min, max) {
  if (absent(value)) return;
  if (typeof value !== "number") problems.push([path, `must be a number, got ${typeName(value)}`]);
  else if (!(Number.isInteger(value) && value >= min && value <= max)) problems.push([path, `must be a whole number from ${min} to ${max}`]);
}

/** `value` if it reads as an AbortSignal (the core's `looks_like_abort_signal`), else undefined; never throws. */
export function abortSignalOf(value) {
  try {
    return typeof value?.aborted === "boolean" && typeof value.addEventListener === "function" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `false` or an object whose fields `check` reads (the core's reading of `retry` and `rateLimit`). */
function falseOrObject(problems, path, value, check) {
  if (absent(value) || value === false) return;
  let array;
  try {
    array = Array.isArray(value);
  } catch {
    return problems.push([path, "must be false or an object, got an object that cannot be read (a revoked Proxy)"]);
  }
  if (typeof value === "object" && !array) check((key) => field(value, key));
  else problems.push([path, `must be false or an object, got ${typeName(value)}`]);
}

/** `object[key]` as the core reads a nested option: a getter or trap that throws reads as absent. */
function field(object, key) {
  try {
    return object[key];
  } catch {
    return undefined;
  }
}

/** Every problem of a client configuration, as {path, message}, in the core's order. */
export function clientConfigProblems(config) {
  if (config === null || typeof config !== "object" || typeName(config) === "an array") {
    return [{ path: "config", message: "is required: an object with baseUrl, appKey and accessToken or getAccessToken" }];
  }
  const problems = [];
  const c = config;
  const hasToken = !absent(c.accessToken);
  const hasGetter = !absent(c.getAccessToken);
  if (hasToken === hasGetter) {
    problems.push(["config.accessToken", "needs exactly one of accessToken (a string) or getAccessToken (a function)"]);
  } else if (hasGetter && typeof c.getAccessToken !== "function") {
    problems.push(["config.getAccessToken", `must be a function, got ${typeName(c.getAccessToken)}`]);
  } else if (hasToken) {
    headerString(problems, "config.accessToken", c.accessToken);
  }
  if (absent(c.appKey) && !absent(c.appId)) {
    problems.push(["config.appKey", "is required (a non-empty string); config.appId was given: did you mean appKey?"]);
  } else {
    headerString(problems, "config.appKey", c.appKey);
  }
  const baseUrl = text(problems, "config.baseUrl", c.baseUrl);
  const why = baseUrl === null ? null : baseUrlProblem(baseUrl);
  if (why !== null) problems.push(["config.baseUrl", why]);
  duration(problems, "config.timeoutMs", c.timeoutMs, false);
  falseOrObject(problems, "config.retry", c.retry, (r) => {
    wholeNumber(problems, "config.retry.maxAttempts", r("maxAttempts"), 1, 100);
    duration(problems, "config.retry.baseDelayMs", r("baseDelayMs"), true);
    duration(problems, "config.retry.maxDelayMs", r("maxDelayMs"), true);
  });
  duration(problems, "config.attemptTimeoutMs", c.attemptTimeoutMs, false);
  falseOrObject(problems, "config.rateLimit", c.rateLimit, (r) => {
    wholeNumber(problems, "config.rateLimit.calls", r("calls"), 1, 1e9);
    duration(problems, "config.rateLimit.perMs", r("perMs"), false);
  });
  if (!absent(c.signal) && abortSignalOf(c.signal) === undefined) problems.push(["config.signal", "must be an AbortSignal"]);
  return problems.map(([path, message]) => ({ path, message }));
}

/**
 * Throws an `invalid_argument` UpgradeTaskError listing every problem of a client
 * configuration (the constructor's check); does nothing for a good one.
 * @param {unknown} config
 */
export function assertClientConfig(config) {
  const problems = clientConfigProblems(config);
  if (problems.length === 0) return;
  const [first] = problems;
  const more = problems.length === 1 ? "" : ` (and ${problems.length - 1} more problem${problems.length === 2 ? "" : "s"})`;
  throw new UpgradeTaskError({
    kind: "invalid_argument",
    message: `invalid_argument: ${first.path} ${first.message}${more}`,
    hint: "Fix the configuration named in `problems`; nothing was sent to the platform.",
    problems,
  });
}
