// The browser round trip, shared by the browser consumer projects: run.mjs copies this file
// into each of them as src/roundtrip.js, so every bundler sees an ordinary app module.
// It imports the package exactly as an app would and returns plain data for the runner to check.

import * as api from "iot-upgrade-task";
import { queryUpgradeTask, UpgradeTaskError } from "iot-upgrade-task";

/** The call parameters, from the page's query string (or a worker message). */
export function readParams(search) {
  const q = new URLSearchParams(search);
  return {
    baseUrl: q.get("baseUrl"),
    appKey: q.get("appKey"),
    token: q.get("token"),
    taskId: q.get("taskId"),
    missingId: q.get("missingId"),
  };
}

function describe(error) {
  return {
    instanceofUpgradeTaskError: error instanceof UpgradeTaskError,
    instanceofError: error instanceof Error,
    name: error?.name ?? null,
    kind: error?.kind ?? null,
    httpStatus: error?.httpStatus ?? null,
    errorCode: error?.errorCode ?? null,
    retryable: error?.retryable ?? null,
    problems: error?.problems ?? null,
    message: String(error?.message ?? error),
  };
}

/** One task fetched and one missing task; never throws. */
export async function roundTrip({ baseUrl, appKey, token, taskId, missingId }) {
  const options = { baseUrl, appKey, timeoutMs: 20000 };
  const out = { exports: Object.keys(api).sort(), task: null, taskError: null, notFound: null };
  try {
    out.task = await queryUpgradeTask(taskId, token, options);
  } catch (error) {
    out.taskError = describe(error);
  }
  try {
    await queryUpgradeTask(missingId, token, options);
    out.notFound = { resolved: true };
  } catch (error) {
    out.notFound = describe(error);
  }
  return out;
}

/** Runs the round trip in a module worker too; resolves to what the worker posted back. */
export function roundTripInWorker(worker, params) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ workerError: "the worker posted nothing within 30 s" }), 30000);
    worker.addEventListener("message", (event) => {
      clearTimeout(timer);
      resolve(event.data);
    });
    worker.addEventListener("error", (event) => {
      clearTimeout(timer);
      resolve({ workerError: `worker error: ${event.message ?? "failed to load"}` });
    });
    worker.postMessage(params);
  });
}

/** Shows the outcome on the page (the runner reads it back) and exposes it as window.__result. */
export function show(result) {
  const { page } = result;
  const text = page.task
    ? `${page.task.operationId}: ${page.task.status}, ${page.task.staResult.success}/${page.task.staResult.total} devices, version ${page.task.extendPara.fileVersion}`
    : `failed: ${page.taskError?.message}`;
  document.querySelector("#task").textContent = text;
  document.querySelector("#missing").textContent = page.notFound?.kind ?? "";
  window.__result = result;
  document.body.dataset.state = "done";
}
