// Node CommonJS: tsc compiles this `import` to `require("iot-upgrade-task")`, typed by index.d.cts.
// It cannot import ./usage.js (an ES module), so it names every export itself.
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

interface Shape {
  operationId: string;
  operateType: OperateType;
  status: TaskStatus;
  executeType: ExecuteType;
  devices: UpgradeTargets["devices"];
  retry: UpgradePolicy["retryType"];
  total: StaResult["total"];
  version: ExtendPara["fileVersion"];
}

/** Typed, not called: the task list and a task's devices. */
export type ListCalls = {
  list: (token: string, options: TaskListOptions) => Promise<UpgradeTaskPage>;
  subTasks: (id: string, token: string, options: SubTaskOptions) => Promise<SubTaskPage>;
};
export const listCalls: ListCalls = { list: queryUpgradeTaskList, subTasks: queryUpgradeSubTasks };
export type DeviceRow = { id: UpgradeSubTask["deviceId"]; status: SubTaskStatus; problems: InvalidItem["problems"] };
export type Walks = { tasks: (filter?: TaskFilter, options?: WalkOptions) => ListWalk<UpgradeTask, UpgradeTaskPage>; paging: Paging };

/** Typed, not called: signing in would replace the token the runner handed out. */
export type SignIn = (options: LoginOptions) => Promise<Session>;
export const signIn: SignIn = login;
export const refresh: (options: RefreshOptions) => Promise<Session> = refreshToken;

async function main(): Promise<void> {
  const retry: RetryOptions = { maxAttempts: 2 };
  const rateLimit: RateLimitOptions = { calls: 10, perMs: 1000 };
  const options: QueryOptions = {
    baseUrl: process.env["IUT_BASE_URL"] ?? "",
    appKey: process.env["IUT_APP_KEY"] ?? "",
    timeoutMs: 20_000,
    retry,
    rateLimit,
  };
  const token = process.env["IUT_TOKEN"] ?? "";
  const taskId = process.env["IUT_TASK_ID"] ?? "";
  const missingId = process.env["IUT_MISSING_ID"] ?? "";
  const task: UpgradeTask = await queryUpgradeTask(taskId, token, options);
  const shape: Shape = {
    operationId: task.operationId,
    operateType: task.operateType,
    status: task.status,
    executeType: task.policy.executeType,
    devices: task.targets.devices,
    retry: task.policy.retryType,
    total: task.staResult.total,
    version: task.extendPara.fileVersion,
  };
  let kind: UpgradeTaskErrorKind | null = null;
  let problems: Problem[] | null = null;
  let httpStatus: number | null = null;
  try {
    await queryUpgradeTask(missingId, token, options);
  } catch (error) {
    if (error instanceof UpgradeTaskError) {
      kind = error.kind;
      problems = error.problems;
      httpStatus = error.httpStatus;
    }
  }
  const wait: WaitOptions = { ...options, maxWaitMs: 15_000, onRetry: (_error, retry: WaitRetry) => void retry.delayMs };
  const waited = (await waitForUpgradeTask(taskId, token, wait)).status;
  const batchOptions: BatchOptions = { ...options, concurrency: 2 };
  const batch: BatchResult[] = await queryUpgradeTasks([taskId, missingId], token, batchOptions);
  const config: ClientConfig = { baseUrl: options.baseUrl, appKey: options.appKey, accessToken: token };
  const callOptions: ClientCallOptions = { timeoutMs: 20_000 };
  const viaClient = await new UpgradeTaskClient(config).queryUpgradeTask(taskId, callOptions);
  console.log(
    JSON.stringify({
      shape,
      missing: { kind, problems, httpStatus },
      waited,
      batch: batch.map((r) => (r.ok ? r.task.status : r.error.kind)),
      client: viaClient.operationId,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
