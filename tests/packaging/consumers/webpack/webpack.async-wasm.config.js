// The same app for projects that turn on webpack's own WebAssembly support (say, for another
// dependency's .wasm imports): the package's .wasm is still referenced with `new URL(…)`, which
// webpack emits as an asset, so nothing else changes.
import { fileURLToPath } from "node:url";
import base from "./webpack.config.js";

export default {
  ...base,
  output: { ...base.output, path: fileURLToPath(new URL("./dist-async-wasm/", import.meta.url)) },
  experiments: { asyncWebAssembly: true },
};
