import { UpgradeTaskError } from "iot-upgrade-task";
import roundTripViaRequire from "./roundtrip-require.cjs";
import { readParams, roundTrip, roundTripInWorker, show } from "./roundtrip.js";

const params = readParams(location.search);
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });

Promise.all([roundTrip(params), roundTripInWorker(worker, params), roundTripViaRequire(params, UpgradeTaskError)]).then(
  ([page, inWorker, viaRequire]) => show({ page, worker: inWorker, viaRequire }),
);
