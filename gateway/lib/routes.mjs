// Which requests the gateway forwards, and the one canonical upstream path for each.
//
// Only the read-only northbound routes exist here. The id segment is decoded once and encoded
// again by the gateway, so what reaches the platform is always exactly one segment under
// /operations/: a decoded id holding `/`, `\`, `%` (double encoding), control characters, or
// being `.` / `..` is refused, and `//`, backslashes or dot segments in the raw path match no
// route at all.

const NORTHBOUND = "/iodm/northbound/v1.5.0/operations";
const MAX_ID_LENGTH = 256;

/** The route names used in logs and metrics. */
export const ROUTES = Object.freeze({ task: "task", tasks: "tasks", subtasks: "subtasks" });

function canonicalId(raw) {
  if (raw === "" || !/^[A-Za-z0-9\-._~!$&'()*+,;=:@%]+$/.test(raw)) return null;
  let id;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (id === "." || id === ".." || id.length > MAX_ID_LENGTH || /[/\\%\0-\x1f\x7f]/.test(id) || id.isWellFormed?.() === false) return null;
  return encodeURIComponent(id);
}

/** The query string, re-serialised so only plain name=value pairs travel ("" when none). */
function canonicalQuery(raw) {
  if (raw === "") return "";
  const q = new URLSearchParams(raw).toString();
  return q === "" ? "" : `?${q}`;
}

/**
 * Matches a request path against the forwarded routes.
 * @param {string} path the raw path (no query)
 * @param {string} query the raw query (no "?")
 * @returns {{ route: string, upstreamPath: string } | null}
 */
export function matchRoute(path, query) {
  if (path === NORTHBOUND) return { route: ROUTES.tasks, upstreamPath: `${NORTHBOUND}${canonicalQuery(query)}` };
  const shape = taskRouteShape(path);
  const id = shape && canonicalId(shape.rawId);
  if (!id) return null;
  const suffix = shape.route === ROUTES.subtasks ? "/subOperations" : "";
  return { route: shape.route, upstreamPath: `${NORTHBOUND}/${id}${suffix}${canonicalQuery(query)}` };
}

/**
 * Whether a path is the gateway's to answer: its own /healthz and /metrics, a forwarded task
 * route, or one of a task route's shape whose id it refuses. As middleware, every other request
 * (`…/operations/a/b/c` too) goes on to the app untouched.
 * @param {string} path the raw path (no query)
 */
export function gatewayPath(path) {
  // A task route's shape with an id segment is either forwarded (matchRoute) or refused
  // (refusedIdRoute): no need to decode the id here as well.
  return path === "/healthz" || path === "/metrics" || path === NORTHBOUND || (taskRouteShape(path)?.rawId ?? "") !== "";
}

/** A path of the task or subtasks route's shape: the route and its raw (still encoded) id segment; null otherwise. */
function taskRouteShape(path) {
  if (!path.startsWith(`${NORTHBOUND}/`)) return null;
  const rest = path.slice(NORTHBOUND.length + 1).split("/");
  if (rest.length > 2 || (rest.length === 2 && rest[1] !== "subOperations")) return null;
  return { route: rest.length === 2 ? ROUTES.subtasks : ROUTES.task, rawId: rest[0] };
}

/**
 * The route a path not forwarded was meant for, when it has a task route's shape but its id
 * segment cannot travel as one segment (see above): the gateway then refuses that id (400)
 * rather than saying the route does not exist. Null otherwise.
 * @param {string} path the raw path (no query)
 * @returns {string | null}
 */
export function refusedIdRoute(path) {
  const shape = taskRouteShape(path);
  return shape !== null && shape.rawId !== "" && canonicalId(shape.rawId) === null ? shape.route : null;
}
