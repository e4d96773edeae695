// Browser and bundler entry (ESM): fetches and compiles the .wasm next to this file on the
// first call. `new URL(…, import.meta.url)` is the pattern Vite, webpack 5, Rollup, Parcel and
// esbuild recognise, so the .wasm is emitted with the build.

import initWasm from "./iot_upgrade_task.js";
import { createApi } from "./api.js";

export { UpgradeTaskError } from "./errors.js";

export const { queryUpgradeTask, waitForUpgradeTask, queryUpgradeTasks, queryUpgradeTaskList, queryUpgradeSubTasks, login, refreshToken, UpgradeTaskClient } = createApi(() =>
  initWasm({ module_or_path: new URL("./iot_upgrade_task_bg.wasm", import.meta.url) }),
);
