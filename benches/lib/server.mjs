// The loopback server of the benchmarks, run as its own process (so on a 2-core machine the
// client and the server do not share one event loop). Serves the fixture bodies at the
// platform's path, and, for the Chromium run, the package (pkg/), the bundled baselines and the
// bench page, all same-origin and cross-origin isolated (fine-grained performance.now()).
// Prints {"port": N} on stdout once listening; exits when its stdin closes.

import http from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BODIES } from "./fixtures.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.resolve(HERE, "../../pkg");
const STATIC = process.argv[2] ? path.resolve(process.argv[2]) : null;
// The baseline package (benches/lib/baseline.mjs), served at /pkg-before/ when given.
const BEFORE = process.env.BENCH_BASELINE_PKG ? path.resolve(process.env.BENCH_BASELINE_PKG) : null;
const PREFIX = "/iodm/northbound/v1.5.0/operations/";
const buffers = Object.fromEntries(Object.entries(BODIES).map(([k, v]) => [k, Buffer.from(v)]));
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };
const ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp", "cache-control": "no-store" };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname.startsWith(PREFIX)) {
    const body = buffers[decodeURIComponent(url.pathname.slice(PREFIX.length))];
    if (body) {
      res.writeHead(200, { "content-type": "application/json;charset=UTF-8", "content-length": body.length });
      res.end(body);
    } else {
      const err = Buffer.from('{"error_code":"120015","error_desc":"no such task"}');
      res.writeHead(404, { "content-type": "application/json", "content-length": err.length });
      res.end(err);
    }
    return;
  }
  const [root, rel] = url.pathname.startsWith("/pkg/")
    ? [PKG, url.pathname.slice(5)]
    : url.pathname.startsWith("/pkg-before/")
      ? [BEFORE, url.pathname.slice(12)]
      : [STATIC, url.pathname.slice(1)];
  const file = root && path.resolve(root, rel);
  if (!file || !file.startsWith(root + path.sep)) {
    res.writeHead(404, ISOLATION).end();
    return;
  }
  try {
    const data = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", ...ISOLATION });
    res.end(data);
  } catch {
    res.writeHead(404, ISOLATION).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
// Never outlive the run by much, even if the parent died without closing stdin.
setTimeout(() => process.exit(0), 15 * 60_000).unref();
