// Uses every name the package exports, the way an app would, plus compile-time checks that the
// types are exact (each `@ts-expect-error` line must be an error, or tsc fails). run.mjs also
// checks that this file names everything index.d.ts exports.
import {
  login,
  queryUpgradeSubTasks,
  queryUpgradeTask,
  queryUpgradeTaskList,
  queryUpgradeTasks,
  refreshToken,
  UpgradeTaskClient,
  UpgradeTaskError,
  waitForUpgradeTask,
  type BatchOptions,
  type BatchResult,
  type ClientCallOptions,
  type ClientConfig,
  type ExecuteType,
  type ExtendPara,
  type LoginOptions,
  type OperateType,
  type Problem,
  type QueryOptions,
  type RateLimitOptions,
  type RefreshOptions,
  type RetryOptions,
  type Session,
  type StaResult,
  type TaskStatus,
  type UpgradePolicy,
  type UpgradeTargets,
  type UpgradeTask,
  type UpgradeTaskErrorKind,
  type WaitOptions,
  type WaitRetry,
  type InvalidItem,
  type ListWalk,
  type Paging,
  type SubTaskOptions,
  type SubTaskPage,
  type SubTaskStatus,
  type TaskFilter,
  type TaskListOptions,
  type UpgradeSubTask,
  type UpgradeTaskPage,
  type WalkOptions,
} from "iot-upgrade-task";

export interface Settings {
  baseUrl: string;
  appKey: string;
  token: string;
}

const retry: RetryOptions = { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 500 };
const rateLimit: RateLimitOptions = { calls: 100, perMs: 60_000 };

export function optionsFor(settings: Settings, signal?: AbortSignal): QueryOptions {
  const options: QueryOptions = { baseUrl: settings.baseUrl, appKey: settings.appKey, timeoutMs: 20_000, retry, rateLimit: false };
  if (signal !== undefined) options.signal = signal;
  return options;
}

export interface Summary {
  operationId: string;
  operateType: OperateType;
  status: TaskStatus;
  finished: boolean;
  executeType: ExecuteType;
  window: [string | null, string | null];
  retries: number;
  targets: number;
  progress: string;
  version: string | null;
  extraKeys: string[];
  createdYear: number | null;
}

export function summarise(task: UpgradeTask): Summary {
  const targets: UpgradeTargets = task.targets;
  const policy: UpgradePolicy = task.policy;
  const counts: StaResult = task.staResult;
  const extend: ExtendPara = task.extendPara;
  const finished = task.status === "success" || task.status === "failed" || task.status === "stop";
  return {
    operationId: task.operationId,
    operateType: task.operateType,
    status: task.status,
    finished,
    executeType: policy.executeType,
    window: [policy.startTime, policy.endTime],
    retries: policy.retryType ? (policy.retryTimes ?? 0) : 0,
    targets: targets.devices.length + targets.deviceGroups.length,
    progress: `${counts.success + counts.fail + counts.stop + counts.timeout}/${counts.total}`,
    version: extend.fileVersion,
    extraKeys: Object.keys(extend).filter((key) => key !== "fileVersion"),
    createdYear: task.createTime === null ? null : new Date(task.createTime).getUTCFullYear(),
  };
}

/** What to do about each kind; the `never` check fails to compile if a kind is added or removed. */
export function advice(kind: UpgradeTaskErrorKind): "retry later" | "fix the call" | "give up" {
  switch (kind) {
    case "throttled":
    case "server":
    case "network":
    case "timeout":
      return "retry later";
    case "invalid_argument":
    case "bad_request":
    case "page_limit":
    case "unauthorized":
      return "fix the call";
    case "not_found":
    case "http":
    case "aborted":
    case "invalid_response":
      return "give up";
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

export interface Failure {
  name: "UpgradeTaskError";
  kind: UpgradeTaskErrorKind;
  httpStatus: number | null;
  errorCode: string | null;
  errorDesc: string | null;
  hint: string;
  retryable: boolean;
  attempts: number;
  problems: string[];
  advice: ReturnType<typeof advice>;
  isError: boolean;
}

/** Narrows an unknown rejection with `instanceof`, as users do in a catch block. */
export function failure(error: unknown): Failure | null {
  if (!(error instanceof UpgradeTaskError)) return null;
  const problems: Problem[] = error.problems;
  const asError: Error = error;
  return {
    name: error.name,
    kind: error.kind,
    httpStatus: error.httpStatus,
    errorCode: error.errorCode,
    errorDesc: error.errorDesc,
    hint: error.hint,
    retryable: error.retryable,
    attempts: error.attempts,
    problems: problems.map((p) => `${p.path}: ${p.message}`),
    advice: advice(error.kind),
    isError: asError instanceof Error,
  };
}

export interface RoundTrip {
  task: Summary | null;
  taskFailure: Failure | null;
  missing: Failure | null;
  missingResolved: boolean;
  waited: TaskStatus | null;
  batch: Array<{ operationId: string; ok: boolean; detail: string }>;
  client: { task: Summary | null; missingKind: UpgradeTaskErrorKind | null };
}

/** The round trip the packaging tests check: a task, a missing task, a wait, a batch, a client. */
export async function roundTrip(settings: Settings, taskId: string, missingId: string): Promise<RoundTrip> {
  const out: RoundTrip = { task: null, taskFailure: null, missing: null, missingResolved: false, waited: null, batch: [], client: { task: null, missingKind: null } };
  try {
    const task: UpgradeTask = await queryUpgradeTask(taskId, settings.token, optionsFor(settings));
    out.task = summarise(task);
  } catch (error) {
    out.taskFailure = failure(error);
  }
  const controller = new AbortController();
  try {
    await queryUpgradeTask(missingId, settings.token, optionsFor(settings, controller.signal));
    out.missingResolved = true;
  } catch (error) {
    out.missing = failure(error);
  }

  const progress: TaskStatus[] = [];
  const wait: WaitOptions = { ...optionsFor(settings), minDelayMs: 100, maxDelayMs: 1000, maxWaitMs: 15_000, onProgress: (t) => progress.push(t.status), onRetry: (_error, retry: WaitRetry) => void retry.failures };
  out.waited = (await waitForUpgradeTask(taskId, settings.token, wait)).status;

  const batchOptions: BatchOptions = { ...optionsFor(settings), concurrency: 2 };
  const results: BatchResult[] = await queryUpgradeTasks([taskId, missingId], settings.token, batchOptions);
  out.batch = results.map((r) => ({ operationId: r.operationId, ok: r.ok, detail: r.ok ? r.task.status : r.error.kind }));

  const config: ClientConfig = { baseUrl: settings.baseUrl, appKey: settings.appKey, getAccessToken: () => settings.token, rateLimit, retry };
  const client = new UpgradeTaskClient(config);
  const callOptions: ClientCallOptions = { timeoutMs: 20_000 };
  out.client.task = summarise(await client.queryUpgradeTask(taskId, callOptions));
  out.client.missingKind = await client.queryUpgradeTask(missingId).then(
    () => null,
    (error: unknown) => (error instanceof UpgradeTaskError ? error.kind : null),
  );
  return out;
}

/** Signs in and refreshes (typed use of login and refreshToken; not called by the test). */
export async function signIn(baseUrl: string, appId: string, secret: string): Promise<Session> {
  const options: LoginOptions = { baseUrl, appId, secret, timeoutMs: 10_000, retry: false };
  const first: Session = await login(options);
  if (first.refreshToken === null || first.expiresAt - Date.now() > 60_000) return first;
  const refresh: RefreshOptions = { ...options, refreshToken: first.refreshToken };
  return refreshToken(refresh);
}

/** Never called: each marked line must fail to compile. */
export function typeErrors(task: UpgradeTask, error: UpgradeTaskError, settings: Settings, result: BatchResult): unknown[] {
  // @ts-expect-error baseUrl is required
  const noBaseUrl: QueryOptions = { appKey: "app" };
  // @ts-expect-error timeoutMs is a number
  const textTimeout: QueryOptions = { baseUrl: "https://x", appKey: "app", timeoutMs: "5s" };
  // @ts-expect-error statuses are a closed union
  const badStatus: TaskStatus = "running";
  // @ts-expect-error kinds are a closed union
  const badKind: UpgradeTaskErrorKind = "teapot";
  // @ts-expect-error nullable fields need a check
  const year: string = task.createTime;
  // @ts-expect-error the error's fields are read-only
  error.kind = "server";
  // @ts-expect-error errors come from the package, not from user code
  const made = new UpgradeTaskError();
  // @ts-expect-error the options are required
  const noOptions = queryUpgradeTask("id", settings.token);
  // @ts-expect-error the id comes first and is a string
  const wrongOrder = queryUpgradeTask(42, settings.token, optionsFor(settings));
  // @ts-expect-error a client takes exactly one of accessToken and getAccessToken
  const both = new UpgradeTaskClient({ baseUrl: "https://x", appKey: "a", accessToken: "t", getAccessToken: () => "t" });
  // @ts-expect-error a batch entry has a task only once `ok` is checked
  const unchecked: UpgradeTask = result.task;
  return [noBaseUrl, textTimeout, badStatus, badKind, year, made, noOptions, wrongOrder, both, unchecked];
}

/** The task list and a task's failed devices (typed use of the list calls; not called by the test). */
export async function failedDevices(settings: Settings, filter: TaskFilter): Promise<Array<[string, string | null]>> {
  const paging: Paging = { pageNo: 0, pageSize: 100 };
  const listOptions: TaskListOptions = { ...optionsFor(settings), ...filter, ...paging };
  const page: UpgradeTaskPage = await queryUpgradeTaskList(settings.token, listOptions);
  const bad: InvalidItem[] = page.invalid;
  const status: SubTaskStatus = "failed";
  const subOptions: SubTaskOptions = { ...optionsFor(settings), status, pageSize: 100 };
  const out: Array<[string, string | null]> = [];
  for (const task of page.tasks) {
    const devices: SubTaskPage = await queryUpgradeSubTasks(task.operationId, settings.token, subOptions);
    for (const d of devices.subTasks) out.push([d.deviceId, d.detailInfo]);
  }
  const client = new UpgradeTaskClient({ baseUrl: settings.baseUrl, appKey: settings.appKey, accessToken: settings.token });
  const walkOptions: WalkOptions = { onInvalid: (item) => bad.push(item) };
  const walk: ListWalk<UpgradeSubTask, SubTaskPage> = client.listUpgradeSubTasks("op", { ...walkOptions, status });
  for await (const d of walk) out.push([d.deviceId, d.detailInfo]);
  for await (const t of client.listUpgradeTasks(filter, walkOptions)) out.push([t.operationId, null]);
  return out;
}
