// The Vite app of ../vite (run.mjs copies its index.html and src/ here) under Vite 7, with the one
// setting Vite 7 and older need: their dev server pre-bundles dependencies with esbuild into
// node_modules/.vite/deps/ without the .wasm that the package loads with
// `new URL("./iot_upgrade_task_bg.wasm", import.meta.url)`, so the package must be served as is.
// `vite build` does not need it; Vite 8's dev server does not need it either.
export default {
  optimizeDeps: {
    exclude: ["iot-upgrade-task"],
  },
};
