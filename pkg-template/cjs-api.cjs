"use strict";
// Shared by the CommonJS entries: the functions are async, so they load an ESM build on first
// use; UpgradeTaskError is available synchronously, and `instanceof` works across both builds.

const { UpgradeTaskError, toUpgradeTaskError } = require("./errors.cjs");

/** @param {() => Promise<any>} importBuild e.g. () => import("./node.js") */
module.exports = function createCjsApi(importBuild) {
  let build = null;
  const load = () => {
    build ??= importBuild().catch((error) => {
      build = null;
      throw toUpgradeTaskError(error);
    });
    return build;
  };
  return {
    UpgradeTaskError,
    async queryUpgradeTask(operationId, accessToken, options) {
      return (await load()).queryUpgradeTask(operationId, accessToken, options);
    },
  };
};
