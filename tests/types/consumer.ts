// Compiled with `tsc --strict --noEmit` in `make test`: the declarations must describe the
// contract exactly. Each @ts-expect-error line fails the build if the types became too loose.

import {
  login,
  queryUpgradeTask,
  waitForUpgradeTask,
  UpgradeTaskClient,
  UpgradeTaskError,
  type QueryOptions,
  type WaitOptions,
  type WaitRetry,
  type UpgradeTask,
  type UpgradeTaskErrorKind,
  type Problem,
  type TaskStatus,
  type OperateType,
  type ExecuteType,
} from "iot-upgrade-task";

const options: QueryOptions = { baseUrl: "https://iot.example.com:8743", appKey: "app", timeoutMs: 5000, signal: new AbortController().signal };

async function main(): Promise<void> {
  const task: UpgradeTask = await queryUpgradeTask("op-1", "token", options);
  const status: TaskStatus = task.status;
  const operate: OperateType = task.operateType;
  const execute: ExecuteType = task.policy.executeType;
  const created: string | null = task.createTime;
  const groups: string[] = task.targets.deviceGroups;
  const retries: number | null = task.policy.retryTimes;
  const done: number = task.staResult.success + task.staResult.fail + task.staResult.timeout;
  const version: string | null = task.extendPara.fileVersion;
  const extra: unknown = task.extendPara["checksum"];
  void [status, operate, execute, created, groups, retries, done, version, extra];

  // @ts-expect-error status is a closed union
  const wrongStatus: TaskStatus = "finished";
  // @ts-expect-error createTime may be null
  const notNull: string = task.createTime;
  // @ts-expect-error baseUrl is required
  const missingBase: QueryOptions = { appKey: "x" };
  // @ts-expect-error appKey is required
  const missingKey: QueryOptions = { baseUrl: "x" };
  // @ts-expect-error the operation id is a string
  await queryUpgradeTask(42, "token", options);
  void [wrongStatus, notNull, missingBase, missingKey];

  try {
    await queryUpgradeTask("op-1", "token", options);
  } catch (error) {
    if (error instanceof UpgradeTaskError) {
      const kind: UpgradeTaskErrorKind = error.kind;
      const status: number | null = error.httpStatus;
      const code: string | null = error.errorCode;
      const desc: string | null = error.errorDesc;
      const hint: string = error.hint;
      const retryable: boolean = error.retryable;
      const problems: Problem[] = error.problems;
      const first: string | undefined = problems[0]?.path;
      const name: "UpgradeTaskError" = error.name;
      void [kind, status, code, desc, hint, retryable, first, name];
      // @ts-expect-error kind is a closed union
      const wrongKind: UpgradeTaskErrorKind = "teapot";
      void wrongKind;
      switch (error.kind) {
        case "invalid_argument":
        case "bad_request":
        case "page_limit":
        case "throttled":
        case "unauthorized":
        case "not_found":
        case "server":
        case "http":
        case "network":
        case "timeout":
        case "aborted":
        case "invalid_response":
          break;
        default: {
          const exhaustive: never = error.kind;
          void exhaustive;
        }
      }
    }
  }
}

async function waiting(): Promise<void> {
  const wait: WaitOptions = {
    ...options,
    minDelayMs: 2000,
    onProgress: (task) => void task.staResult.total,
    onRetry: (error, { failures, delayMs }) => {
      const kind: UpgradeTaskErrorKind = error.kind;
      const retryable: boolean = error.retryable;
      const n: number = failures;
      const pause: number = delayMs;
      void [kind, retryable, n, pause];
    },
  };
  const ended: UpgradeTask = await waitForUpgradeTask("op-1", "token", wait);
  const client = new UpgradeTaskClient({ baseUrl: "https://iot.example.com:8743", appKey: "app", accessToken: "token" });
  await client.waitForUpgradeTask("op-1", { onRetry: (error: UpgradeTaskError, retry: WaitRetry) => void [error, retry.failures] });
  // @ts-expect-error the second argument is a WaitRetry, not a count
  const countOnly: WaitOptions = { ...options, onRetry: (error: UpgradeTaskError, failures: number) => void [error, failures] };
  // @ts-expect-error onRetry is called with an UpgradeTaskError, not a task
  const wrongRetry: WaitOptions = { ...options, onRetry: (task: UpgradeTask) => void task };
  // @ts-expect-error onRetry is a function
  const notAFunction: WaitOptions = { ...options, onRetry: true };
  void [ended, wrongRetry, notAFunction, countOnly];

  // An option set to `undefined` is one left out (the runtime reads it so), also under
  // exactOptionalPropertyTypes, which this build turns on: a value that may be missing passes as is.
  const maybe: AbortSignal | undefined = Math.random() > 0.5 ? new AbortController().signal : undefined;
  const maybeMs: number | undefined = undefined;
  await queryUpgradeTask("op-1", "token", { ...options, signal: maybe, timeoutMs: maybeMs, retry: { maxAttempts: maybeMs }, rateLimit: undefined });
  await client.queryUpgradeTask("op-1", { signal: maybe, timeoutMs: maybeMs });
  await client.queryUpgradeTasks(["op-1"], { concurrency: maybeMs });
  await waitForUpgradeTask("op-1", "token", { ...options, maxWaitMs: maybeMs, onProgress: undefined });
  // A login counts in the rate limit's queue too.
  await login({ baseUrl: options.baseUrl, appId: "app", secret: "s", rateLimit: { calls: 1, perMs: 60000 }, signal: maybe });
  // @ts-expect-error a rate limit is an object or false
  await login({ baseUrl: options.baseUrl, appId: "app", secret: "s", rateLimit: 100 });
  // @ts-expect-error undefined is not a base URL
  await queryUpgradeTask("op-1", "token", { ...options, baseUrl: undefined });
}

void main;
void waiting;
