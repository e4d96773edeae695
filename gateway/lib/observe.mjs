// Logs (pino, secrets redacted by configuration) and metrics (prom-client, one registry per
// gateway so two gateways in one process never share or clash).

import pino from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Every place a secret could sit in a logged object; pino replaces them with "[redacted]". */
export const REDACT_PATHS = Object.freeze([
  "secret",
  "token",
  "accessToken",
  "refreshToken",
  "consoleKey",
  "consoleKeys",
  "key",
  "cert",
  "authorization",
  "cookie",
  "app_key",
  "*.secret",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.consoleKey",
  "*.consoleKeys",
  "*.key",
  "*.cert",
  "*.authorization",
  "*.cookie",
  "*.app_key",
  "*.headers.authorization",
  "*.headers.cookie",
  "*.headers.app_key",
]);

/** pino's options for the gateway (exported for tests and for users building their own logger). */
export const LOG_OPTIONS = Object.freeze({
  name: "iot-upgrade-task-gateway",
  redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
  base: undefined,
});

/**
 * @param {undefined | false | import("pino").Logger | import("pino").LoggerOptions} logger
 */
export function createLogger(logger) {
  if (logger === false) return pino({ ...LOG_OPTIONS, enabled: false });
  if (logger && typeof logger.info === "function" && typeof logger.child === "function") return logger;
  const { destination, ...options } = logger && typeof logger === "object" ? logger : {};
  const o = { ...LOG_OPTIONS, ...options, redact: LOG_OPTIONS.redact };
  return destination ? pino(o, destination) : pino(o);
}

/** The gateway's metrics in its own registry. */
export function createMetrics({ queueDepth, rateInUse, storeState }) {
  const registry = new Registry();
  const registers = [registry];
  if (storeState) {
    const fromState = (name, help, pick) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(pick(storeState()));
        },
      });
    fromState("iot_gateway_store_connected", "1 while the replicas share Redis, 0 in the local fallback (or still connecting).", (s) => (s.mode === "shared" ? 1 : 0));
    fromState("iot_gateway_store_fallbacks", "Switches to the local fallback since start.", (s) => s.fallbacks);
    fromState("iot_gateway_store_lock_waits", "Times a replica waited for another's login (the token lock) since start.", (s) => s.lockWaits);
    fromState("iot_gateway_store_budget_waits", "Times a call waited for the shared rate window since start.", (s) => s.budgetWaits);
  }
  return {
    registry,
    requests: new Counter({ name: "iot_gateway_requests_total", help: "Requests answered, by route and status.", labelNames: ["route", "status"], registers }),
    upstreamCalls: new Counter({ name: "iot_gateway_upstream_calls_total", help: "Calls sent to the platform, by route and status (0: no answer).", labelNames: ["route", "status"], registers }),
    upstreamSeconds: new Histogram({
      name: "iot_gateway_upstream_seconds",
      help: "Time from sending a call to the platform to its whole answer.",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    cache: new Counter({ name: "iot_gateway_cache_total", help: "Forwarded requests by how they were answered: hit (cache), coalesced (shared an in-flight call), miss (own call).", labelNames: ["result"], registers }),
    logins: new Counter({ name: "iot_gateway_logins_total", help: "Logins and token refreshes at the platform, by outcome.", labelNames: ["type", "result"], registers }),
    throttled: new Counter({ name: "iot_gateway_throttled_total", help: "Throttled answers: by the gateway (429, its queue wait ran out) or by the platform (1010009).", labelNames: ["source"], registers }),
    queueDepth: new Gauge({
      name: "iot_gateway_queue_depth",
      help: "Callers waiting for a slot of the platform's rate.",
      registers,
      collect() {
        this.set(queueDepth());
      },
    }),
    rateInUse: new Gauge({
      name: "iot_gateway_rate_window_calls",
      help: "Calls counted in the platform's current window (in flight or answered within it).",
      registers,
      collect() {
        this.set(rateInUse());
      },
    }),
  };
}
