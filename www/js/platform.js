// The console's only door to the platform (through the console gateway). Everything goes through
// the package's browser entry; what an older package does not offer (waiting for a task) is done
// here with the same error shape, and switches to the package's own function when it has one.
// There is no login here: the gateway holds the platform's secret and logs in for every console.

import * as pkg from "../pkg/index.js";
import { FINAL_STATUSES as FINAL } from "../pkg/table.js";

export const { UpgradeTaskError, queryUpgradeTask, queryUpgradeTaskList, queryUpgradeSubTasks } = pkg;

/** Every subtask of a task, page by page (the package's walker, through a client for this key). */
export function walkSubTasks(operationId, accessToken, { baseUrl, appKey, timeoutMs, signal }) {
  const client = new pkg.UpgradeTaskClient({ baseUrl, appKey, accessToken, rateLimit: false, timeoutMs });
  return client.listUpgradeSubTasks(operationId, { signal });
}


/** True when this build of the package has the function (later versions add waiting). */
export const packageHas = (name) => typeof pkg[name] === "function";

/**
 * Polls a task until it ends (success, failed or stop) and resolves to the final task.
 * `options`: the query options plus `minDelayMs`, `maxDelayMs`, `onProgress(task)`,
 * `onRetry(error, { failures, delayMs })` (a failed poll the wait goes on after), `signal`.
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
      delay = Math.min(maxDelayMs, delay * 2);
      onRetry?.(err, { failures, delayMs: delay });
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
