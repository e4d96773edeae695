import { readParams, roundTrip, roundTripInWorker, show } from "./roundtrip.js";

const params = readParams(location.search);
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });

Promise.all([roundTrip(params), roundTripInWorker(worker, params)]).then(([page, inWorker]) => {
  show({ page, worker: inWorker });
});
