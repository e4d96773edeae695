"use strict";
// Bundler entry for `require()` consumers.
module.exports = require("./cjs-api.cjs")(() => import("./index.js"));
