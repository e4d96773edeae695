// Node entry (ESM): reads the .wasm from disk and compiles it on the first call.

import { initSync, useProxyCheck } from "./iot_upgrade_task.js";
import { createApi } from "./api.js";

export { UpgradeTaskError } from "./errors.js";

const WASM_FILE = new URL("./iot_upgrade_task_bg.wasm", import.meta.url);

export const { queryUpgradeTask, waitForUpgradeTask, queryUpgradeTasks, queryUpgradeTaskList, queryUpgradeSubTasks, login, refreshToken, UpgradeTaskClient } = createApi(async () => {
  // node:fs without a static import, which every importer of the package would pay for (a fresh
  // Node 20 process: `import … from "node:fs"` 1.5 ms, "node:fs/promises" 0.3 ms,
  // `process.getBuiltinModule` 0.08 ms, Node ≥ 20.16 and ≥ 22.3). Read synchronously: the
  // compile that follows blocks the thread anyway (inside a first call 0.43 ms, against 0.60 for
  // an awaited fs/promises readFile; medians of 15 fresh processes each).
  // A runtime whose getBuiltinModule throws or answers something else gets the import too.
  let fs, util;
  try {
    fs = globalThis.process?.getBuiltinModule?.("node:fs");
  } catch {}
  if (typeof fs?.readFileSync !== "function") [fs, util] = await Promise.all([import("node:fs"), import("node:util")]);
  initSync({ module: fs.readFileSync(WASM_FILE) });
  // The module refuses a fetch that resolves to a Proxy around a Response (Node's brand check
  // lets one through) by asking util.types.isProxy, which it looks up through getBuiltinModule
  // itself; where that is missing or odd, it gets the imported one.
  if (util) useProxyCheck(util.types.isProxy);
});
