// A Node CommonJS script using the package with `require`, as the README shows, and the same
// script also importing the ESM build, to prove both copies agree: an error that comes through
// one is `instanceof` the other's UpgradeTaskError. Prints one JSON line for run.mjs.
"use strict";

const api = require("iot-upgrade-task");
const { queryUpgradeTask, UpgradeTaskClient, UpgradeTaskError } = require("iot-upgrade-task");

const { IUT_BASE_URL: baseUrl, IUT_APP_KEY: appKey, IUT_TOKEN: token, IUT_TASK_ID: taskId, IUT_MISSING_ID: missingId } = process.env;

const describe = (error) => ({
  instanceofUpgradeTaskError: error instanceof UpgradeTaskError,
  instanceofError: error instanceof Error,
  name: error?.name ?? null,
  kind: error?.kind ?? null,
  httpStatus: error?.httpStatus ?? null,
  errorCode: error?.errorCode ?? null,
  retryable: error?.retryable ?? null,
  problems: error?.problems ?? null,
  message: String(error?.message ?? error),
});

const rejection = (promise) => promise.then(() => null, (error) => error);

async function main() {
  const options = { baseUrl, appKey, timeoutMs: 20000 };
  const out = {
    entry: require.resolve("iot-upgrade-task"),
    version: require("iot-upgrade-task/package.json").version,
    exports: Object.keys(api).sort(),
    errorClassIsSync: typeof UpgradeTaskError === "function",
    task: null,
    taskError: null,
    notFound: null,
  };
  try {
    out.task = await queryUpgradeTask(taskId, token, options);
  } catch (error) {
    out.taskError = describe(error);
  }
  const viaRequire = await rejection(queryUpgradeTask(missingId, token, options));
  out.notFound = viaRequire ? describe(viaRequire) : { resolved: true };

  // The client class of the CommonJS entry (it loads the ESM build on its first call).
  const client = new UpgradeTaskClient({ baseUrl, appKey, accessToken: token, timeoutMs: 20000 });
  out.client = { task: null, taskError: null, notFound: null };
  try {
    out.client.task = await client.queryUpgradeTask(taskId);
  } catch (error) {
    out.client.taskError = describe(error);
  }
  const viaClient = await rejection(client.queryUpgradeTask(missingId));
  out.client.notFound = viaClient ? describe(viaClient) : { resolved: true };
  let badConfig = null;
  try {
    new UpgradeTaskClient({ baseUrl, appKey }); // neither accessToken nor getAccessToken
  } catch (error) {
    badConfig = error;
  }

  // The ESM build, loaded next to the CommonJS one in the same process.
  const esm = await import("iot-upgrade-task");
  const viaImport = await rejection(esm.queryUpgradeTask(missingId, token, options));
  const badArgViaRequire = await rejection(queryUpgradeTask("", token, options));
  const fromCjsClass = new UpgradeTaskError({ kind: "server", problems: [] });
  const fromEsmClass = new esm.UpgradeTaskError({ kind: "server", problems: [] });
  out.interop = {
    sameExportNames: JSON.stringify(Object.keys(esm).filter((k) => k !== "default").sort()) === JSON.stringify(out.exports),
    importKind: viaImport?.kind ?? null,
    requireErrorIsEsmInstance: viaRequire instanceof esm.UpgradeTaskError,
    requireErrorIsCjsInstance: viaRequire instanceof UpgradeTaskError,
    importErrorIsCjsInstance: viaImport instanceof UpgradeTaskError,
    importErrorIsEsmInstance: viaImport instanceof esm.UpgradeTaskError,
    badArgumentKind: badArgViaRequire?.kind ?? null,
    badArgumentIsEsmInstance: badArgViaRequire instanceof esm.UpgradeTaskError,
    clientBadConfigKind: badConfig?.kind ?? null,
    clientBadConfigIsEsmInstance: badConfig instanceof esm.UpgradeTaskError,
    cjsConstructedIsEsmInstance: fromCjsClass instanceof esm.UpgradeTaskError,
    esmConstructedIsCjsInstance: fromEsmClass instanceof UpgradeTaskError,
    plainErrorIsNotInstance: !(new Error("x") instanceof UpgradeTaskError) && !(new Error("x") instanceof esm.UpgradeTaskError),
    namesAgree: fromCjsClass.name === "UpgradeTaskError" && fromEsmClass.name === "UpgradeTaskError",
  };
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
