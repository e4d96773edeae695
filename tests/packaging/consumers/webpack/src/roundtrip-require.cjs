// The same round trip through `require("iot-upgrade-task")`: in a bundle that is the package's
// index.cjs, which loads the ESM build on first use. `EsmError` is the class from `import`, to
// check that errors are recognised across the two.
const { queryUpgradeTask, UpgradeTaskError } = require("iot-upgrade-task");

module.exports = async function roundTripViaRequire({ baseUrl, appKey, token, taskId, missingId }, EsmError) {
  const options = { baseUrl, appKey, timeoutMs: 20000 };
  const out = { exports: Object.keys(require("iot-upgrade-task")).sort(), task: null, taskError: null, notFound: null };
  const describe = (error) => ({
    instanceofUpgradeTaskError: error instanceof UpgradeTaskError,
    instanceofError: error instanceof Error,
    instanceofEsmClass: error instanceof EsmError,
    name: error?.name ?? null,
    kind: error?.kind ?? null,
    httpStatus: error?.httpStatus ?? null,
    errorCode: error?.errorCode ?? null,
    retryable: error?.retryable ?? null,
    problems: error?.problems ?? null,
    message: String(error?.message ?? error),
  });
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
};
