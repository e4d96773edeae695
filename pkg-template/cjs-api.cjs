"use strict";
// Shared by the CommonJS entries: the functions are async, so they load an ESM build on first
// use; UpgradeTaskError is available synchronously, and `instanceof` works across both builds.

const { assertClientConfig } = require("./config.cjs");
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
  const forward =
    (name) =>
    async (...args) =>
      (await load())[name](...args);
  /** The client class, loading the ESM build on its first call. */
  class UpgradeTaskClient {
    #client;
    #config;
    constructor(config) {
      assertClientConfig(config);
      this.#config = config;
    }
    async #get() {
      this.#client ??= new (await load()).UpgradeTaskClient(this.#config);
      return this.#client;
    }
    async queryUpgradeTask(...args) {
      return (await this.#get()).queryUpgradeTask(...args);
    }
    async waitForUpgradeTask(...args) {
      return (await this.#get()).waitForUpgradeTask(...args);
    }
    async queryUpgradeTasks(...args) {
      return (await this.#get()).queryUpgradeTasks(...args);
    }
    async queryUpgradeTaskList(...args) {
      return (await this.#get()).queryUpgradeTaskList(...args);
    }
    async queryUpgradeSubTasks(...args) {
      return (await this.#get()).queryUpgradeSubTasks(...args);
    }
    listUpgradeTasks(...args) {
      return this.#walk("listUpgradeTasks", args);
    }
    listUpgradeSubTasks(...args) {
      return this.#walk("listUpgradeSubTasks", args);
    }
    /** The ESM client's walk, made once the build is loaded (the same async iterable). */
    #walk(method, args) {
      const made = () => this.#get().then((client) => client[method](...args));
      return {
        async *[Symbol.asyncIterator]() {
          yield* await made();
        },
        async *pages() {
          yield* (await made()).pages();
        },
      };
    }
  }
  return {
    UpgradeTaskError,
    UpgradeTaskClient,
    queryUpgradeTask: forward("queryUpgradeTask"),
    waitForUpgradeTask: forward("waitForUpgradeTask"),
    queryUpgradeTasks: forward("queryUpgradeTasks"),
    queryUpgradeTaskList: forward("queryUpgradeTaskList"),
    queryUpgradeSubTasks: forward("queryUpgradeSubTasks"),
    login: forward("login"),
    refreshToken: forward("refreshToken"),
  };
};
