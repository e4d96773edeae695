// Types of iot-upgrade-task-gateway.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { DestinationStream, Logger, LoggerOptions } from "pino";
import type { Registry } from "prom-client";

/**
 * Configuration of {@link createGateway}: the settings, and at least one way in for consoles
 * (`consoleKeys`, `authorize`, or both); a gateway with neither is refused.
 */
export type GatewayConfig = GatewaySettings &
  (
    | {
        /** Keys consoles send as `Authorization: Bearer <key>` (each at least 16 characters). */
        consoleKeys: string[];
        authorize?: GatewayAuthorize;
      }
    | { consoleKeys?: string[]; authorize: GatewayAuthorize }
  );

/** Another way in (cookie sessions…): resolves true to let the request through. */
export type GatewayAuthorize = (req: IncomingMessage) => boolean | Promise<boolean>;

/** Everything of a {@link GatewayConfig} but its ways in. */
export interface GatewaySettings {
  /** The platform's base URL: `https:`, or `http:` to loopback (e.g. "https://iot.example.com:8743"). */
  upstream: string;
  /** The platform application id (sent as `app_key`). */
  appId: string;
  /** The app secret: stays in this process. */
  secret: string;
  /** Client certificate (PEM) presented to the platform (two-way TLS). Goes with `key`. */
  cert?: string | Buffer;
  /** Its private key (PEM). */
  key?: string | Buffer;
  /** CA certificate(s) (PEM) the platform's certificate must chain to; default: Node's CA list. Verification is always on. */
  ca?: string | Buffer;
  /** Browser origins allowed by CORS, exactly as browsers send them (default: none). */
  origins?: string[];
  /** How long answers are kept, in ms (default 1000; 0 disables). Errors other than 404 are never kept. */
  cacheMs?: number;
  /** The platform's rate for the whole gateway (default `{ calls: 100, perMs: 60000 }`, or "100/60000"); perMs at most 2147483647. */
  rate?: { calls: number; perMs: number } | string;
  /** Longest wait for a slot of the rate before 429 + Retry-After, in ms (default 10000; at most 2147483647, Node's longest timer). */
  maxWaitMs?: number;
  /** Deadline of one platform call, in ms (default 15000; at most 2147483647). */
  upstreamTimeoutMs?: number;
  /** Longest request URL accepted (default 2048 bytes; 414 beyond). */
  maxUrlBytes?: number;
  /** Largest request header block accepted (default 8192 bytes; 431 beyond). */
  maxHeaderBytes?: number;
  /** Largest platform answer relayed (default 8 MiB; 502 beyond). */
  maxBodyBytes?: number;
  /** Connections to the platform at most (default 16). */
  connections?: number;
  /**
   * Where the token, the rate and the cached answers live: this process (default), a
   * `redis://` / `rediss://` URL or a connected node-redis client (shared by every replica of the
   * app), or any {@link GatewayStore}.
   */
  store?: GatewayStore | string | RedisClientLike;
  /** Replicas of this app sharing a Redis `store` (above 1 is refused without a store): while Redis is unreachable each keeps 1/replicas of the rate (default 1). */
  replicas?: number;
  /**
   * A pino logger, pino options (plus `destination`, a pino destination or writable stream),
   * or false for none. Default: pino to stdout. Secrets are redacted by {@link LOG_OPTIONS}.
   */
  logger?: Logger | (LoggerOptions & { destination?: DestinationStream | NodeJS.WritableStream }) | false;
  /**
   * The one clock every time-dependent decision uses: token expiry and refresh, cache freshness,
   * the rate window, its queue wake-ups and wait deadlines, Retry-After. Default: the wall
   * (`Date.now` and Node's timers). Tests pass a virtual clock, shared with the simulator's.
   */
  clock?: GatewayClock;
  /** Shorthand for `clock: { now }` (a time source with real timers). Not together with `clock`. */
  now?: () => number;
}

/** A clock for {@link GatewayConfig.clock}: `now()` in epoch ms, and timers on the same time. */
export interface GatewayClock {
  now(): number;
  /** Runs `callback` once the clock is `ms` later; omitted (with clearTimeout): Node's timers. */
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

/** The platform token as a store keeps it. */
export interface TokenRecord {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms after which the gateway refreshes it. */
  refreshAt: number;
  /** Set on a token the platform refused (1010005) right after the new login that got it: no new login for it before this (epoch ms). */
  refusedUntil?: number;
  /** Set on a still-valid token whose renewal (refresh, then login) failed: no replica tries again before this (epoch ms). */
  renewRetryAt?: number;
}

/** A relayed platform answer. */
export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The platform's error_code / resultcode, if the body has one. */
  code: string | null;
}

/** A slot of the platform's rate, held from sending a call until its answer. */
export interface RatePermit {
  /** The answer arrived: the call stays in the window for `perMs` from now. */
  release(): void;
}

/**
 * The gateway's shared state. The default keeps it in this process; a shared store (Redis)
 * implements the same three parts so that several gateway replicas act as one.
 */
export interface GatewayStore {
  readonly kind?: string;
  token: {
    current(): Promise<TokenRecord | null>;
    /** Single-flight: if the stored token is still `stale`, store `obtain(stale)`; else return the stored one. */
    replace(stale: TokenRecord | null, obtain: (current: TokenRecord | null) => Promise<TokenRecord>): Promise<TokenRecord>;
  };
  /** Optional: a failed login's pause shared by every gateway on this store (the Redis store has one); without it each gateway pauses on its own. */
  loginPause?: {
    /** The pause in force: why the login failed, its length, and the ms it has left; null when none. */
    get(): Promise<{ why: string; delayMs: number; leftMs: number } | null>;
    set(pause: { why: string; delayMs: number }): Promise<void>;
    clear(): Promise<void>;
  };
  limiter: {
    /** Waits in a fair queue; rejects with {@link RateLimited} after `maxWaitMs`, or with `signal`'s reason once it aborts (the gateway aborts it when every console waiting for the call's answer disconnected). */
    acquire(options: { maxWaitMs: number; signal?: AbortSignal }): Promise<RatePermit>;
    /** Callers waiting. */
    depth(): number;
    /** Calls counted in the current window (for `iot_gateway_rate_window_calls`; read once per metrics scrape, so it may ask a shared store). */
    used?(): number | Promise<number>;
  };
  responses: {
    /** One `load()` in flight per key; its answer kept `ttlMs` when `cacheable`. */
    load(key: string, ttlMs: number, load: () => Promise<UpstreamAnswer>, cacheable: (answer: UpstreamAnswer) => boolean): Promise<{ answer: UpstreamAnswer; source: "hit" | "coalesced" | "miss" }>;
  };
  close(): Promise<void>;
}

/** The node-redis client methods the Redis store uses. */
export interface RedisClientLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: object): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  readonly isReady: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** A `(req, res[, next])` handler for node:http and Connect/Express. */
export interface Gateway {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): Promise<void>;
  /** Stops platform connections (and the default store's timers). Requests still in flight and later ones get 503 GW.CLOSING. */
  close(): Promise<void>;
  /** The gateway's prom-client registry (also served at GET /metrics). */
  readonly metrics: Registry;
  readonly store: GatewayStore;
  readonly logger: Logger;
}

/** Creates a gateway; throws {@link GatewayConfigError} on a bad config. */
export declare function createGateway(config: GatewayConfig): Gateway;

/** The Redis store's key prefix for an upstream and app id. */
export declare function redisNamespace(upstream: string, appId: string): string;

/** A store shared through Redis (what `store: "redis://…"` makes). */
export declare function createRedisStore(options: {
  redis: string | RedisClientLike;
  namespace: string;
  rate: { calls: number; perMs: number };
  replicas?: number;
  upstreamTimeoutMs: number;
  leaseMs?: number;
  fallbackAfterMs?: number;
  /** The gateway's clock (deadlines, the fallback's hold); the shared window itself is on Redis' clock. */
  clock?: GatewayClock;
  now?: () => number;
  log?: Logger;
}): GatewayStore & {
  state(): {
    mode: "shared" | "fallback" | "connecting";
    /** Redis refused the gateway's credentials (wrong password or user, none given, or ACL rights missing): not transient, logged once at error level; null once it rejoins. */
    refused: "WRONGPASS" | "NOAUTH" | "NOPERM" | null;
    lockWaits: number;
    budgetWaits: number;
    fallbacks: number;
    rejoins: number;
  };
};

/** The in-process store (the default). */
export declare function createMemoryStore(options: { rate: { calls: number; perMs: number }; clock?: GatewayClock; now?: () => number }): GatewayStore;

export declare class GatewayConfigError extends TypeError {}
export declare class RateLimited extends Error {
  readonly retryAfterMs: number;
  /** What holds the call: the rate's window, or a shared store's fallback holding every call after losing the store (its 429 says so). */
  readonly reason: "rate" | "store-hold";
  constructor(retryAfterMs: number, reason?: "rate" | "store-hold");
}
/** An answer the gateway gives itself (platform error shape). */
export declare class GatewayAnswer extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** `desc` becomes the answer's `error_desc` (and the error's `message`); `headers` are sent with it. */
  constructor(status: number, code: string, desc: string, headers?: Record<string, string>);
}
export declare const DEFAULTS: Readonly<{
  cacheMs: number;
  rate: Readonly<{ calls: number; perMs: number }>;
  maxWaitMs: number;
  upstreamTimeoutMs: number;
  maxUrlBytes: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  connections: number;
}>;
export declare function parseRate(text: string): { calls: number; perMs: number } | null;
export declare function matchRoute(path: string, query: string): { route: string; upstreamPath: string } | null;
export declare const LOG_OPTIONS: Readonly<LoggerOptions>;
export declare const REDACT_PATHS: readonly string[];
