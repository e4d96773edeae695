// iot-upgrade-task-gateway: the server-side piece a web console of the Huawei IoT platform
// needs. The app secret and client certificate stay here; consoles authenticate with console
// keys; one platform token and the platform's rate serve every console.
//
//   import http from "node:http";
//   import { createGateway } from "iot-upgrade-task-gateway";
//   const gateway = createGateway({ upstream: "https://iot.example.com:8743", appId, secret,
//     cert, key, ca, consoleKeys: [process.env.CONSOLE_KEY], origins: ["https://console.example.com"] });
//   http.createServer(gateway).listen(8744);

export { createGateway, GatewayAnswer } from "./lib/gateway.mjs";
export { GatewayConfigError, DEFAULTS, parseRate } from "./lib/config.mjs";
export { createMemoryStore, RateLimited } from "./lib/store.mjs";
export { createRedisStore, redisNamespace } from "./lib/redis-store.mjs";
export { LOG_OPTIONS, REDACT_PATHS } from "./lib/observe.mjs";
export { matchRoute } from "./lib/routes.mjs";
