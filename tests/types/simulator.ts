// Compiled with `tsc --strict --noEmit` in `make test` (tsconfig.simulator.json): the
// simulator's declarations must say exactly what index.mjs returns. Each @ts-expect-error line
// fails the build if a type became too loose.
import type { AddressInfo } from "node:net";
import {
  OPERATION_LIST_PATH,
  SUBTASK_STATUSES,
  deviceProgress,
  progressState,
  startSimulator,
  normalizeOptions,
  parseFault,
  FaultSyntaxError,
  isMalformedId,
  platformTime,
  PLATFORM_ERRORS,
  DEFAULT_APP,
  type FaultRecord,
  type NormalizedSimulatorOptions,
  type RequestLogEntry,
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

// The node:http server itself, and the normalised options.
const address: AddressInfo | string | null = sim.server.address();
const listening: boolean = sim.server.listening;
const options: NormalizedSimulatorOptions = sim.options;
const throttle: { calls: number; perMs: number } | false = sim.options.throttle;
const totalName: "totalCount" | "totalSize" = options.totalField;

// Records and booleans, not `unknown`.
const id: string = armed.id;
const remaining: number | null = armed.remaining;
const listed: FaultRecord[] = sim.faults();
const cleared: number = sim.clearFaults();
const ok: boolean = sim.deleteTask("fw-now-devices");
const kinds: ("static" | "progress" | "stored")[] = sim.tasks().map((task) => task.kind);
const firstRequest: RequestLogEntry | undefined = sim.requests()[0];
const status: number | null | undefined = firstRequest?.status;
const verdict: string | null | undefined = firstRequest?.auth;

// The helpers exported beside startSimulator.
const parsed: { text: string; delayMs: number } = parseFault("delay=5");
const time: string = platformTime(0);
const malformed: boolean = isMalformedId("a/b");
const code: string = PLATFORM_ERRORS.notFound.code;
const app: string = DEFAULT_APP.appId;
const normal: NormalizedSimulatorOptions = normalizeOptions({ prefix: "/iot" });
const syntax: Error = new FaultSyntaxError("x");

// @ts-expect-error deleteTask answers whether a task was removed, not a record
const notRecord: FaultRecord = sim.deleteTask("x");
// @ts-expect-error faults() are records with a string id
const numericId: number = sim.faults()[0]!.id;
// @ts-expect-error a task's kind is one of three words
const wrongKind: "seeded" = sim.tasks()[0]!.kind;
// @ts-expect-error the options are read-only
sim.options = normal;

await sim.close();
void [address, listening, throttle, totalName, id, remaining, listed, cleared, ok, kinds, status, verdict];
void [parsed, time, malformed, code, app, syntax, notRecord, numericId, wrongKind];
export { s, route, total, count, first, wrong, statuses, n };
