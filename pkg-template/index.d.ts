/**
 * iot-upgrade-task — query Huawei IoT platform (northbound API) firmware/software upgrade
 * tasks. One call, validated and normalised in Rust/WebAssembly, typed errors.
 */

/** Options of {@link queryUpgradeTask}. Unknown keys are ignored. */
export interface QueryOptions {
  /**
   * The platform's base URL, e.g. `"https://iot.example.com:8743"`; a path prefix and a
   * trailing `/` are fine. Only `https:`, except `http:` to `localhost`, `127.0.0.0/8` or `[::1]`.
   */
  baseUrl: string;
  /** The platform's application id, sent as the `app_key` header. */
  appKey: string;
  /** Whole-call deadline in milliseconds (default 30000; values above 2147483647 are clamped). */
  timeoutMs?: number | undefined;
  /** Cancels the call; it then rejects with kind `"aborted"`. */
  signal?: AbortSignal | undefined;
  /**
   * Retries of `throttled`, `server`, `network` and per-attempt `timeout` failures, with
   * full-jitter exponential backoff; a `Retry-After` header is honoured (capped by
   * `maxDelayMs`). On by default; `false` makes exactly one request.
   */
  retry?: false | RetryOptions | undefined;
  /** Deadline of one request in ms (default: none); its expiry is retried. */
  attemptTimeoutMs?: number | undefined;
  /**
   * Client-side rate limit shared by every call with the same `baseUrl` and `appKey`: never
   * more than `calls` requests in any `perMs` window; calls queue in order. Off by default
   * for the functions; `{}` means the platform's 100 calls per 60000 ms.
   */
  rateLimit?: false | RateLimitOptions | undefined;
}

/** Retry settings. */
export interface RetryOptions {
  /** Requests at most, the first included (default 3). */
  maxAttempts?: number | undefined;
  /** Ceiling of the first backoff in ms (default 100); doubles each retry. */
  baseDelayMs?: number | undefined;
  /** Longest wait between attempts in ms (default 20000). */
  maxDelayMs?: number | undefined;
}

/** Rate-limit settings. */
export interface RateLimitOptions {
  /** Requests per window (default 100). */
  calls?: number | undefined;
  /** The window in ms (default 60000). */
  perMs?: number | undefined;
}

/** Options of {@link waitForUpgradeTask}. */
export interface WaitOptions extends QueryOptions {
  /**
   * First delay between polls, and the delay after each change (default 2000, or `maxDelayMs`
   * when that is smaller). Above `maxDelayMs` it is refused (`invalid_argument`).
   */
  minDelayMs?: number | undefined;
  /** Longest delay between polls (default 30000, or `minDelayMs` when that is larger); delays double while nothing changes. */
  maxDelayMs?: number | undefined;
  /** Give up with kind `"timeout"` after this many ms (default: no limit). */
  maxWaitMs?: number | undefined;
  /** Called with the task on the first answer and each time it changes. */
  onProgress?: ((task: UpgradeTask) => void) | undefined;
  /**
   * Called when a poll failed with a retryable error (after that poll's own retries, see
   * `retry`) and the wait goes on: with the error and {@link WaitRetry} (the polls failed in a
   * row, the pause before the next). Not called when the wait rejects.
   */
  onRetry?: ((error: UpgradeTaskError, retry: WaitRetry) => void) | undefined;
}

/** What {@link WaitOptions.onRetry} is told of a failed poll. */
export interface WaitRetry {
  /** The polls that failed in a row so far: 1, 2, …; an answer starts the count again. */
  failures: number;
  /** The pause before the next poll, in milliseconds. */
  delayMs: number;
}

/** Options of {@link queryUpgradeTasks}. */
export interface BatchOptions extends QueryOptions {
  /** Requests in flight at most (default 8). */
  concurrency?: number | undefined;
}

/** One entry of {@link queryUpgradeTasks}'s answer. */
export type BatchResult =
  | { operationId: string; ok: true; task: UpgradeTask }
  | { operationId: string; ok: false; error: UpgradeTaskError };

/** A token from {@link login} or {@link refreshToken}. */
export interface Session {
  accessToken: string;
  /** For {@link refreshToken}; `null` when the platform sent none. */
  refreshToken: string | null;
  /** When the access token expires, in epoch milliseconds. */
  expiresAt: number;
}

/** Options of {@link login}. */
export interface LoginOptions {
  baseUrl: string;
  /** The application id (also the `app_key` of later calls). */
  appId: string;
  secret: string;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  retry?: false | RetryOptions | undefined;
  attemptTimeoutMs?: number | undefined;
  /**
   * Client-side rate limit, off by default: the login counts in the same queue as the task
   * calls with this `baseUrl` and an `appKey` equal to `appId` (see {@link QueryOptions.rateLimit}).
   */
  rateLimit?: false | RateLimitOptions | undefined;
}

/** Options of {@link refreshToken}. */
export interface RefreshOptions extends LoginOptions {
  refreshToken: string;
}

/** Configuration of an {@link UpgradeTaskClient}: exactly one of `accessToken` or `getAccessToken`. */
export type ClientConfig = {
  baseUrl: string;
  appKey: string;
  /** Client rate limit; default `{}` (the platform's 100 calls per minute); `false` turns it off. */
  rateLimit?: false | RateLimitOptions | undefined;
  retry?: false | RetryOptions | undefined;
  timeoutMs?: number | undefined;
  attemptTimeoutMs?: number | undefined;
  /** Cancels every call of this client (with kind `aborted`), as a call's own `signal` does. */
  signal?: AbortSignal | undefined;
} & (
  | { accessToken: string; getAccessToken?: never }
  | {
      /** Awaited before each request; on `unauthorized` called once with `forceRefresh: true`. */
      getAccessToken: (context: { forceRefresh: boolean }) => string | Promise<string>;
      accessToken?: never;
    }
);

/** Per-call options of a client (its configuration gives the defaults). */
export type ClientCallOptions = Partial<Omit<QueryOptions, "baseUrl" | "appKey">>;

/** The task's operation type. */
export type OperateType = "firmware_upgrade" | "software_upgrade";
/** The task's status; `failed`, `success` and `stop` are final. */
export type TaskStatus = "wait" | "processing" | "failed" | "success" | "stop";
/** When the task executes. */
export type ExecuteType = "now" | "device_online" | "custom";

/** The devices a task operates on. */
export interface UpgradeTargets {
  /** Device group names (at most 256). */
  deviceGroups: string[];
  /** Device type (required with device groups). */
  deviceType: string | null;
  /** Device model (required with device groups). */
  model: string | null;
  /** Manufacturer name (required with device groups). */
  manufacturerName: string | null;
  /** Device ids (at most 256). */
  devices: string[];
}

/** The task's execution policy. */
export interface UpgradePolicy {
  /** `"now"` when the platform omits it. */
  executeType: ExecuteType;
  /** Start of the execution window, ISO-8601 UTC (`"2015-12-12T12:12:12Z"`). */
  startTime: string | null;
  /** End of the execution window, ISO-8601 UTC. */
  endTime: string | null;
  /** Whether the platform retries failed devices (`false` when omitted). */
  retryType: boolean;
  /** Number of retries, 1–5, when retrying. */
  retryTimes: number | null;
}

/** Per-device outcome counts; each ≤ `total`, and their sum ≤ `total`. */
export interface StaResult {
  total: number;
  wait: number;
  processing: number;
  success: number;
  fail: number;
  stop: number;
  timeout: number;
}

/** Extended parameters: `fileVersion` plus any undocumented keys, kept as sent. */
export interface ExtendPara {
  /** The target version. */
  fileVersion: string | null;
  [key: string]: unknown;
}

/** One upgrade task, validated and normalised. Every key is always present. */
export interface UpgradeTask {
  operationId: string;
  /** ISO-8601 UTC, e.g. `"2015-12-12T12:12:12Z"`. */
  createTime: string | null;
  startTime: string | null;
  stopTime: string | null;
  operateType: OperateType;
  status: TaskStatus;
  targets: UpgradeTargets;
  policy: UpgradePolicy;
  staResult: StaResult;
  extendPara: ExtendPara;
}

/** The task list's filters: only the ones given are sent (checked first: `invalid_argument`). */
export interface TaskFilter {
  /** Only firmware or only software upgrades. */
  operationType?: OperateType | undefined;
  /** Only tasks in this status. */
  operationStatus?: TaskStatus | undefined;
  /** Only tasks for this device type (at most 256 characters). */
  deviceType?: string | undefined;
  /** Only tasks for this device model (at most 256 characters). */
  model?: string | undefined;
  /** Only tasks for this manufacturer (at most 256 characters). */
  manufacturerName?: string | undefined;
  /** Only tasks that include this device (listed, or in one of the task's groups). */
  deviceId?: string | undefined;
}

/** Which page (checked first: `invalid_argument`; the platform answers `page_limit` beyond its limits). */
export interface Paging {
  /** The page, from 0 (the first page, and the default) to 2147483647. */
  pageNo?: number | undefined;
  /** Items per page, 1–100 (default 10). */
  pageSize?: number | undefined;
}

/** Options of {@link queryUpgradeTaskList}. */
export type TaskListOptions = QueryOptions & TaskFilter & Paging;

/** Options of {@link queryUpgradeSubTasks}. */
export type SubTaskOptions = QueryOptions & { status?: SubTaskStatus | undefined } & Paging;

/**
 * A device's status in a task. The platform spells failure `fail`; the package says `failed`
 * both ways (a subtask's `status`, and the `status` filter, which it sends as `fail`).
 */
export type SubTaskStatus = "wait" | "processing" | "failed" | "success" | "stop" | "timeout";

/** One device's part of an upgrade task, validated and normalised. Every key is always present. */
export interface UpgradeSubTask {
  subOperationId: string;
  deviceId: string;
  status: SubTaskStatus;
  operateType: OperateType;
  /** ISO-8601 UTC, e.g. `"2024-03-05T00:07:11Z"`. */
  createTime: string | null;
  startTime: string | null;
  stopTime: string | null;
  /** The platform's reason (why the device failed, timed out or stopped); `null` when none. */
  detailInfo: string | null;
  /** Extended information, as sent (`{}` when absent). */
  extendInfo: Record<string, unknown>;
}

/** An item of a page that broke the rules of its kind (the rest of the page is still given). */
export interface InvalidItem {
  /** Its index in the platform's `data`. */
  index: number;
  /** Its `operationId` or `subOperationId`, when it has a usable one. */
  id: string | null;
  /** Every problem, with paths from the page (`"data[3].targets.devices[2]"`). */
  problems: Problem[];
}

/** One page of the task list (newest first, as the platform returns it). */
export interface UpgradeTaskPage {
  tasks: UpgradeTask[];
  invalid: InvalidItem[];
  /** The page, as the platform echoed it (the one asked for when it did not). */
  pageNo: number;
  pageSize: number;
  /** Tasks in the whole list (the platform's `totalCount`, or `totalSize`). */
  totalCount: number;
}

/** One page of a task's subtasks (in device order). */
export interface SubTaskPage {
  subTasks: UpgradeSubTask[];
  invalid: InvalidItem[];
  pageNo: number;
  pageSize: number;
  /** Subtasks in the whole list. */
  totalCount: number;
}

/** Options of the walkers ({@link UpgradeTaskClient.listUpgradeTasks}, {@link UpgradeTaskClient.listUpgradeSubTasks}). */
export interface WalkOptions extends ClientCallOptions {
  /** Cancels the walk: the next step rejects with kind `"aborted"`, and no further page is asked for. */
  signal?: AbortSignal | undefined;
  /** Called with each invalid item of each page (the walk yields only valid ones); what it throws is reported asynchronously, the walk goes on. */
  onInvalid?: ((item: InvalidItem, context: { pageNo: number }) => void) | undefined;
  /** Items per page, 1–100 (default 100); a page over the 4 MiB answer limit is asked for again in smaller pages over the same items. The walk always starts at page 0. */
  pageSize?: number | undefined;
}

/**
 * Every item of a list, page by page (`pageSize` 100, in order), ending at the list's
 * `totalCount` or at an empty page. Each `for await` walks again from the first page;
 * leaving the loop early asks for no further page.
 */
export interface ListWalk<Item, Page> extends AsyncIterable<Item> {
  /** The same walk, a whole page at a time (invalid items included). */
  pages(): AsyncIterable<Page>;
}

/** Every kind of failure. */
export type UpgradeTaskErrorKind =
  | "invalid_argument"
  | "bad_request"
  | "page_limit"
  | "throttled"
  | "unauthorized"
  | "not_found"
  | "server"
  | "http"
  | "network"
  | "timeout"
  | "aborted"
  | "invalid_response";

/** One thing wrong with an argument or a response. */
export interface Problem {
  /** Where, in JS field names (`"targets.devices[3]"`); `""` for the whole body. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** Every rejection of this package. `instanceof` works across ESM, CommonJS and bundles. */
export declare class UpgradeTaskError extends Error {
  readonly name: "UpgradeTaskError";
  /** What went wrong. */
  readonly kind: UpgradeTaskErrorKind;
  /** The HTTP status, or `null` when no response came. */
  readonly httpStatus: number | null;
  /** The platform's `error_code` (e.g. `"123009"`), or `null`. */
  readonly errorCode: string | null;
  /** The platform's `error_desc`, or `null`. */
  readonly errorDesc: string | null;
  /** What to do about it. */
  readonly hint: string;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** For `invalid_argument` and `invalid_response`: every problem found; otherwise empty. */
  readonly problems: Problem[];
  /** How many requests were sent (0 when none). */
  readonly attempts: number;
  /**
   * Why it happened, where something else said so: for `aborted`, the signal's `reason`; for
   * an `unauthorized` from a client's `getAccessToken`, what it threw. Declared here too, so
   * projects whose `lib` predates ES2022 see it.
   */
  cause?: unknown;
  private constructor();
}

/**
 * Fetches one upgrade task (`GET {baseUrl}/iodm/northbound/v1.5.0/operations/{operationId}`)
 * and resolves to it, validated and normalised; rejects with an {@link UpgradeTaskError}.
 */
export declare function queryUpgradeTask(
  operationId: string,
  accessToken: string,
  options: QueryOptions,
): Promise<UpgradeTask>;

/** Polls a task until it is `success`, `failed` or `stop`, and resolves with the final task. */
export declare function waitForUpgradeTask(operationId: string, accessToken: string, options: WaitOptions): Promise<UpgradeTask>;

/** Fetches many tasks (at most 100 000 ids); never rejects for one id: one {@link BatchResult} per id, in input order. */
export declare function queryUpgradeTasks(operationIds: readonly string[], accessToken: string, options: BatchOptions): Promise<BatchResult[]>;

/**
 * Fetches one page of the task list (`GET {baseUrl}/iodm/northbound/v1.5.0/operations`),
 * filtered; one bad task goes to `invalid` instead of failing the page.
 * @example
 * const page = await queryUpgradeTaskList(token, { baseUrl, appKey, operationStatus: "processing", pageSize: 50 });
 * for (const task of page.tasks) console.log(task.operationId, task.staResult.fail);
 */
export declare function queryUpgradeTaskList(accessToken: string, options: TaskListOptions): Promise<UpgradeTaskPage>;

/**
 * Fetches one page of a task's subtasks, one per device
 * (`GET {baseUrl}/iodm/northbound/v1.5.0/operations/{operationId}/subOperations`).
 * @example
 * const { subTasks } = await queryUpgradeSubTasks(id, token, { baseUrl, appKey, status: "failed", pageSize: 100 });
 * for (const s of subTasks) console.log(s.deviceId, s.detailInfo);
 */
export declare function queryUpgradeSubTasks(operationId: string, accessToken: string, options: SubTaskOptions): Promise<SubTaskPage>;

/** Logs in (`POST /iocm/app/sec/v1.1.0/login`, form-encoded `appId` and `secret`). */
export declare function login(options: LoginOptions): Promise<Session>;

/** Refreshes a token (`POST /iocm/app/sec/v1.1.0/refreshToken`). */
export declare function refreshToken(options: RefreshOptions): Promise<Session>;

/** A client for one platform application: token handling, a shared rate limit, defaults. */
export declare class UpgradeTaskClient {
  /**
   * Checks the whole configuration at once, with the rules every call applies (`baseUrl`,
   * `appKey`, the token, `timeoutMs`, `attemptTimeoutMs`, `retry`, `rateLimit`).
   * @throws {UpgradeTaskError} kind `"invalid_argument"` listing every problem (paths `config.…`);
   *   nothing is sent.
   */
  constructor(config: ClientConfig);
  queryUpgradeTask(operationId: string, options?: ClientCallOptions): Promise<UpgradeTask>;
  waitForUpgradeTask(operationId: string, options?: ClientCallOptions & Omit<WaitOptions, keyof QueryOptions>): Promise<UpgradeTask>;
  queryUpgradeTasks(operationIds: readonly string[], options?: ClientCallOptions & { concurrency?: number | undefined }): Promise<BatchResult[]>;
  /** One page of the task list, with the client's token, rate limit and defaults. */
  queryUpgradeTaskList(options?: ClientCallOptions & TaskFilter & Paging): Promise<UpgradeTaskPage>;
  /** One page of a task's subtasks, with the client's token, rate limit and defaults. */
  queryUpgradeSubTasks(operationId: string, options?: ClientCallOptions & { status?: SubTaskStatus | undefined } & Paging): Promise<SubTaskPage>;
  /**
   * Every task matching `filter`, through the client's rate limit, token refresh and retries.
   * @example
   * for await (const task of client.listUpgradeTasks({ operationStatus: "processing" })) console.log(task.operationId);
   */
  listUpgradeTasks(filter?: TaskFilter, options?: WalkOptions): ListWalk<UpgradeTask, UpgradeTaskPage>;
  /**
   * Every subtask (one per device) of a task, optionally only those in `options.status`.
   * @example
   * for await (const device of client.listUpgradeSubTasks(id, { status: "failed" })) console.log(device.deviceId, device.detailInfo);
   */
  listUpgradeSubTasks(operationId: string, options?: WalkOptions & { status?: SubTaskStatus | undefined }): ListWalk<UpgradeSubTask, SubTaskPage>;
}
