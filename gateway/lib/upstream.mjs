// The gateway's side towards the platform: one undici Agent that belongs to this gateway
// (client certificate, platform CA, certificate verification always on), the platform's
// login and refresh through the package's own `login` / `refreshToken`, and the forwarded GET.
//
// The package's login calls the global `fetch` (from WebAssembly; it takes no dispatcher). So
// that it still goes through this gateway's Agent and nothing else in the process changes, each
// gateway gets a private origin `https://gw-<random>.invalid` (the `.invalid` TLD can never
// resolve, RFC 2606): the package is given that origin as its baseUrl, and a thin wrapper around
// `globalThis.fetch` sends requests for exactly those origins through their gateway's Agent to the
// real upstream. Every other fetch in the process is passed through untouched, and the wrapper
// is removed when the last gateway closes.

import { randomBytes } from "node:crypto";
import { Agent, request } from "undici";
import { login as platformLogin, refreshToken as platformRefresh } from "iot-upgrade-task";

export const LOGIN_PATH = "/iocm/app/sec/v1.1.0/login";

/** @type {Map<string, { target: URL, agent: Agent }>} private origin → where it really goes */
const privateOrigins = new Map();
let originalFetch = null;
let wrapper = null;

function urlOf(input) {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return typeof input?.url === "string" ? input.url : "";
}

async function privateFetch(route, input, init) {
  const req = new Request(input, init);
  const from = new URL(req.url);
  const to = new URL(route.target.href);
  to.pathname = from.pathname; // the package put the upstream's own path prefix there already
  to.search = from.search;
  const body = req.method === "GET" || req.method === "HEAD" ? null : Buffer.from(await req.arrayBuffer());
  let answer;
  try {
    answer = await request(to, {
      method: req.method,
      headers: Object.fromEntries(req.headers),
      body,
      signal: req.signal,
      dispatcher: route.agent,
    });
  } catch (cause) {
    route.lastFailure = cause; // the package's error keeps only a summary; the gateway explains this one
    // The shape of Node's own fetch failures, so the package reports the cause's code.
    throw new TypeError("fetch failed", { cause });
  }
  const bytes = Buffer.from(await answer.body.arrayBuffer());
  const headers = new Headers();
  for (const [k, v] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) headers.append(k, String(one));
  }
  const empty = answer.statusCode === 204 || answer.statusCode === 304;
  return new Response(empty ? null : bytes, { status: answer.statusCode, headers });
}

function installFetchWrapper() {
  if (originalFetch) return;
  originalFetch = globalThis.fetch;
  const passThrough = originalFetch;
  wrapper = function fetch(input, init) {
    const url = urlOf(input);
    if (url.startsWith("https://gw-")) {
      const route = privateOrigins.get(new URL(url).origin);
      if (route) return privateFetch(route, input, init);
    }
    return passThrough.call(this, input, init);
  };
  globalThis.fetch = wrapper;
}

function removeFetchWrapper() {
  if (privateOrigins.size > 0 || !originalFetch) return;
  if (globalThis.fetch === wrapper) globalThis.fetch = originalFetch; // unless someone replaced it since
  originalFetch = null;
  wrapper = null;
}

/** A short, secret-free description of a connection failure to the platform. */
export function describeFailure(err, { hasClientCert = true, tls = true } = {}) {
  const code = err?.code ?? err?.cause?.code ?? "";
  const message = String(err?.cause?.message ?? err?.message ?? err);
  if (/CERTIFICATE_REQUIRED|alert certificate required|alert number 116/i.test(`${code} ${message}`)) {
    return "the platform refused the TLS handshake because it requires a client certificate (give the gateway --cert and --key)";
  }
  if (/BAD_CERTIFICATE|UNKNOWN_CA|alert bad certificate|alert unknown ca/i.test(`${code} ${message}`)) {
    return "the platform refused the gateway's client certificate (check --cert / --key against the platform's CA)";
  }
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|CERT_|ERR_TLS_CERT_ALTNAME/i.test(code)) {
    return `the platform's certificate could not be verified (${code}; give its CA with --ca)`;
  }
  if (code === "ECONNREFUSED") return "the platform refused the connection (ECONNREFUSED)";
  // A reset says nothing more (undici reports a refused client certificate the same way, and a
  // cut in the middle of an answer too): name the likely TLS causes only where TLS is spoken.
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") {
    const reset = `the platform closed the connection (${code})`;
    if (!tls) return reset;
    if (!hasClientCert) return `${reset}; if it requires a client certificate, give the gateway --cert and --key`;
    return `${reset}; if every call ends so, check --cert / --key against the CA the platform trusts`;
  }
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return `the platform did not answer in time (${code})`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `the platform's host name does not resolve (${code})`;
  return code ? `the platform could not be reached (${code})` : "the platform could not be reached";
}

/**
 * @param {{ upstream: URL, appId: string, secret: string, tls: { cert?: Buffer|string, key?: Buffer|string, ca?: Buffer|string },
 *           timeoutMs: number, maxBodyBytes: number, connections: number }} o
 */
export function createUpstream(o) {
  const agent = new Agent({
    connections: o.connections,
    keepAliveTimeout: 10_000,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connect: {
      ...(o.tls.cert ? { cert: o.tls.cert } : {}),
      ...(o.tls.key ? { key: o.tls.key } : {}),
      ...(o.tls.ca ? { ca: o.tls.ca } : {}),
      rejectUnauthorized: true, // never off (the official SDKs turn it off; we do not)
    },
  });
  const origin = `https://gw-${randomBytes(8).toString("hex")}.invalid`;
  const route = { target: o.upstream, agent, lastFailure: null };
  privateOrigins.set(origin, route);
  installFetchWrapper();
  const prefix = o.upstream.pathname.replace(/\/+$/, "");
  const packageBase = `${origin}${prefix}`;
  const base = `${o.upstream.origin}${prefix}`;

  /** Swaps the private origin for the real one in the package's messages. */
  const realName = (text) => (typeof text === "string" ? text.split(origin).join(o.upstream.origin) : text);
  function fixError(err) {
    if (err && typeof err === "object" && route.lastFailure && err.cause === undefined && (err.kind === "network" || err.kind === "timeout")) {
      err.connectFailure = route.lastFailure;
    }
    route.lastFailure = null;
    if (err && typeof err === "object" && typeof err.message === "string") {
      try {
        err.message = realName(err.message);
      } catch {
        // frozen: leave it
      }
    }
    return err;
  }

  return {
    base,
    /** Explains a connection failure in the gateway's own words (secret-free). */
    describe: (err) => describeFailure(err, { hasClientCert: Boolean(o.tls.cert), tls: o.upstream.protocol === "https:" }),
    /** The package's login: `{ accessToken, refreshToken, expiresAt }`. Rejects with an UpgradeTaskError. */
    login: () =>
      ((route.lastFailure = null), platformLogin)({ baseUrl: packageBase, appId: o.appId, secret: o.secret, timeoutMs: o.timeoutMs, retry: false }).catch((e) => {
        throw fixError(e);
      }),
    /** The package's refreshToken. */
    refresh: (refreshToken) =>
      ((route.lastFailure = null), platformRefresh)({ baseUrl: packageBase, appId: o.appId, secret: o.secret, refreshToken, timeoutMs: o.timeoutMs, retry: false }).catch((e) => {
        throw fixError(e);
      }),
    /**
     * GET `{base}{path}` with the platform's headers; the body is read whole (up to maxBodyBytes).
     * @returns {Promise<{ status: number, headers: Record<string, string>, body: Buffer }>}
     */
    async get(pathAndQuery, { token, signal }) {
      const res = await request(`${base}${pathAndQuery}`, {
        method: "GET",
        headers: { app_key: o.appId, authorization: `Bearer ${token}`, accept: "application/json" },
        dispatcher: agent,
        signal,
      });
      const chunks = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > o.maxBodyBytes) {
          res.body.destroy();
          const e = new Error(`the platform's answer is larger than ${o.maxBodyBytes} bytes`);
          e.code = "GW_BODY_TOO_LARGE";
          throw e;
        }
        chunks.push(chunk);
      }
      const headers = {};
      for (const name of ["content-type", "retry-after"]) {
        const v = res.headers[name];
        if (typeof v === "string") headers[name] = v;
      }
      return { status: res.statusCode, headers, body: Buffer.concat(chunks) };
    },
    /** Ends every platform call still running (its request is answered 503 GW.CLOSING) and the connections. */
    async close() {
      privateOrigins.delete(origin);
      removeFetchWrapper();
      // Not agent.close(): it waits for the calls in flight, up to upstreamTimeoutMs (15 s), past
      // the bin's 5 s cut and a container's stop grace.
      await agent.destroy();
    },
  };
}
