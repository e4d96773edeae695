// The two paged list endpoints: reading their query strings the way the platform
// checks them, and writing their pages ({data, pageNo, pageSize, totalCount}).

import { PLATFORM_ERRORS } from "./platform.mjs";
import { SUBTASK_STATUSES } from "./subtasks.mjs";

/** Values of the task list's `operationType` filter. */
export const OPERATION_TYPES = Object.freeze(["firmware_upgrade", "software_upgrade"]);
/** Values of the task list's `operationStatus` filter (tasks say `failed`). */
export const OPERATION_STATUSES = Object.freeze(["wait", "processing", "failed", "success", "stop"]);
/** The task list's free-text filters (each at most {@link FILTER_MAX_LENGTH} characters). */
export const STRING_FILTERS = Object.freeze(["deviceType", "model", "manufacturerName", "deviceId"]);
export const FILTER_MAX_LENGTH = 256;
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
/** The largest pageNo accepted (a Java int, as the platform's SDKs send it). */
export const MAX_PAGE_NO = 2147483647;
/** Names the page total can be given under: the API reference's, or the Java/PHP SDKs'. */
export const TOTAL_FIELDS = Object.freeze(["totalCount", "totalSize"]);

class QueryError extends Error {
  constructor(error) {
    super(error.desc);
    this.error = error;
  }
}

/** The first value of a parameter; an empty value counts as absent. */
function param(q, name) {
  const v = q.get(name);
  return v === null || v === "" ? undefined : v;
}

function integer(q, name, min, max, fallback) {
  const v = param(q, name);
  if (v === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(v)) throw new QueryError(PLATFORM_ERRORS.badRequest);
  const n = Number(v);
  if (!(n >= min && n <= max)) throw new QueryError(PLATFORM_ERRORS.pageLimit);
  return n === 0 ? 0 : n; // no -0
}

function oneOf(q, name, values) {
  const v = param(q, name);
  if (v !== undefined && !values.includes(v)) throw new QueryError(PLATFORM_ERRORS.badRequest);
  return v;
}

function paging(q) {
  return {
    pageNo: integer(q, "pageNo", 0, MAX_PAGE_NO, 0),
    pageSize: integer(q, "pageSize", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
  };
}

function read(fn) {
  try {
    return { ok: true, ...fn() };
  } catch (err) {
    if (err instanceof QueryError) return { ok: false, error: err.error };
    throw err;
  }
}

/**
 * The task list's query string → `{ok: true, filter, pageNo, pageSize}`, or
 * `{ok: false, error}` (one of PLATFORM_ERRORS): a value outside an enum, a filter
 * over 256 characters or a paging value that is no integer is 400/120015; an integer
 * pageNo < 0 or > 2^31-1, or pageSize outside 1–100, is 400/123029. Filters first.
 */
export function readTaskQuery(query) {
  const q = new URLSearchParams(query);
  return read(() => {
    const filter = {
      operationType: oneOf(q, "operationType", OPERATION_TYPES),
      operationStatus: oneOf(q, "operationStatus", OPERATION_STATUSES),
    };
    for (const name of STRING_FILTERS) {
      const v = param(q, name);
      if (v !== undefined && v.length > FILTER_MAX_LENGTH) throw new QueryError(PLATFORM_ERRORS.badRequest);
      filter[name] = v;
    }
    return { filter, ...paging(q) };
  });
}

/** The subtask list's query string → `{ok: true, status, pageNo, pageSize}` or `{ok: false, error}`. */
export function readSubtaskQuery(query) {
  const q = new URLSearchParams(query);
  return read(() => ({ status: oneOf(q, "subOperationStatus", SUBTASK_STATUSES), ...paging(q) }));
}

/**
 * Page `pageNo` of the items `matches` picks out of `count` items.
 * @param {number} count
 * @param {(i: number) => boolean} matches
 * @returns {{ indexes: number[], totalCount: number }}
 */
export function pick(count, matches, pageNo, pageSize) {
  const from = pageNo * pageSize;
  const indexes = [];
  let totalCount = 0;
  for (let i = 0; i < count; i++) {
    if (!matches(i)) continue;
    if (totalCount >= from && indexes.length < pageSize) indexes.push(i);
    totalCount += 1;
  }
  return { indexes, totalCount };
}

/**
 * A page's JSON: the items' texts spliced in verbatim (a stored item keeps its exact
 * bytes: big numbers, key order, odd shapes), then the paging fields.
 */
export function pageText(itemTexts, { pageNo, pageSize, totalCount, totalField }) {
  return `{"data":[${itemTexts.join(",")}],"pageNo":${pageNo},"pageSize":${pageSize},${JSON.stringify(totalField)}:${totalCount}}`;
}
