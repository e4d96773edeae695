// Helpers of run.mjs: a tiny static file server, headless Chromium, child processes with
// deadlines, and the checks every consumer's round trip must pass.

import { spawn } from "node:child_process";
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join, normalize, sep } from "node:path";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

/**
 * Serves `dir` on 127.0.0.1 (a free port), like any static host: exact files only, no SPA
 * fallback (so a wrong .wasm URL is a 404, not an HTML page), `application/wasm` for .wasm.
 * @returns {Promise<{url: string, close: () => Promise<void>, misses: string[]}>}
 */
export async function serveStatic(dir) {
  const root = normalize(dir + sep);
  const misses = [];
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    let st = null;
    if (file.startsWith(root)) {
      try {
        st = statSync(file);
      } catch {}
    }
    if (!st || !st.isFile()) {
      misses.push(path);
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[extname(file)] ?? "application/octet-stream",
      "content-length": st.size,
      "cache-control": "no-store",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  server.unref();
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    misses,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A free TCP port on 127.0.0.1 (for tools that take a port number, like `vite --port`). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/** Headless Chromium through the workspace's playwright-core (a devDependency of the repo). */
export async function launchChromium(repoRoot) {
  const require = createRequire(join(repoRoot, "package.json"));
  const { chromium } = require("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Opens `url` in a fresh context, waits until the app marks `body[data-state=done]`, and returns
 * `window.__result`, the rendered text, the .wasm responses (page and workers) and the console and
 * page errors seen (for failure messages).
 */
export async function runPage(browser, url, { timeoutMs = 45000 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const log = [];
  const wasm = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") log.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
  context.on("requestfailed", (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  context.on("response", (r) => {
    if (r.status() >= 400) log.push(`HTTP ${r.status()}: ${r.url()}`);
    if (new URL(r.url()).pathname.endsWith(".wasm")) {
      wasm.push({ url: r.url(), status: r.status(), type: r.headers()["content-type"] ?? null });
    }
  });
  try {
    await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
    try {
      await page.waitForSelector("body[data-state=done]", { timeout: timeoutMs });
    } catch (error) {
      const body = await page.evaluate(() => document.body?.innerText ?? "").catch(() => "");
      throw new Error(`the page never finished (${error.message.split("\n")[0]}); page text: ${JSON.stringify(body)}; ${log.join(" | ")}`);
    }
    const result = await page.evaluate(() => window.__result);
    const shown = await page.evaluate(() => ({
      task: document.querySelector("#task")?.textContent ?? null,
      missing: document.querySelector("#missing")?.textContent ?? null,
    }));
    return { result, shown, log, wasm };
  } finally {
    await context.close();
  }
}

/**
 * Runs a command to completion with a deadline; rejects with its output on a non-zero exit.
 * @returns {Promise<{stdout: string, stderr: string}>}
 */
export function exec(cmd, args, { cwd, env, timeoutMs = 180000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const why = signal ? `killed by ${signal}${signal === "SIGKILL" ? ` after ${timeoutMs} ms` : ""}` : `exit ${code}`;
        reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}): ${why}\n${tail(stdout + stderr)}`));
      }
    });
  });
}

/**
 * Starts a long-running command (a dev server) and resolves once `ready(output)` returns a
 * truthy value; `stop()` ends that process (and only it).
 */
export function startProcess(cmd, args, { cwd, env, ready, timeoutMs = 60000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let done = false;
    const stop = () =>
      new Promise((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once("close", () => res());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      stop().then(() => reject(new Error(`${cmd} ${args.join(" ")} was not ready after ${timeoutMs} ms\n${tail(output)}`)));
    }, timeoutMs);
    const onData = (d) => {
      output += d;
      const value = done ? null : ready(output);
      if (value) {
        done = true;
        clearTimeout(timer);
        resolve({ value, stop, output: () => output });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")} exited (${code}) before it was ready\n${tail(output)}`));
    });
  });
}

export function tail(text, lines = 40) {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
