// A module worker: the same call, off the main thread, posting plain data back.
import { roundTrip } from "./roundtrip.js";

self.addEventListener("message", async (event) => {
  self.postMessage(await roundTrip(event.data));
});
