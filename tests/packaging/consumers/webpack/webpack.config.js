// A plain webpack 5 production build: no wasm-specific settings. webpack emits the .wasm that
// the package references with `new URL("./iot_upgrade_task_bg.wasm", import.meta.url)` as an
// asset, and bundles the module worker from `new Worker(new URL("./worker.js", import.meta.url))`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Copies index.html into the output (what html-webpack-plugin would do, without the dependency). */
class IndexHtml {
  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    compiler.hooks.thisCompilation.tap("IndexHtml", (compilation) => {
      compilation.hooks.processAssets.tap({ name: "IndexHtml", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        compilation.emitAsset("index.html", new RawSource(readFileSync(new URL("./index.html", import.meta.url))));
      });
    });
  }
}

export default {
  mode: "production",
  entry: "./src/main.js",
  output: {
    path: fileURLToPath(new URL("./dist/", import.meta.url)),
    filename: "[name].js",
    clean: true,
  },
  plugins: [new IndexHtml()],
};
