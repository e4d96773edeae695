// Types of `iot-upgrade-task/simulator` (Node only): the local platform stand-in. They describe
// exactly what index.mjs exports and returns (tests/simulator/declarations.test.mjs compares
// the names, tests/types/simulator.ts checks the types under tsc --strict).

import type { Server } from "node:http";
import type { Server as HttpsServer } from "node:https";

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** 0 picks a free port (default 0). */
  port?: number;
  /** Default "127.0.0.1"; keep the simulator on loopback. */
  host?: string;
  /** Path prefix of the northbound endpoints, e.g. "/iot" (default ""). */
  prefix?: string;
  /** Applications that may log in (default demo-app / demo-secret). */
  apps?: { appId: string; secret: string }[];
  /** Access-token lifetime in seconds (fractions allowed; default 3600). */
  tokenTtlSeconds?: number;
  /** Calls per window per app key before 403/1010009 (default 100 per 60000 ms). */
  throttle?: { calls: number; perMs: number } | false;
  /** Send Retry-After on throttled answers (default false). */
  retryAfter?: boolean;
  /** CORS allow-list; null allows any origin (default). */
  origins?: string[] | null;
  /** How long a progressing task takes from wait to its end, in ms (default 40000). */
  progressMs?: number;
  /** One line per northbound request: true for stderr, or a function. */
  log?: boolean | ((line: string) => void);
  /** Time source in ms (default Date.now), for tests. */
  clock?: () => number;
  /**
   * The name of the list pages' total: "totalCount" (the API reference; default) or
   * "totalSize" (what the official Java and PHP SDKs read).
   */
  totalField?: TotalField;
  /**
   * Serve https: (platform-faithful mode): `true` or `{ dir }` makes test certificates on start
   * (a CA, a server certificate for localhost/127.0.0.1/::1, a client certificate), or give
   * `{ key, cert, ca? }` (PEM). Default false.
   */
  tls?: boolean | { dir?: string } | { key: string; cert: string; ca?: string };
  /** Refuse TLS clients without a certificate from the CA, in the handshake (default false). */
  requireClientCert?: boolean;
  /** false: no CORS headers and no preflight, as the platform (default true). */
  cors?: boolean;
}

/** The name of a list page's total. */
export type TotalField = "totalCount" | "totalSize";

/** Settings that can change while the simulator runs ({@link Simulator.configure}, `/__sim/settings`). */
export interface SimulatorSettings {
  totalField: TotalField;
}

/** The query routes an armed fault can apply to ("task", one task's query, is the default). */
export type FaultRoute = "task" | "list" | "subtasks" | "any";

/** A subtask's status as the platform spells it (`fail`, not `failed`). */
export type SimulatorSubTaskStatus = "wait" | "processing" | "fail" | "success" | "stop" | "timeout";

/** A page of either list, as served (`totalSize` instead of `totalCount` when so configured). */
export type SimulatorPage<T> = { data: T[]; pageNo: number; pageSize: number } & (
  | { totalCount: number; totalSize?: never }
  | { totalSize: number; totalCount?: never }
);

/**
 * A generated subtask item (`GET operations/{id}/subOperations`). Times are
 * `yyyyMMdd'T'HHmmss'Z'`; `startTime` is absent while the device waits, `stopTime` until it
 * ends. Seeds and stored items may deviate (sw-lenient-shapes, verbatim subtasks).
 */
export interface SimulatorSubTask {
  subOperationId: string;
  createTime: string;
  startTime?: string;
  stopTime?: string;
  operateType: string;
  deviceId: string;
  status: SimulatorSubTaskStatus;
  /** "" while waiting; the reason for fail, timeout and stop. */
  detailInfo: string;
  /** `fileVersion` (the target version), `retries` for failed devices of a retrying task. */
  extendInfo: { fileVersion: string; retries?: number; [key: string]: unknown };
}

/** Test certificates made by {@link makeTestCertificates} (or by `tls: true`). */
export interface TestCertificates {
  /** The folder holding ca.crt, server.crt/.key and client.crt/.key. */
  dir: string;
  files: { ca: string; cert: string; key: string; clientCert: string; clientKey: string };
  /** PEM texts. */
  ca: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
}

/** Makes a CA, a server and a client certificate (openssl, P-256) in `dir` or a new temporary folder. */
export declare function makeTestCertificates(dir?: string): TestCertificates;

/** A token answer, as the platform's login gives it, plus the app id. */
export interface SimulatorToken {
  accessToken: string;
  tokenType: "bearer";
  refreshToken: string;
  expiresIn: number;
  scope: string;
  appId: string;
}

/** A fault spec, e.g. "delay=500", "html-502", "status=503;retry-after=2". */
export interface FaultSpec {
  fault: string;
  /** Only requests for this task (default: any). */
  operationId?: string | null;
  /** How many requests it applies to (default: until cleared). */
  count?: number | null;
  /** Which query routes (default "task"); "list" takes no operationId. */
  route?: FaultRoute;
  /** Only requests for this page of a list (absent pageNo counts as 0); needs a list route. */
  pageNo?: number | null;
}

/** An armed fault, as `setFault()` returns it and `faults()` and `GET /__sim/faults` list it. */
export interface FaultRecord {
  /** Its id in this simulator ("1", "2", …). */
  id: string;
  /** The task it applies to; null: every request of its route. */
  operationId: string | null;
  route: FaultRoute;
  pageNo: number | null;
  /** The fault list as parsed, e.g. "delay=500, html-502". */
  fault: string;
  /** How many requests it was armed for; null: until cleared. */
  count: number | null;
  /** How many of those are left; null: until cleared. */
  remaining: number | null;
}

/** One northbound request, as `requests()` and `GET /__sim/requests` list it. */
export interface RequestLogEntry {
  /** 1, 2, … in arrival order. */
  seq: number;
  /** When it arrived (ISO-8601, by the simulator's clock). */
  time: string;
  method: string;
  /** The request target as sent, query included. */
  url: string;
  /** The target's path (no query). */
  path: string;
  /** The headers as received (lower-case names); the bearer token is masked as "Bearer ***". */
  headers: Record<string, string | string[] | undefined>;
  /** The token check of a query: "ok", "missing", "invalid", "expired"; null otherwise. */
  auth: "ok" | "missing" | "invalid" | "expired" | null;
  /** The fault that answered it, if one did. */
  fault: string | null;
  /** The status sent; null until the answer is complete (or when none was). */
  status: number | null;
}

/** A stored task, as `tasks()` lists it. */
export interface SimulatorTaskEntry {
  operationId: string;
  description: string | undefined;
  /** Seeded snapshot, seeded task that progresses over time, or stored by `setTask()`. */
  kind: "static" | "progress" | "stored";
}

/** The options after defaults and checks, as `normalizeOptions()` gives them and `sim.options` holds. */
export interface NormalizedSimulatorOptions {
  port: number;
  host: string;
  /** "" or "/segment[/segment…]" (leading "/" added, trailing "/" removed). */
  prefix: string;
  apps: { appId: string; secret: string }[];
  tokenTtlSeconds: number;
  throttle: { calls: number; perMs: number } | false;
  retryAfter: boolean;
  origins: string[] | null;
  progressMs: number;
  log: boolean | ((line: string) => void);
  clock: () => number;
  totalField: TotalField;
  /** null without TLS; generated certificates fill in key/cert/ca on start. */
  tls: { generate: boolean; dir?: string | null; key?: string; cert?: string; ca?: string | null } | null;
  requireClientCert: boolean;
  cors: boolean;
  version: string;
}

/** A running simulator. */
export interface Simulator {
  /** http://HOST:PORT (no prefix). */
  readonly url: string;
  /** url + prefix: what a client passes as baseUrl. */
  readonly baseUrl: string;
  readonly port: number;
  readonly host: string;
  readonly prefix: string;
  /** The generated certificates in faithful mode (`tls: true`), else null. */
  readonly certificates: TestCertificates | null;
  /** The options in force at the start, after defaults. */
  readonly options: NormalizedSimulatorOptions;
  /** The node:http server it listens with (node:https with `tls`), for `address()`, connection counts, events. */
  readonly server: Server | HttpsServer;
  /** Stops listening and drops every connection (idle, busy or hung); idempotent. */
  close(): Promise<void>;
  /** A fresh token; invalidates the app's previous token. */
  login(appId?: string, secret?: string): SimulatorToken;
  /** Back to the seeded tasks, no faults, empty log and throttle; tokens kept unless {tokens: true}. */
  reset(options?: { tokens?: boolean }): void;
  /** Arms a fault; throws a FaultSyntaxError on a bad spec. */
  setFault(spec: string | FaultSpec, more?: Omit<FaultSpec, "fault">): FaultRecord;
  /** Disarms every fault; answers how many were armed. */
  clearFaults(): number;
  /** The armed faults, first match first. */
  faults(): FaultRecord[];
  /**
   * Stores a task: a string or Buffer is served verbatim, anything else as JSON. A JSON-object
   * body is also listed and gets subtasks generated from its staResult and targets, or
   * `subTasks` verbatim (any JSON values).
   */
  setTask(id: string, body: unknown, options?: { description?: string; subTasks?: unknown[] }): void;
  /** Serves these items (any JSON values) as a task's subtasks, in order; null: generated again. Throws for unknown or progressing tasks. */
  setSubTasks(id: string, items: unknown[] | null): void;
  /** The settings that can change while running. */
  settings(): SimulatorSettings;
  /** Changes them (reset() restores the start options'); throws on bad values. */
  configure(changes: Partial<SimulatorSettings>): SimulatorSettings;
  /** Removes a task; answers whether there was one. */
  deleteTask(id: string): boolean;
  /** Restarts a progressing task; throws for an unknown or non-progressing one. */
  restartTask(id: string, options?: { progressMs?: number }): void;
  tasks(): SimulatorTaskEntry[];
  /** The last northbound requests, oldest first. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
}

/** Starts a simulator of the platform's northbound API. */
export declare function startSimulator(options?: SimulatorOptions): Promise<Simulator>;

/** Checks the options and fills in the defaults (what `startSimulator` does first); throws a TypeError. */
export declare function normalizeOptions(options?: SimulatorOptions): NormalizedSimulatorOptions;

/** Thrown for a fault spec that does not parse. */
export declare class FaultSyntaxError extends Error {}

/** Parses a fault list such as "delay=500, html-502"; throws a FaultSyntaxError. */
export declare function parseFault(text: string): {
  /** The list, normalised ("delay=500, html-502"). */
  text: string;
  delayMs: number;
  transport: { name: string; [key: string]: unknown } | null;
  answer: { name: string; [key: string]: unknown } | null;
};

/** Whether an id is one the platform would refuse as malformed (empty, too long, odd characters). */
export declare function isMalformedId(id: string): boolean;

/** Milliseconds since the epoch in the platform's `yyyyMMdd'T'HHmmss'Z'` (UTC). */
export declare function platformTime(ms: number): string;

/** One of the platform's error answers. */
export interface PlatformError {
  readonly status: number;
  readonly code: string;
  readonly desc: string;
}

/** The platform's error answers the simulator gives (status, error_code, error_desc). */
export declare const PLATFORM_ERRORS: Readonly<{
  badRequest: PlatformError;
  pageLimit: PlatformError;
  throttled: PlatformError;
  invalidToken: PlatformError;
  notFound: PlatformError;
  badCredentials: PlatformError;
  invalidInput: PlatformError;
  invalidRefreshToken: PlatformError;
  internal: PlatformError;
}>;

export declare const VERSION: string;
export declare const DEFAULT_APP: Readonly<{ appId: string; secret: string }>;
export declare const LOGIN_PATH: string;
export declare const REFRESH_PATH: string;
export declare const OPERATIONS_PATH: string;
/** The task list's path (no trailing slash). */
export declare const OPERATION_LIST_PATH: string;
/** After `OPERATIONS_PATH + operationId`: the subtasks' path suffix, "/subOperations". */
export declare const SUB_OPERATIONS_SUFFIX: string;
/** The subtask statuses in the platform's spelling. */
export declare const SUBTASK_STATUSES: readonly SimulatorSubTaskStatus[];
/** The task list's `operationType` values. */
export declare const OPERATION_TYPES: readonly ("firmware_upgrade" | "software_upgrade")[];
/** The task list's `operationStatus` values. */
export declare const OPERATION_STATUSES: readonly ("wait" | "processing" | "failed" | "success" | "stop")[];
export declare const DEFAULT_PAGE_SIZE: number;
export declare const MAX_PAGE_SIZE: number;
export declare const MAX_PAGE_NO: number;
export declare const FILTER_MAX_LENGTH: number;
export declare const TOTAL_FIELDS: readonly TotalField[];
export declare const FAULT_ROUTES: readonly FaultRoute[];
/** The subOperationId of device `index` of a task (24 hex digits, stable). */
export declare function subOperationId(operationId: string, index: number): string;

/** A progressing task's run: its outcome, devices, duration and the time since its (re)start. */
export interface ProgressRun {
  outcome: "success" | "failed" | "stop";
  total: number;
  durationMs: number;
  elapsedMs: number;
}

/** The pure progress model: a task's status and staResult counts at one instant. */
export declare function progressState(run: ProgressRun): {
  status: "wait" | "processing" | "success" | "failed" | "stop";
  counts: { total: number; wait: number; processing: number; success: number; fail: number; stop: number; timeout: number };
  startedAtMs: number | null;
  endedAtMs: number | null;
};

/** Device `index` of that run: its subtask status and the ms after the (re)start it started and stopped. */
export declare function deviceProgress(run: ProgressRun, index: number): {
  status: SimulatorSubTaskStatus;
  startMs: number | null;
  stopMs: number | null;
};
