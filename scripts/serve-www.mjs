// The demo console's static server: `www/` at `/`, `pkg/` at `/pkg/`, with the
// right MIME types (application/wasm included) and a strict Content-Security-Policy
// on every answer. Plain node:http, no dependencies. For local use: it binds
// 127.0.0.1 by default and serves files only (GET and HEAD).
//
//   import { startStaticServer } from "./scripts/serve-www.mjs";
//   const server = await startStaticServer({ port: 0, config: { baseUrl: sim.baseUrl } });
//   // open `${server.url}/`
//   await server.close();

import http from "node:http";
import { realpath, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const WWW_DIR = path.join(ROOT, "www");
export const PKG_DIR = path.join(ROOT, "pkg");

/** Where the page may connect: itself, loopback simulators on any port, and any https: platform. */
export const DEFAULT_CONNECT_SRC = ["'self'", "http://127.0.0.1:*", "http://localhost:*", "https:"];

/**
 * The policy sent as a header. The page repeats it (minus `frame-ancestors`, which browsers
 * ignore in a <meta>) as a fallback for hosts that serve the files without headers.
 * `require-trusted-types-for 'script'` makes every HTML-string sink (innerHTML and friends)
 * throw in Chromium, so "no markup from data" is enforced, not just promised.
 */
export function contentSecurityPolicy({ connectSrc = DEFAULT_CONNECT_SRC } = {}) {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${connectSrc.join(" ")}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join("; ");
}

export const MIME_TYPES = Object.freeze({
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".cts": "text/plain; charset=utf-8",
});

function mimeType(file) {
  const base = path.basename(file);
  if (base.endsWith(".d.ts") || base.endsWith(".d.cts")) return MIME_TYPES[".ts"];
  return MIME_TYPES[path.extname(base).toLowerCase()] ?? "application/octet-stream";
}

/** Maps a URL path to a file inside one of the mounts, or null. Never leaves a mount's folder. */
function resolveMount(mounts, urlPath) {
  // Longest prefix first, so /pkg/ wins over /.
  for (const [prefix, dir] of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    const rest = urlPath.slice(prefix.length);
    const segments = rest.split("/");
    if (segments.some((s) => s === ".." || s === "." || s.includes("\\") || s.includes("\0"))) return null;
    return { dir, file: path.join(dir, ...segments.filter((s) => s !== "")), dirRequest: rest === "" || rest.endsWith("/") };
  }
  return null;
}

/**
 * Starts the static server.
 *
 * @param {object} [options]
 * @param {number} [options.port=8080] 0 picks a free port
 * @param {string} [options.host="127.0.0.1"]
 * @param {string} [options.wwwDir] served at `/` (default: the repo's www/)
 * @param {string} [options.pkgDir] served at `/pkg/` (default: the repo's pkg/)
 * @param {Record<string, string>} [options.mounts] more folders, e.g. `{ "/fixtures/": dir }`
 * @param {object | null} [options.config] served as `/config.json` (the page's defaults, e.g. `{ baseUrl }`)
 * @param {string[]} [options.connectSrc] sources for the CSP's connect-src
 * @param {(line: string) => void} [options.log] one line per request
 * @returns {Promise<{ url: string, port: number, csp: string, server: http.Server, close: () => Promise<void> }>}
 */
export async function startStaticServer(options = {}) {
  const {
    port = 8080,
    host = "127.0.0.1",
    wwwDir = WWW_DIR,
    pkgDir = PKG_DIR,
    mounts = {},
    config = null,
    connectSrc = DEFAULT_CONNECT_SRC,
    log = null,
  } = options;
  const csp = contentSecurityPolicy({ connectSrc });
  const table = [
    ...Object.entries(mounts).map(([p, d]) => [p.endsWith("/") ? p : `${p}/`, path.resolve(d)]),
    ["/pkg/", path.resolve(pkgDir)],
    ["/", path.resolve(wwwDir)],
  ].sort((a, b) => b[0].length - a[0].length);
  const configBody = config === null ? null : Buffer.from(JSON.stringify(config), "utf8");

  const baseHeaders = {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-cache",
  };

  function send(req, res, status, type, body) {
    res.writeHead(status, { ...baseHeaders, "content-type": type, "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function plain(req, res, status, text, extra = {}) {
    for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
    send(req, res, status, MIME_TYPES[".txt"], Buffer.from(`${text}\n`, "utf8"));
  }

  async function fileFor(hit) {
    let file = hit.file;
    let st = await stat(file).catch(() => null);
    if (st?.isDirectory()) {
      file = path.join(file, "index.html");
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) return null;
    // Symlinks may not lead out of the mounted folder.
    const [real, realDir] = await Promise.all([realpath(file), realpath(hit.dir)]);
    if (real !== realDir && !real.startsWith(realDir + path.sep)) return null;
    return file;
  }

  async function handle(req, res) {
    if (req.method !== "GET" && req.method !== "HEAD") return plain(req, res, 405, "Method not allowed", { allow: "GET, HEAD" });
    const raw = (req.url ?? "/").split(/[?#]/, 1)[0];
    let urlPath;
    try {
      urlPath = decodeURIComponent(raw);
    } catch {
      return plain(req, res, 400, "Bad request");
    }
    if (!urlPath.startsWith("/")) return plain(req, res, 400, "Bad request");
    if (urlPath === "/config.json" && configBody) return send(req, res, 200, MIME_TYPES[".json"], configBody);
    const hit = resolveMount(table, urlPath);
    if (!hit) return plain(req, res, 404, "Not found");
    const file = await fileFor(hit);
    if (!file) {
      const missingPkg = urlPath.startsWith("/pkg/");
      return plain(req, res, 404, missingPkg ? "Not found (is pkg/ built? run: node scripts/build-pkg.mjs)" : "Not found");
    }
    // A folder asked for without its trailing slash: redirect so relative links resolve.
    if (!hit.dirRequest && path.basename(file) === "index.html" && path.basename(hit.file) !== "index.html") {
      return plain(req, res, 301, "Moved", { location: `${raw}/` });
    }
    return send(req, res, 200, mimeType(file), await readFile(file));
  }

  const server = http.createServer((req, res) => {
    res.on("finish", () => log?.(`${req.method} ${req.url} -> ${res.statusCode}`));
    handle(req, res).catch((err) => {
      if (!res.headersSent) plain(req, res, 500, "Internal error");
      else res.destroy();
      log?.(`error serving ${req.url}: ${err?.message ?? err}`);
    });
  });
  const sockets = new Set();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  let closed = null;
  return {
    url: `http://${hostPart}:${actualPort}`,
    port: actualPort,
    csp,
    server,
    close() {
      if (!closed) {
        closed = new Promise((resolve) => server.close(() => resolve()));
        server.closeAllConnections?.();
        for (const s of sockets) s.destroy();
      }
      return closed;
    },
  };
}
