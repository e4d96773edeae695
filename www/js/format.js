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
export { FINAL_STATUSES } from "../pkg/table.js";

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

/** The package's argument paths, in the words of the console's own fields. */
const FIELD_NAMES = [
  [/^(?:options\.)?baseUrl$/, "Gateway URL"],
  [/^(?:accessToken|options\.accessToken)$/, "Console key"],
  [/^operationId$/, "Operation id"],
];
/** A `problems` path as the console's operator knows it ("Gateway URL"), else the path itself. */
export function fieldName(path) {
  for (const [re, name] of FIELD_NAMES) if (re.test(String(path))) return name;
  return String(path);
}

/** Hosts the page's Content-Security-Policy lets it reach over plain http (connect-src). */
const HTTP_HOSTS = new Set(["127.0.0.1", "localhost"]);

/**
 * The console key itself was refused: the gateway's 401 (or, straight against a simulator, the
 * platform's refusal of the access token in that field), both with code 1010005. Not any other
 * `unauthorized` (a platform 403 such as 100203, no right to an API), which is the platform's to show.
 */
export const keyRefused = (err) => err?.kind === "unauthorized" && err.errorCode === "1010005";

/**
 * "What to do" in the console's words, for the errors whose package hint speaks to a developer
 * (getAccessToken, `problems`, timeoutMs, baseUrl); null: the package's hint says it well.
 * `baseUrl`: the Gateway URL the call went to; `timeoutMs`: the console's time per query.
 */
export function consoleHint(err, { baseUrl = "", timeoutMs = null } = {}) {
  const kind = err?.kind;
  if (keyRefused(err)) {
    return "The gateway refused this console key: paste the key the gateway was started with (make demo prints a fresh one each time it starts) into the Console key field, then query again. Straight against a simulator: paste a fresh access token.";
  }
  if (kind === "unauthorized") {
    const code = typeof err.errorCode === "string" ? ` (platform error ${err.errorCode})` : "";
    return `The console key was accepted, but the platform refused this request${code}: the gateway's app may lack the right to it. Check the app's rights on the platform; the gateway's log says more.`;
  }
  if (kind === "invalid_argument") {
    const paths = (Array.isArray(err?.problems) ? err.problems : []).map((p) => fieldName(p?.path ?? ""));
    if (paths.includes("Gateway URL")) {
      return "The Gateway URL cannot be used: type the gateway's full address, such as http://127.0.0.1:8744 (no spaces, no query or fragment). Nothing was sent.";
    }
    if (paths.includes("Operation id")) return "Type the operation id of a task (the picker fills it in). Nothing was sent.";
    if (paths.includes("Console key")) return "Paste the console key into the Connection panel. Nothing was sent.";
    return null;
  }
  if (kind === "timeout") {
    const within = Number.isFinite(timeoutMs) ? ` within ${Math.round(timeoutMs / 1000)} s` : " in time";
    return `Neither the gateway nor the platform answered${within}. Retry; if it keeps happening, check that the gateway is running and can reach the platform (the gateway's log says why).`;
  }
  if (kind === "network") {
    let url = null;
    try {
      url = new URL(baseUrl);
    } catch {
      // not a URL: the package's own hint
    }
    if (url && url.protocol === "http:" && !HTTP_HOSTS.has(url.hostname)) {
      const ipv6 = url.hostname.startsWith("[");
      return `This page's security policy (CSP) lets it reach https: addresses, and plain http: only on 127.0.0.1 and localhost${ipv6 ? " (a policy cannot name an IPv6 address such as [::1])" : ""}: use http://127.0.0.1:${url.port || "PORT"} or an https: address as the Gateway URL.`;
    }
    if (url) return "No answer came from the Gateway URL: check that it is right and that the gateway is running there (it must allow this page's origin), then retry.";
  }
  return null;
}
