import {
  OPERATION_LIST_PATH,
  SUBTASK_STATUSES,
  deviceProgress,
  progressState,
  startSimulator,
  type FaultRecord,
  type Simulator,
  type SimulatorPage,
  type SimulatorSubTask,
  type SimulatorSubTaskStatus,
} from "../../simulator/index.mjs";
const sim: Simulator = await startSimulator({ port: 0, throttle: false, progressMs: 1000, totalField: "totalSize" });
const t = sim.login();
const s: string = t.accessToken + sim.baseUrl + OPERATION_LIST_PATH;
sim.setFault("delay=10", { count: 1 });
const armed: FaultRecord = sim.setFault({ fault: "status=503", route: "list", count: 2 });
const route: "task" | "list" | "subtasks" | "any" = armed.route;
// @ts-expect-error not a route
sim.setFault("reset", { route: "all" });
sim.setTask("odd", { operationId: "odd" }, { subTasks: [{ deviceId: "d" }, null] });
sim.setSubTasks("odd", null);
const total: "totalCount" | "totalSize" = sim.configure({ totalField: "totalCount" }).totalField;
// @ts-expect-error not a total name
sim.configure({ totalField: "total" });
const page = JSON.parse('{"data":[],"pageNo":0,"pageSize":10,"totalSize":0}') as SimulatorPage<SimulatorSubTask>;
const count: number = "totalCount" in page && page.totalCount !== undefined ? page.totalCount : (page.totalSize ?? 0);
const first: SimulatorSubTaskStatus | undefined = page.data[0]?.status;
// @ts-expect-error the platform spells it fail
const wrong: SimulatorSubTaskStatus = "failed";
const statuses: readonly SimulatorSubTaskStatus[] = SUBTASK_STATUSES;
const run = { outcome: "failed", total: 3, durationMs: 100, elapsedMs: 50 } as const;
const n: number = progressState(run).counts.fail + (deviceProgress(run, 0).startMs ?? 0);
await sim.close();
export { s, route, total, count, first, wrong, statuses, n };
