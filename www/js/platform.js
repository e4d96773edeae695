// The console's only door to the platform. Everything goes through the package's browser
// entry; what the package does not offer yet (login, waiting for a task) is done here with the
// same error shape, and switches to the package's own function as soon as it exports one.

import * as pkg from "../pkg/index.js";

export const { UpgradeTaskError, queryUpgradeTask } = pkg;

export const LOGIN_PATH = "/iocm/app/sec/v1.1.0/login";
const FINAL = new Set(["success", "failed", "stop"]);

/** True when this build of the package has the function (later versions add login and waiting). */
export const packageHas = (name) => typeof pkg[name] === "function";

/**
 * Logs in: `{ baseUrl, appId, secret }` → `{ accessToken, refreshToken, expiresAt }` (epoch ms).
 * Rejects with an UpgradeTaskError; neither the secret nor the token ever appears in it.
 */
export function login(options) {
  if (packageHas("login")) return pkg.login(options);
  return loginWithFetch(options);
}

/**
 * Polls a task until it ends (success, failed or stop) and resolves to the final task.
 * `options`: the query options plus `minDelayMs`, `maxDelayMs`, `onProgress(task)`, `signal`.
 */
export function waitForUpgradeTask(operationId, accessToken, options) {
  if (packageHas("waitForUpgradeTask")) return pkg.waitForUpgradeTask(operationId, accessToken, options);
  return pollUntilDone(operationId, accessToken, options);
}

/** The simulator's demo tasks (`GET /__sim/tasks` at the base URL's origin); [] when there are none. */
export async function simulatorTasks(baseUrl, { signal } = {}) {
  const url = new URL("/__sim/tasks", baseUrl);
  const res = await fetch(url, { signal, headers: { accept: "application/json" }, credentials: "omit" });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = await res.json();
  if (!Array.isArray(body?.tasks)) throw new Error("not a task list");
  return body.tasks.filter((t) => t && typeof t.operationId === "string");
}

// ---- stand-ins until the package has them ------------------------------------------------

function failure(kind, fields) {
  return new UpgradeTaskError({ kind, httpStatus: null, errorCode: null, errorDesc: null, retryable: false, problems: [], ...fields });
}

function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

const LOGIN_HINTS = {
  100208: "Check the app id and the secret.",
  100022: "Fill in both the app id and the secret.",
};

function loginKind(status, code) {
  if (code === "1010009" || status === 429) return "throttled";
  if (status === 401 || status === 403) return "unauthorized";
  if (code === "100208") return "unauthorized";
  if (status === 400) return "bad_request";
  if (status === 404) return "not_found";
  if (status >= 500) return "server";
  return "http";
}

async function loginWithFetch({ baseUrl, appId, secret, timeoutMs = 30000, signal } = {}) {
  const problems = [];
  let url = null;
  try {
    url = new URL(String(baseUrl ?? ""));
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
      problems.push({ path: "baseUrl", message: "must be https: (http: only to localhost / 127.0.0.1)" });
    }
    if (url.username || url.password || url.search || url.hash) {
      problems.push({ path: "baseUrl", message: "must not carry credentials, a query or a fragment" });
    }
  } catch {
    problems.push({ path: "baseUrl", message: "must be an absolute URL such as https://iot.example.com:8743" });
  }
  if (typeof appId !== "string" || appId === "") problems.push({ path: "appId", message: "is required" });
  if (typeof secret !== "string" || secret === "") problems.push({ path: "secret", message: "is required" });
  if (problems.length) {
    return Promise.reject(
      failure("invalid_argument", {
        message: `invalid_argument: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`,
        hint: "Correct the connection fields and log in again.",
        problems,
      }),
    );
  }
  const endpoint = `${url.href.replace(/\/+$/, "")}${LOGIN_PATH}`;
  const deadline = AbortSignal.timeout(timeoutMs);
  const both = signal ? AbortSignal.any?.([signal, deadline]) ?? deadline : deadline;
  let res;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      body: new URLSearchParams({ appId, secret }),
      headers: { accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
      signal: both,
    });
  } catch {
    if (signal?.aborted) throw failure("aborted", { message: "aborted: the login was cancelled", hint: "" });
    if (deadline.aborted) {
      throw failure("timeout", { message: `timeout: no login answer within ${timeoutMs} ms`, hint: "Try again; check that the platform is reachable.", retryable: true });
    }
    throw failure("network", {
      message: "network: no answer to the login request (refused, offline, or blocked by CORS)",
      hint: "Check the base URL and that the platform (or the simulator) is running.",
      retryable: true,
    });
  }
  let body = null;
  try {
    body = JSON.parse(await res.text());
  } catch {
    body = null;
  }
  const rawCode = body?.error_code ?? body?.resultcode;
  const code = rawCode === undefined || rawCode === null ? null : String(rawCode);
  if (!res.ok || code !== null) {
    const kind = loginKind(res.status, code);
    const desc = scrub(body?.error_desc ?? body?.resultmsg ?? null, [secret]);
    throw failure(kind, {
      httpStatus: res.status,
      errorCode: code,
      errorDesc: desc,
      message: `${kind}: login failed with HTTP ${res.status}${code ? `, platform code ${code}` : ""}${desc ? ` (${desc})` : ""}`,
      hint: LOGIN_HINTS[code] ?? (kind === "server" || kind === "throttled" ? "Try again later." : "Check the base URL, app id and secret."),
      retryable: kind === "server" || kind === "throttled",
    });
  }
  if (typeof body?.accessToken !== "string" || body.accessToken === "") {
    throw failure("invalid_response", {
      httpStatus: res.status,
      message: "invalid_response: the login answer has no accessToken",
      hint: "Check that the base URL points at the platform.",
      problems: [{ path: "accessToken", message: "missing" }],
    });
  }
  // The package's login answer shape: the token, the refresh token, and when the token expires.
  const expiresIn = Number(body.expiresIn);
  return {
    accessToken: body.accessToken,
    refreshToken: typeof body.refreshToken === "string" ? body.refreshToken : null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : Date.now(),
  };
}

function scrub(text, secrets) {
  if (typeof text !== "string") return text;
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return out;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const abortError = () => failure("aborted", { message: "aborted: waiting for the task was cancelled", hint: "" });

async function pollUntilDone(operationId, accessToken, options = {}) {
  const { minDelayMs = 2000, maxDelayMs = 10000, onProgress, onRetry, signal, ...queryOptions } = options;
  const MAX_FAILURES = 5;
  let delay = minDelayMs;
  let failures = 0;
  let previous = null;
  for (;;) {
    let task;
    try {
      task = await queryUpgradeTask(operationId, accessToken, { ...queryOptions, signal });
    } catch (err) {
      if (!err?.retryable || ++failures >= MAX_FAILURES || signal?.aborted) throw err;
      onRetry?.(err, failures);
      delay = Math.min(maxDelayMs, delay * 2);
      await sleep(delay, signal);
      continue;
    }
    failures = 0;
    onProgress?.(task);
    if (FINAL.has(task.status)) return task;
    // Poll quickly while the task moves, slower while it does not.
    const fingerprint = `${task.status} ${JSON.stringify(task.staResult)}`;
    delay = fingerprint === previous ? Math.min(maxDelayMs, Math.round(delay * 1.5)) : minDelayMs;
    previous = fingerprint;
    await sleep(delay, signal);
  }
}
