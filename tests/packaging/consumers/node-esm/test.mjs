// A Node ESM script using the package with `import`, as the README shows. Reads the local
// simulator's address and a token from the environment (run.mjs sets them), prints one JSON line.
import * as api from "iot-upgrade-task";
import { queryUpgradeTask, UpgradeTaskError } from "iot-upgrade-task";

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

const out = { entry: import.meta.resolve("iot-upgrade-task"), exports: Object.keys(api).sort(), task: null, taskError: null, notFound: null };
const options = { baseUrl, appKey, timeoutMs: 20000 };
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

// The simulator ships with the package as the Node-only subpath export "iot-upgrade-task/simulator":
// a user without a platform account logs in to it and queries it through a client.
const { startSimulator } = await import("iot-upgrade-task/simulator");
const own = await startSimulator({ port: 0 });
try {
  const session = await api.login({ baseUrl: own.baseUrl, appId: "demo-app", secret: "demo-secret" });
  const client = new api.UpgradeTaskClient({ baseUrl: own.baseUrl, appKey: "demo-app", accessToken: session.accessToken });
  const task = await client.queryUpgradeTask(taskId);
  out.shippedSimulator = { operationId: task.operationId, status: task.status };
} catch (error) {
  out.shippedSimulator = { error: String(error?.message ?? error) };
} finally {
  await own.close();
}

console.log(JSON.stringify(out));
