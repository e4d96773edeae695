// Node entry (ESM): reads the .wasm from disk and compiles it on the first call.

import { initSync, useProxyCheck } from "./iot_upgrade_task.js";
import { createApi } from "./api.js";

export { UpgradeTaskError } from "./errors.js";

const WASM_FILE = new URL("./iot_upgrade_task_bg.wasm", import.meta.url);

/** `process.getBuiltinModule(name)` where it gives a module that passes `usable`, else undefined. */
function builtin(name, usable) {
  try {
    const module = globalThis.process?.getBuiltinModule?.(name);
    if (module && usable(module)) return module;
  } catch {}
  return undefined;
}

export const { queryUpgradeTask, waitForUpgradeTask, queryUpgradeTasks, queryUpgradeTaskList, queryUpgradeSubTasks, login, refreshToken, UpgradeTaskClient } = createApi(async () => {
  // node:fs and node:util without a static import, which every importer of the package would
  // pay for (a fresh Node 20 process: `import … from "node:fs"` 1.5 ms, "node:fs/promises"
  // 0.3 ms, `process.getBuiltinModule` 0.08 ms, Node ≥ 20.16 and ≥ 22.3); what getBuiltinModule
  // does not give (it is missing, throws or answers something else) is imported instead. The
  // .wasm is read synchronously: the compile that follows blocks the thread anyway (inside a
  // first call 0.43 ms, against 0.60 for an awaited fs/promises readFile; medians of 15 fresh
  // processes each). node:util's types.isProxy is handed to the module, which refuses with it a
  // fetch that resolves to a Proxy around a Response (Node's brand check lets one through).
  const [fs, util] = await Promise.all([
    builtin("node:fs", (fs) => typeof fs.readFileSync === "function") ?? import("node:fs"),
    builtin("node:util", (util) => typeof util.types.isProxy === "function") ?? import("node:util"),
  ]);
  initSync({ module: fs.readFileSync(WASM_FILE) });
  useProxyCheck(util.types.isProxy);
});
