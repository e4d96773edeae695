"use strict";
// Node entry (CommonJS).
module.exports = require("./cjs-api.cjs")(() => import("./node.js"));
