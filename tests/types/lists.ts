// The task list and subtask types (issue 14), checked with `tsc --strict`: each expected
// error below fails the build if the types became too loose.

import {
  queryUpgradeTaskList,
  queryUpgradeSubTasks,
  UpgradeTaskClient,
  type InvalidItem,
  type ListWalk,
  type SubTaskPage,
  type SubTaskStatus,
  type TaskFilter,
  type UpgradeSubTask,
  type UpgradeTask,
  type UpgradeTaskPage,
} from "iot-upgrade-task";

const base = { baseUrl: "https://iot.example.com:8743", appKey: "app" };

async function main(): Promise<void> {
  const page: UpgradeTaskPage = await queryUpgradeTaskList("token", { ...base, operationStatus: "processing", operationType: "firmware_upgrade", deviceId: "d-1", pageNo: 0, pageSize: 100 });
  const first: UpgradeTask | undefined = page.tasks[0];
  const total: number = page.totalCount;
  const bad: InvalidItem | undefined = page.invalid[0];
  const badId: string | null | undefined = bad?.id;
  const badPath: string | undefined = bad?.problems[0]?.path;
  void [first, total, badId, badPath, page.pageNo, page.pageSize];

  const subs: SubTaskPage = await queryUpgradeSubTasks("op-1", "token", { ...base, status: "failed" });
  const device: UpgradeSubTask | undefined = subs.subTasks[0];
  if (device) {
    const status: SubTaskStatus = device.status;
    const reason: string | null = device.detailInfo;
    const started: string | null = device.startTime;
    const info: unknown = device.extendInfo["fileVersion"];
    const id: string = device.deviceId;
    void [status, reason, started, info, id];
    // @ts-expect-error detailInfo may be null
    const notNull: string = device.detailInfo;
    void notNull;
  }

  // @ts-expect-error the package says "failed", not the platform's "fail"
  await queryUpgradeSubTasks("op-1", "token", { ...base, status: "fail" });
  // @ts-expect-error operationStatus is a task status (no timeout)
  await queryUpgradeTaskList("token", { ...base, operationStatus: "timeout" });
  // @ts-expect-error operationType is a closed union
  await queryUpgradeTaskList("token", { ...base, operationType: "firmwareUpgrade" });
  // @ts-expect-error pageNo is a number
  await queryUpgradeTaskList("token", { ...base, pageNo: "1" });
  // @ts-expect-error baseUrl and appKey are required
  await queryUpgradeTaskList("token", { pageSize: 10 });
  // @ts-expect-error a subtask's failure is "failed"
  const wrong: SubTaskStatus = "fail";
  void wrong;

  const client = new UpgradeTaskClient({ ...base, accessToken: "token" });
  const filter: TaskFilter = { operationStatus: "failed", model: "M1" };
  const walk: ListWalk<UpgradeTask, UpgradeTaskPage> = client.listUpgradeTasks(filter, { signal: new AbortController().signal });
  for await (const task of walk) {
    const t: UpgradeTask = task;
    void t;
  }
  for await (const p of walk.pages()) {
    const n: number = p.tasks.length + p.invalid.length;
    void n;
  }
  for await (const sub of client.listUpgradeSubTasks("op-1", { status: "timeout", onInvalid: (item, { pageNo }) => void [item.index, pageNo] })) {
    const s: UpgradeSubTask = sub;
    void s;
  }
  const onePage: UpgradeTaskPage = await client.queryUpgradeTaskList({ operationStatus: "wait", pageNo: 1 });
  const oneSubPage: SubTaskPage = await client.queryUpgradeSubTasks("op-1", { pageSize: 100, timeoutMs: 5000 });
  void [onePage, oneSubPage];
  // @ts-expect-error the walker's items are tasks, not subtasks
  for await (const x of client.listUpgradeTasks()) { const s: UpgradeSubTask = x; void s; }
  // @ts-expect-error a client call takes no baseUrl
  await client.queryUpgradeTaskList({ baseUrl: "https://other.example" });
}

void main;
