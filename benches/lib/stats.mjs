// Small helpers shared by the bench scripts.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

// A GFM table, with a blank line before and after so it never runs into a paragraph.
export const table = (head, rows, { left = false } = {}) =>
  [
    "",
    `| ${head.join(" | ")} |`,
    `| ${head.map((h, i) => (i === 0 || left ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n");

export function summary(samples) {
  const s = Float64Array.from(samples).sort();
  return { n: s.length, median: quantile(s, 0.5), p99: quantile(s, 0.99), min: s[0] };
}

/** Starts benches/lib/server.mjs in its own process; resolves to {baseUrl, port, close}. */
export function startServer(staticDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(HERE, "server.mjs"), ...(staticDir ? [staticDir] : [])], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`bench server exited early (${code})`)));
    child.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        const { port } = JSON.parse(out.slice(0, nl));
        resolve({
          port,
          baseUrl: `http://127.0.0.1:${port}`,
          close: () =>
            new Promise((r) => {
              child.removeAllListeners("exit");
              child.on("exit", r);
              child.stdin.end();
            }),
        });
      }
    });
  });
}

/** Runs `node args…` and parses the last stdout line as JSON. */
export function runNodeJson(args, { env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`node ${args.join(" ")} exited with ${code}`));
      const lines = out.trim().split("\n");
      try {
        resolve(JSON.parse(lines[lines.length - 1]));
      } catch (e) {
        reject(new Error(`node ${args.join(" ")}: no JSON result (${e.message}): ${out.slice(-500)}`));
      }
    });
  });
}
