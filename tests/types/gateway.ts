// Compile-only check of iot-upgrade-task-gateway's types (tsc --strict), as a user writes them.
import http from "node:http";
import { createGateway, createMemoryStore, GatewayAnswer, type Gateway, type GatewayClock, type GatewayConfig, type GatewayStore, RateLimited } from "iot-upgrade-task-gateway";

const config: GatewayConfig = {
  upstream: "https://iot.example.com:8743",
  appId: "app",
  secret: process.env.IOT_SECRET ?? "",
  cert: Buffer.from(""),
  key: "",
  consoleKeys: ["0123456789abcdef"],
  origins: ["https://console.example.com"],
  cacheMs: 1000,
  rate: "100/60000",
  maxWaitMs: 10000,
  authorize: async (req) => req.headers.cookie === "session=ok",
  logger: { level: "warn" },
};
const gateway: Gateway = createGateway(config);
http.createServer(gateway).listen(8744);
const store: GatewayStore = createMemoryStore({ rate: { calls: 100, perMs: 60000 } });
createGateway({ ...config, store, logger: false });
const metricsText: Promise<string> = gateway.metrics.metrics();
const closed: Promise<void> = gateway.close();
const e = new RateLimited(1000);
const ms: number = e.retryAfterMs;
void [metricsText, closed, ms];
// @ts-expect-error the secret is required
createGateway({ upstream: "https://x", appId: "a", consoleKeys: [] });
// @ts-expect-error a way in is required: consoleKeys, authorize, or both
createGateway({ upstream: "https://x", appId: "a", secret: "s" });
createGateway({ upstream: "https://x", appId: "a", secret: "s", authorize: () => true });
createGateway({ upstream: "https://x", appId: "a", secret: "s", consoleKeys: ["0123456789abcdef"] });
// A gateway's own answer, as a custom store may throw it (the platform's error shape).
const answer = new GatewayAnswer(502, "GW.UPSTREAM", "the platform is down", { "retry-after": "5" });
const answerStatus: number = answer.status;
void answerStatus;
createGateway({ ...config, store: "redis://127.0.0.1:6379/0", replicas: 3 });
// One clock for every time-dependent decision (a virtual one in tests).
let virtual = 0;
const clock: GatewayClock = { now: () => virtual, setTimeout: (callback: () => void, ms: number) => ({ callback, at: virtual + ms }), clearTimeout: () => {} };
createGateway({ ...config, clock });
createGateway({ ...config, clock: { now: () => virtual } });
createMemoryStore({ rate: { calls: 1, perMs: 1000 }, clock });
virtual += 1;
// @ts-expect-error a clock tells the time
createGateway({ ...config, clock: { setTimeout: () => 0, clearTimeout: () => {} } });
