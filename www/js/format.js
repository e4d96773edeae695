// Words and numbers for people: labels of the product's enums, local times, relative times.

// How many devices are done, by the package's own rule (the one its CLI prints): the file ships
// in the package beside index.js, and is no export of it.
import { devicesDone, percentDone } from "../pkg/table.js";

export const STATUS_LABELS = Object.freeze({
  wait: "Waiting",
  processing: "Processing",
  success: "Success",
  failed: "Failed",
  stop: "Stopped",
});

/** Statuses after which a task never changes. */
export const FINAL_STATUSES = new Set(["success", "failed", "stop"]);

export const OPERATE_TYPE_LABELS = Object.freeze({
  firmware_upgrade: "Firmware upgrade",
  software_upgrade: "Software upgrade",
});

export const EXECUTE_TYPE_LABELS = Object.freeze({
  now: "Immediately",
  device_online: "When each device comes online",
  custom: "In a custom time window",
});

/** The staResult buckets in the order the progress bar stacks them. */
export const BUCKETS = Object.freeze([
  { key: "success", label: "Success" },
  { key: "fail", label: "Failed" },
  { key: "timeout", label: "Timed out" },
  { key: "stop", label: "Stopped" },
  { key: "processing", label: "Processing" },
  { key: "wait", label: "Waiting" },
]);

export const ERROR_TITLES = Object.freeze({
  invalid_argument: "Check the input",
  bad_request: "The platform refused the request",
  page_limit: "Page limit exceeded",
  throttled: "Too many requests",
  unauthorized: "Not authorised",
  not_found: "Task not found",
  server: "The platform had an error",
  http: "Unexpected answer from the platform",
  network: "No answer from the gateway or the platform",
  timeout: "The request timed out",
  aborted: "Cancelled",
  invalid_response: "The platform's answer breaks its documented format",
});

export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const integer = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });

/** "Mar 1, 2024, 09:00:00 CET" in the viewer's time zone. */
export const localTime = (ms) => dateTime.format(ms);
/** "09:00:05" */
export const clockTime = (ms) => clock.format(ms);
export const count = (n) => integer.format(n);

export { devicesDone };
/**
 * "4 of 10 devices done (40%)", as the CLI counts: upgraded, failed and timed-out devices are
 * done, stopped ones are not, and the percentage is rounded down (399 of 400 is 99 %, never
 * 100 % before the task is).
 */
export const devicesDoneText = (s) => `${count(devicesDone(s))} of ${count(s.total)} devices done (${percent.format(percentDone(s) / 100)})`;

const UNITS = [
  ["year", 365 * 24 * 3600e3],
  ["month", 30 * 24 * 3600e3],
  ["week", 7 * 24 * 3600e3],
  ["day", 24 * 3600e3],
  ["hour", 3600e3],
  ["minute", 60e3],
  ["second", 1e3],
];

/** "3 minutes ago", "in 5 years", "now". */
export function relativeTime(ms, now = Date.now()) {
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs < 10e3) return relative.format(0, "second");
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === "second") return relative.format(Math.round(diff / size), unit);
  }
  return "";
}

/** A duration in words: "14 min 7 s". */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const parts = [];
  if (d) parts.push(`${d} d`);
  if (hh) parts.push(`${hh} h`);
  if (mm && !d) parts.push(`${mm} min`);
  if (!d && !hh) parts.push(`${ss} s`);
  return parts.join(" ");
}

/** Parses the product's ISO-8601 UTC time; NaN when it is not one. */
export function parseIso(iso) {
  return typeof iso === "string" ? Date.parse(iso) : Number.NaN;
}
