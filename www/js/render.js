// Rendering a task and an error. Data only ever reaches the page as text nodes (see dom.js).

import { append, dataText, escapeInvisibleJson, h, replaceChildren } from "./dom.js";
import {
  BUCKETS,
  ERROR_TITLES,
  EXECUTE_TYPE_LABELS,
  fieldName,
  FINAL_STATUSES,
  OPERATE_TYPE_LABELS,
  STATUS_LABELS,
  clockTime,
  count,
  devicesDone,
  devicesDoneText,
  duration,
  localTime,
  parseIso,
  relativeTime,
  timeZone,
} from "./format.js";

/** Lists longer than this start collapsed. */
const OPEN_LIST_LIMIT = 12;

const label = (labels, value) => labels[value] ?? String(value);

/** A <time> in the viewer's local time, with its relative time and the UTC original as a tooltip. */
function timeValue(iso) {
  if (iso === null || iso === undefined) return h("span", { class: "muted", text: "—" });
  const ms = parseIso(iso);
  if (Number.isNaN(ms)) return dataText(iso);
  return h(
    "span",
    { class: "when" },
    h("time", { datetime: iso, title: `${iso} (UTC)`, text: localTime(ms) }),
    " ",
    h("span", { class: "relative", "data-time": String(ms), text: `(${relativeTime(ms)})` }),
  );
}

/** Refreshes every relative time under `root` ("3 minutes ago" keeps ticking). */
export function refreshRelativeTimes(root, now = Date.now()) {
  for (const el of root.querySelectorAll(".relative[data-time]")) {
    el.textContent = `(${relativeTime(Number(el.dataset.time), now)})`;
  }
}

function definitionList(rows, className = "pairs") {
  const dl = h("dl", { class: className });
  for (const [term, value] of rows) {
    if (value === undefined) continue;
    append(dl, [h("div", { class: "pair" }, h("dt", { text: term }), h("dd", null, value))]);
  }
  return dl;
}

function card(title, ...body) {
  return h("section", { class: "card" }, h("h3", { text: title }), ...body);
}

/** A collapsible list of names: open when short, collapsed (with its count) when long. */
function nameList(title, names, key) {
  const list = h("ul", { class: "names", "data-list": key });
  for (const name of names) list.append(h("li", null, dataText(name)));
  const details = h("details", { class: "names-box", "data-list": key, open: names.length <= OPEN_LIST_LIMIT });
  details.append(h("summary", null, `${title} `, h("span", { class: "count", text: `(${count(names.length)})` })), list);
  return details;
}

function targetsCard(targets) {
  const groups = targets.deviceGroups ?? [];
  const devices = targets.devices ?? [];
  const rows = [];
  const text = (v) => (v === null ? h("span", { class: "muted", text: "—" }) : dataText(v));
  if (groups.length || targets.deviceType !== null || targets.model !== null || targets.manufacturerName !== null) {
    rows.push(["Device type", text(targets.deviceType)], ["Model", text(targets.model)], ["Manufacturer", text(targets.manufacturerName)]);
  }
  return card(
    "Targets",
    h("p", { class: "summary-line", text: `${count(groups.length)} device group${groups.length === 1 ? "" : "s"}, ${count(devices.length)} device${devices.length === 1 ? "" : "s"}` }),
    rows.length ? definitionList(rows, "pairs across") : null,
    groups.length ? nameList("Device groups", groups, "groups") : null,
    devices.length ? nameList("Devices", devices, "devices") : null,
  );
}

function policyCard(policy) {
  const rows = [["Executes", label(EXECUTE_TYPE_LABELS, policy.executeType)]];
  if (policy.startTime !== null || policy.endTime !== null || policy.executeType === "custom") {
    rows.push(["Window opens", timeValue(policy.startTime)], ["Window closes", timeValue(policy.endTime)]);
  }
  const retry = policy.retryType
    ? `Yes, up to ${policy.retryTimes ?? "?"} time${policy.retryTimes === 1 ? "" : "s"}`
    : "No";
  rows.push(["Retries failed devices", retry]);
  return card("Policy", definitionList(rows));
}

function timesCard(task) {
  const rows = [
    ["Created", timeValue(task.createTime)],
    ["Started", timeValue(task.startTime)],
    ["Stopped", timeValue(task.stopTime)],
  ];
  const start = parseIso(task.startTime);
  const stop = parseIso(task.stopTime);
  if (!Number.isNaN(start) && !Number.isNaN(stop) && stop >= start) rows.push(["Ran for", duration(stop - start)]);
  return card("Times", h("p", { class: "muted small", text: `Shown in your time zone (${timeZone}); hover for UTC.` }), definitionList(rows));
}

function extendValue(value) {
  if (value === null) return h("span", { class: "muted", text: "—" });
  if (typeof value === "string") return dataText(value);
  return h("code", { class: "json" }, dataText(JSON.stringify(value)));
}

function extendCard(extendPara) {
  const rows = [["File version", extendValue(extendPara.fileVersion ?? null)]];
  for (const [key, value] of Object.entries(extendPara)) {
    if (key === "fileVersion") continue;
    rows.push([null, extendValue(value), key]);
  }
  const dl = h("dl", { class: "pairs" });
  for (const [term, value, rawKey] of rows) {
    dl.append(h("div", { class: "pair" }, h("dt", null, term ?? h("code", null, dataText(rawKey))), h("dd", null, value)));
  }
  return card("Extended parameters", dl);
}

/** The stacked progress bar; kept across updates so its segments animate. */
class ProgressView {
  constructor() {
    this.segments = new Map();
    this.legendValues = new Map();
    this.bar = h("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-labelledby": "progress-title" });
    for (const b of BUCKETS) {
      const seg = h("div", { class: `seg seg-${b.key}`, "data-bucket": b.key });
      this.segments.set(b.key, seg);
      this.bar.append(seg);
    }
    this.headline = h("p", { class: "progress-headline" });
    const legend = h("ul", { class: "legend" });
    for (const b of BUCKETS) {
      const value = h("span", { class: "legend-count", "data-count": b.key });
      this.legendValues.set(b.key, value);
      legend.append(h("li", { class: `legend-item legend-${b.key}` }, h("span", { class: "swatch", "aria-hidden": "true" }), h("span", { class: "legend-label", text: b.label }), value));
    }
    this.root = h("section", { class: "card progress-card" }, h("h3", { id: "progress-title", text: "Device progress" }), this.headline, this.bar, legend);
  }

  update(sta) {
    const total = sta.total;
    const done = devicesDone(sta);
    for (const b of BUCKETS) {
      const n = sta[b.key];
      const seg = this.segments.get(b.key);
      seg.style.width = total > 0 ? `${(100 * n) / total}%` : "0%";
      seg.title = `${b.label}: ${count(n)}`;
      const value = this.legendValues.get(b.key);
      value.textContent = count(n);
      value.parentElement.classList.toggle("zero", n === 0);
    }
    this.bar.setAttribute("aria-valuemax", String(total));
    this.bar.setAttribute("aria-valuenow", String(done));
    const summary = total > 0 ? devicesDoneText(sta) : "No devices counted yet";
    this.bar.setAttribute("aria-valuetext", summary);
    this.headline.textContent = summary;
  }
}

/** The task panel. `update(task)` re-renders in place, so watching animates instead of flashing. */
export class TaskView {
  constructor(container) {
    this.container = container;
    this.operationId = null;
    this.rawOpen = false;
  }

  clear() {
    this.operationId = null;
    this.fetchedAt = null;
    replaceChildren(this.container);
    this.container.hidden = true;
  }

  /**
   * Marks the task on screen as an earlier answer (a watch or a query of it failed since):
   * a note above it, the panel dimmed, no "watching" look. The next update() clears it.
   */
  markStale(text) {
    if (!this.progress) return;
    this.staleNote.textContent = text;
    this.staleNote.hidden = false;
    this.container.dataset.stale = "true";
    this.container.classList.remove("watching");
  }

  update(task, { fetchedAt = Date.now(), watching = false } = {}) {
    if (this.operationId !== task.operationId || !this.progress) this.#build(task);
    this.badge.dataset.status = task.status;
    this.badge.textContent = label(STATUS_LABELS, task.status);
    this.type.textContent = label(OPERATE_TYPE_LABELS, task.operateType);
    this.progress.update(task.staResult);
    this.container.dataset.status = task.status;
    this.container.classList.toggle("watching", watching && !FINAL_STATUSES.has(task.status));

    const json = escapeInvisibleJson(JSON.stringify(task, null, 2));
    this.#section("times", timesCard(task), JSON.stringify([task.createTime, task.startTime, task.stopTime]));
    this.#section("policy", policyCard(task.policy), JSON.stringify(task.policy));
    this.#section("targets", targetsCard(task.targets), JSON.stringify(task.targets));
    this.#section("extend", extendCard(task.extendPara), JSON.stringify(task.extendPara));
    this.raw.textContent = json;
    this.fetched.textContent = `Fetched at ${clockTime(fetchedAt)}`;
    this.fetchedAt = fetchedAt;
    this.staleNote.hidden = true;
    this.staleNote.textContent = "";
    delete this.container.dataset.stale;
    this.container.hidden = false;
  }

  /** Replaces one section only when its data changed (keeps open lists open and focus in place). */
  #section(name, node, fingerprint) {
    const slot = this.slots[name];
    if (slot.dataset.fingerprint === fingerprint) return;
    slot.dataset.fingerprint = fingerprint;
    // Keep the open/closed state of the lists the user toggled.
    const open = new Map([...slot.querySelectorAll("details[data-list]")].map((d) => [d.dataset.list, d.open]));
    replaceChildren(slot, node);
    for (const d of slot.querySelectorAll("details[data-list]")) if (open.has(d.dataset.list)) d.open = open.get(d.dataset.list);
  }

  #build(task) {
    this.operationId = task.operationId;
    this.badge = h("span", { class: "badge", id: "task-status" });
    this.type = h("p", { class: "eyebrow" });
    this.title = h("h2", { id: "task-title", tabindex: "-1" }, dataText(task.operationId));
    this.progress = new ProgressView();
    this.slots = { times: h("div", { class: "slot" }), policy: h("div", { class: "slot" }), targets: h("div", { class: "slot slot-wide" }), extend: h("div", { class: "slot" }) };
    this.raw = h("pre", { id: "raw-json", class: "raw", hidden: !this.rawOpen, tabindex: "0", "aria-label": "The task as JSON" });
    const rawButton = h("button", { type: "button", class: "secondary", "aria-expanded": String(this.rawOpen), "aria-controls": "raw-json", id: "raw-toggle" });
    const setRaw = (open) => {
      this.rawOpen = open;
      this.raw.hidden = !open;
      rawButton.setAttribute("aria-expanded", String(open));
      rawButton.textContent = open ? "Hide raw JSON" : "Show raw JSON";
    };
    setRaw(this.rawOpen);
    rawButton.addEventListener("click", () => setRaw(!this.rawOpen));
    this.fetched = h("p", { class: "muted small fetched" });
    this.staleNote = h("p", { class: "stale-note note-warn", id: "task-stale", role: "note", hidden: true });
    replaceChildren(
      this.container,
      this.staleNote,
      h("header", { class: "task-head" }, h("div", { class: "task-name" }, this.type, this.title), this.badge),
      this.progress.root,
      h("div", { class: "task-grid" }, this.slots.times, this.slots.policy, this.slots.extend, this.slots.targets),
      h("div", { class: "raw-box" }, h("div", { class: "raw-bar" }, rawButton, this.fetched), this.raw),
    );
  }
}

/**
 * The error card, from an UpgradeTaskError (or anything thrown): kind, HTTP status, platform
 * code and text, hint, problems. `redact` removes secrets from every text shown. `hint`: the
 * console's own "What to do" (the package's hint then stays visible under "Full message").
 */
export function errorCard(err, { context = "", redact = (s) => s, hint = null } = {}) {
  const kind = typeof err?.kind === "string" ? err.kind : "unexpected";
  const title = ERROR_TITLES[kind] ?? "Something went wrong";
  const text = (v) => dataText(redact(String(v)));
  const none = () => h("span", { class: "muted", text: "—" });
  const rows = [
    ["Kind", h("code", { class: "kind" }, kind)],
    ["HTTP status", err?.httpStatus ?? none()],
    ["Platform code", err?.errorCode ? h("code", null, text(err.errorCode)) : none()],
    ["Platform text", err?.errorDesc ? text(err.errorDesc) : none()],
    ["Retry may help", err?.retryable ? "Yes" : "No"],
  ];
  const dl = h("dl", { class: "pairs error-pairs" });
  for (const [term, value] of rows) dl.append(h("div", { class: "pair" }, h("dt", { text: term }), h("dd", { "data-field": term.toLowerCase().replaceAll(" ", "-") }, value)));
  const problems = Array.isArray(err?.problems) && err.problems.length
    ? h(
        "div",
        { class: "problems" },
        h("h4", { text: `Problems (${err.problems.length})` }),
        h("ul", null, err.problems.slice(0, 50).map((p) => h("li", null, h("code", null, text(p?.path ? fieldName(p.path) : "(body)")), " ", text(p?.message ?? "")))),
        err.problems.length > 50 ? h("p", { class: "muted small", text: `…and ${err.problems.length - 50} more` }) : null,
      )
    : null;
  return h(
    "div",
    { class: "error-card", "data-kind": kind },
    h("h2", { class: "error-title" }, context ? `${context}: ${title}` : title),
    hint || err?.hint ? h("p", { class: "hint" }, h("strong", { text: "What to do: " }), text(hint || err.hint)) : null,
    dl,
    problems,
    err?.message || (hint && err?.hint)
      ? h(
          "details",
          { class: "error-message" },
          h("summary", { text: "Full message" }),
          err?.message ? h("p", { class: "message" }, text(err.message)) : null,
          hint && err?.hint ? h("p", { class: "package-hint" }, h("strong", { text: "The package's hint: " }), text(err.hint)) : null,
        )
      : null,
  );
}
