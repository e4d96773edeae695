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
  setFault(spec: string | FaultSpec, more?: Omit<FaultSpec, "fault">): unknown;
  clearFaults(): number;
  faults(): unknown[];
  /** Stores a task: a string or Buffer is served verbatim, anything else as JSON. */
  setTask(id: string, body: unknown, options?: { description?: string }): void;
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
