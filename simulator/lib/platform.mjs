// The platform's own words: error codes, texts and the timestamp format.
//
// Texts marked "seed" are verbatim from the platform's API reference for
// queryUpgradeTask (shared/spec/seed-query-upgrade-task.txt). The others are
// the simulator's choice for endpoints that reference does not cover; they
// keep the platform's shape {"error_code": "...", "error_desc": "..."}.

export const PLATFORM_ERRORS = Object.freeze({
  badRequest: Object.freeze({ status: 400, code: "120015", desc: "Bad request error." }), // seed
  pageLimit: Object.freeze({ status: 400, code: "123029", desc: "pageNo or pageSize beyond the limit." }), // seed
  throttled: Object.freeze({ status: 403, code: "1010009", desc: "app throttle exceed." }), // seed
  invalidToken: Object.freeze({ status: 403, code: "1010005", desc: "App_key or access_token is invalid." }), // seed
  notFound: Object.freeze({ status: 404, code: "123009", desc: "The requested task does not exist." }), // seed
  // Login / refresh failures (authentication API).
  badCredentials: Object.freeze({ status: 400, code: "100208", desc: "AppId or secret is not right." }),
  invalidInput: Object.freeze({ status: 400, code: "100022", desc: "The input is invalid." }),
  invalidRefreshToken: Object.freeze({ status: 401, code: "1010005", desc: "App_key or access_token is invalid." }),
  internal: Object.freeze({ status: 500, code: "50252", desc: "Internal server error." }),
});

/** error_code → error_desc, for faults that name a code (`status=403;code=1010009`). */
export const KNOWN_DESCRIPTIONS = Object.freeze(
  Object.fromEntries(Object.values(PLATFORM_ERRORS).map((e) => [e.code, e.desc])),
);

export const JSON_TYPE = "application/json;charset=UTF-8";

/** The platform's error body, as text. */
export function errorBody(code, desc) {
  return JSON.stringify({ error_code: code, error_desc: desc });
}

/** A ready answer ({status, headers, body}) for one of PLATFORM_ERRORS. */
export function platformAnswer(error, extraHeaders = {}) {
  return {
    status: error.status,
    headers: { "content-type": JSON_TYPE, ...extraHeaders },
    body: errorBody(error.code, error.desc),
  };
}

/** The default platform error for an HTTP status, used by the `status=<code>` fault. */
export function errorForStatus(status) {
  if (status === 400) return PLATFORM_ERRORS.badRequest;
  if (status === 401 || status === 403) return PLATFORM_ERRORS.invalidToken;
  if (status === 404) return PLATFORM_ERRORS.notFound;
  if (status === 429) return PLATFORM_ERRORS.throttled;
  if (status >= 500) return PLATFORM_ERRORS.internal;
  return { status, code: String(status), desc: "Simulated error." };
}

/** Milliseconds since the epoch → the platform's `yyyyMMdd'T'HHmmss'Z'` (UTC). */
export function platformTime(ms) {
  const iso = new Date(ms).toISOString(); // 2015-12-12T12:12:12.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * A task's time in ms since the epoch, for ordering the list and placing subtask times:
 * the platform's `yyyyMMdd'T'HHmmss'Z'`, else whatever `Date.parse` reads (RFC 3339 with an
 * offset or a space); NaN when neither reads it. Not a validator: the package validates.
 */
export function parseTime(text) {
  if (typeof text !== "string") return NaN;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : Date.parse(text);
}
