// The package's public functions, shared by every entry point. Each entry supplies `load`,
// which initialises the WebAssembly module once (a promise or a synchronous call); the first
// call of any function initialises it, so users never call an init function.

import { toUpgradeTaskError } from "./errors.js";
import * as wasm from "./iot_upgrade_task.js";

/** @param {() => unknown} load */
export function createApi(load) {
  let ready = null;
  const init = () => {
    if (ready === null) {
      ready = Promise.resolve()
        .then(load)
        .catch((error) => {
          ready = null; // a later call may try again (e.g. after a network hiccup)
          throw error;
        });
    }
    return ready;
  };

  async function queryUpgradeTask(operationId, accessToken, options) {
    try {
      await init();
      return await wasm.queryUpgradeTask(operationId, accessToken, options);
    } catch (raw) {
      throw toUpgradeTaskError(raw);
    }
  }

  return { queryUpgradeTask };
}
