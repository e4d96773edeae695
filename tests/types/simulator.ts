import { startSimulator, type Simulator } from "../../simulator/index.mjs";
const sim: Simulator = await startSimulator({ port: 0, throttle: false, progressMs: 1000 });
const t = sim.login();
const s: string = t.accessToken + sim.baseUrl;
sim.setFault("delay=10", { count: 1 });
await sim.close();
export { s };
