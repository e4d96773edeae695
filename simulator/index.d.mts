// Types of `iot-upgrade-task/simulator` (Node only): the local platform stand-in.

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

/** An armed fault as `faults()` and `GET /__sim/faults` list it. */
export interface FaultRecord {
  id: string;
  operationId: string | null;
  route: FaultRoute;
  pageNo: number | null;
  fault: string;
  count: number | null;
  remaining: number | null;
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
  close(): Promise<void>;
  /** A fresh token; invalidates the app's previous token. */
  login(appId?: string, secret?: string): SimulatorToken;
  /** Back to the seeded tasks, no faults, empty log and throttle; tokens kept unless {tokens: true}. */
  reset(options?: { tokens?: boolean }): void;
  setFault(spec: string | FaultSpec, more?: Omit<FaultSpec, "fault">): FaultRecord;
  clearFaults(): number;
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
  deleteTask(id: string): unknown;
  restartTask(id: string, options?: { progressMs?: number }): void;
  tasks(): { operationId: string; description?: string; kind?: string }[];
  requests(): { method: string; path: string; headers: Record<string, string>; status?: number; [key: string]: unknown }[];
  clearRequests(): void;
}

/** Starts a simulator of the platform's northbound API. */
export declare function startSimulator(options?: SimulatorOptions): Promise<Simulator>;

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
