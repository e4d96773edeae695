// An esbuild browser bundle. esbuild bundles the JavaScript but does not emit assets referenced
// with `new URL("./file", import.meta.url)`: the bundle keeps that expression, so the package's
// .wasm must sit next to the bundle. That one copy is the only wasm-specific step.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as esbuild from "esbuild";

const require = createRequire(import.meta.url);

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist");
await esbuild.build({
  entryPoints: ["src/main.js", "src/worker.js"],
  bundle: true,
  format: "esm",
  minify: true,
  outdir: "dist",
  logLevel: "warning",
});
copyFileSync(require.resolve("iot-upgrade-task/iot_upgrade_task_bg.wasm"), "dist/iot_upgrade_task_bg.wasm");
copyFileSync("index.html", "dist/index.html");
