// Node entry (ESM): reads the .wasm from disk and compiles it on the first call.

import { readFile } from "node:fs/promises";
import { initSync } from "./iot_upgrade_task.js";
import { createApi } from "./api.js";

export { UpgradeTaskError } from "./errors.js";

export const { queryUpgradeTask, waitForUpgradeTask, queryUpgradeTasks, queryUpgradeTaskList, queryUpgradeSubTasks, login, refreshToken, UpgradeTaskClient } = createApi(async () => {
  const bytes = await readFile(new URL("./iot_upgrade_task_bg.wasm", import.meta.url));
  initSync({ module: bytes });
});
