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
  timeoutMs?: number;
  /** Cancels the call; it then rejects with kind `"aborted"`. */
  signal?: AbortSignal;
}

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
