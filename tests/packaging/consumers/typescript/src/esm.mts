// Node ESM (`import`), compiled by tsc and then run: a real round trip against the simulator.
import { queryUpgradeTask, UpgradeTaskError } from "iot-upgrade-task";
import { roundTrip, type Settings } from "./usage.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const settings: Settings = { baseUrl: env("IUT_BASE_URL"), appKey: env("IUT_APP_KEY"), token: env("IUT_TOKEN") };
const result = await roundTrip(settings, env("IUT_TASK_ID"), env("IUT_MISSING_ID"));
const fn: typeof queryUpgradeTask = queryUpgradeTask;
console.log(JSON.stringify({ ...result, entryKind: typeof fn, errorClass: UpgradeTaskError.name }));
