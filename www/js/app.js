// The console's wiring: forms, picker, query, watch. Rendering lives in render.js, the platform
// calls in platform.js. The console talks to a console gateway (iot-upgrade-task-gateway), which
// holds the app secret and the client certificate; the page holds only a console key, in its
// password field: never logged, rendered or put in a URL. (For development it can also talk
// straight to a CORS-enabled simulator, with an access token in that field.)

import { dataText, h, replaceChildren, setPager } from "./dom.js";
import { ERROR_TITLES, FINAL_STATUSES, OPERATE_TYPE_LABELS as OPERATE_LABELS, STATUS_LABELS, clockTime, consoleHint, count, devicesDoneText, keyRefused, relativeTime } from "./format.js";
import { DevicesView } from "./devices.js";
import { packageHas, queryUpgradeSubTasks, queryUpgradeTask, queryUpgradeTaskList, simulatorTasks, waitForUpgradeTask, walkSubTasks } from "./platform.js";
import { TaskView, errorCard, refreshRelativeTimes } from "./render.js";

// appKey: the gateway sends the platform's own app key, so any non-empty value does there; a
// simulator reached directly checks it (its demo app is demo-app).
const DEFAULTS = { baseUrl: "http://127.0.0.1:8744", appKey: "demo-app", pollMs: 1000, tasks: null };
const QUERY_TIMEOUT_MS = 15000;

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};

const ui = {
  connectForm: $("connect-form"),
  baseUrl: $("base-url"),
  baseUrlNote: $("base-url-note"),
  consoleKey: $("console-key"),
  session: $("session"),
  queryForm: $("query-form"),
  operationId: $("operation-id"),
  picker: $("picker"),
  pickerNote: $("picker-note"),
  queryButton: $("query-button"),
  cancelButton: $("cancel-button"),
  watchButton: $("watch-button"),
  status: $("status"),
  watchNote: $("watch-note"),
  errors: $("errors"),
  task: $("task"),
  devices: $("devices"),
  listStatus: $("list-status"),
  listType: $("list-type"),
  listPrev: $("list-prev"),
  listNext: $("list-next"),
  listPage: $("list-page"),
  listError: $("list-error"),
};

const view = new TaskView(ui.task);
const devices = new DevicesView(ui.devices, {
  fetchPage: ({ status, pageNo, pageSize, signal }) =>
    queryUpgradeSubTasks(devices.operationId, ui.consoleKey.value.trim(), { ...queryOptions(signal), pageNo, pageSize, ...(status ? { status } : {}) }),
  walk: ({ signal }) => walkSubTasks(devices.operationId, ui.consoleKey.value.trim(), queryOptions(signal)),
  onError: (err) => showError(err, "Devices"),
});
/** No task on screen: the task panel and its devices table emptied. */
function clearTask() {
  view.clear();
  devices.clear();
}
/**
 * After a failed query or watch: the task on screen stays only when it is the one asked for,
 * marked as an earlier answer ("As of 09:00:05, the watch ended: Task not found."); any
 * other task is cleared. A query and a watch do the same.
 */
function keepAsStale(operationId, what, err) {
  if (view.operationId === null || view.operationId !== operationId) {
    clearTask();
    return;
  }
  const title = ERROR_TITLES[err?.kind] ?? "Something went wrong";
  const asOf = `As of ${clockTime(view.fetchedAt)}, ${what}: ${title}.`;
  view.markStale(`${asOf} What follows is the task's last answer, not updated since.`);
  devices.markStale(asOf);
}
const hasDevices = () => packageHas("queryUpgradeSubTasks"); // an older package: no devices table
const settings = { ...DEFAULTS };
let current = null; // { controller, kind: "query" | "watch", operationId }
let generation = 0;

// ---- helpers ---------------------------------------------------------------------------

/** Removes the console key from any text before it is shown. */
function redact(text) {
  let out = String(text);
  for (const s of [ui.consoleKey.value]) {
    if (s && s.length >= 4) out = out.split(s).join("•••");
  }
  return out;
}

function announce(text) {
  ui.status.textContent = text;
}

/** An error card with the console's own "What to do" where the package's hint speaks to a developer. */
function errorCardFor(err, context) {
  return errorCard(err, { context, redact, hint: consoleHint(err, { baseUrl: ui.baseUrl.value.trim(), timeoutMs: QUERY_TIMEOUT_MS }) });
}

function showError(err, context) {
  replaceChildren(ui.errors, errorCardFor(err, context));
}

function clearError() {
  replaceChildren(ui.errors);
}

function queryOptions(signal) {
  return { baseUrl: ui.baseUrl.value.trim(), appKey: settings.appKey, timeoutMs: QUERY_TIMEOUT_MS, signal };
}

function describe(task) {
  const s = task.staResult;
  const label = STATUS_LABELS[task.status] ?? task.status;
  return s.total > 0 ? `${label}, ${devicesDoneText(s)}` : label;
}

function setBusy(kind) {
  const watching = kind === "watch";
  ui.watchButton.textContent = watching ? "Stop watching" : "Watch";
  ui.watchButton.setAttribute("aria-pressed", String(watching));
  // A running query can be cancelled (the button, or Escape); Query stays usable for another id.
  ui.cancelButton.hidden = kind !== "query";
  document.body.dataset.busy = kind ?? "";
  if (!watching) ui.watchNote.textContent = "";
}

/** Cancels the running query or watch, if any. */
function cancelCurrent() {
  if (current) {
    current.controller.abort();
    current = null;
  }
  devices.unfollow();
  generation += 1;
  setBusy(null);
}

function begin(kind, operationId) {
  cancelCurrent();
  const controller = new AbortController();
  current = { controller, kind, operationId };
  setBusy(kind);
  return { signal: controller.signal, gen: generation };
}

/** Cancels the running query (the package's `signal`): "Cancelled", no error; what was on screen stays. */
function cancelQuery() {
  if (current?.kind !== "query") return;
  const { operationId } = current;
  const hadFocus = document.activeElement === ui.cancelButton;
  cancelCurrent();
  announce(`Cancelled: ${operationId || "the task"} was not loaded.`);
  if (hadFocus) ui.queryButton.focus(); // the Cancel button is gone: focus stays beside it
}

ui.cancelButton.addEventListener("click", cancelQuery);
document.addEventListener("keydown", (event) => {
  // Not an Escape that closes an open list (a <select>): that one is the list's.
  if (event.key === "Escape" && current?.kind === "query" && !(event.target instanceof HTMLSelectElement)) {
    event.preventDefault();
    cancelQuery();
  }
});

function finish(gen) {
  if (gen !== generation) return false;
  current = null;
  setBusy(null);
  return true;
}

// ---- connection ----------------------------------------------------------------------

// Enter in the connection fields moves on to the task (the form has no submit button, so
// browsers do not submit it on Enter; nothing is ever sent from here).
ui.connectForm.addEventListener("submit", (event) => event.preventDefault());
ui.connectForm.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target instanceof HTMLInputElement) {
    event.preventDefault();
    ui.operationId.focus();
  }
});

const SESSION_HINT = ui.session.textContent;
const SESSION_NOTES = {
  ok: "Using this console key for every query.",
  refused: "This key was refused (unauthorized): paste the console key that make demo printed (straight against a simulator: a fresh access token).",
  missing: "Paste the console key here first: make demo prints it (straight against a simulator: an access token).",
};
/** The note under the key field: the hint (no key), the key in use, or why it cannot serve. */
function keyNote(state) {
  ui.session.textContent = SESSION_NOTES[state] ?? SESSION_HINT;
  ui.session.dataset.state = state === "ok" ? "ok" : state ? "error" : "";
}
/** After an answer: a refused key says so under the field (until the key is edited). */
function noteKeyOutcome(err) {
  if (keyRefused(err)) keyNote("refused");
}
const NO_KEY_YET = "No console key yet: paste it into the Connection panel.";
/** The key, or null after asking for it (a query without one would only be refused). */
function consoleKeyOrAsk() {
  const key = ui.consoleKey.value.trim();
  if (key) return key;
  keyNote("missing");
  announce(NO_KEY_YET);
  ui.consoleKey.focus();
  return null;
}
ui.consoleKey.addEventListener("input", () => {
  keyNote(ui.consoleKey.value ? "ok" : "");
  if (ui.consoleKey.value && ui.status.textContent === NO_KEY_YET) announce(""); // asked for, and given
});

// ---- the task picker: the platform's own task list ----------------------------------------

const LIST_PAGE_SIZE = 50;
let pickerController = null;
let listPageNo = 0;
/** How many pages the platform's list had at its last answer (null: none yet, or another filter). */
let listPages = null;
/** The last page asked for was refused for the console key: an accepted query lists again. */
let listRefused = false;

/** A failed page of the task list: its typed error and a Retry of the same page. */
function showListError(err) {
  const retry = h("button", { type: "button", class: "secondary small", id: "list-retry", text: "Retry" });
  retry.addEventListener("click", () => loadPicker({ refocus: true }));
  const card = errorCardFor(err, "Task list");
  card.append(h("div", { class: "actions" }, retry));
  replaceChildren(ui.listError, card);
  ui.listError.hidden = false;
}
function hideListError() {
  replaceChildren(ui.listError);
  ui.listError.hidden = true;
}

/** One page of the platform's task list (with a console key), else the demo's tasks. */
async function loadPicker({ refocus = false } = {}) {
  pickerController?.abort();
  const controller = new AbortController();
  pickerController = controller;
  const keep = ui.picker.value;
  const key = ui.consoleKey.value.trim();
  let tasks = [];
  let note = "";
  let page = null;
  if (key && packageHas("queryUpgradeTaskList")) {
    try {
      page = await queryUpgradeTaskList(key, {
        ...queryOptions(controller.signal),
        pageNo: listPageNo,
        pageSize: LIST_PAGE_SIZE,
        ...(ui.listStatus.value ? { operationStatus: ui.listStatus.value } : {}),
        ...(ui.listType.value ? { operationType: ui.listType.value } : {}),
      });
      tasks = page.tasks.map((t) => ({ operationId: t.operationId, label: `${t.operationId} · ${OPERATE_LABELS[t.operateType] ?? t.operateType} · ${STATUS_LABELS[t.status] ?? t.status}` }));
      note = page.totalCount === 0 ? "The platform lists no task with these filters." : `${count(page.totalCount)} task${page.totalCount === 1 ? "" : "s"} on the platform, newest first.`;
      if (page.invalid.length) note += ` ${page.invalid.length} left out (not in the documented format).`;
    } catch (err) {
      if (controller.signal.aborted) return;
      noteKeyOutcome(err);
      replaceChildren(ui.picker, h("option", { value: "", text: "This page of the list did not load" }));
      ui.picker.disabled = true;
      if (keyRefused(err)) {
        // The key's note says it was refused, and a new key reloads the list: no second card.
        hideListError();
        listRefused = true;
        ui.pickerNote.textContent = "The gateway refused this console key, so the task list is not shown; it loads once the key is accepted.";
        announce("The gateway refused this console key: paste the key the gateway was started with.");
        ui.listPage.textContent = "";
        ui.listPrev.disabled = true;
        ui.listNext.disabled = true;
        return;
      }
      showListError(err);
      ui.pickerNote.textContent = "The task list could not be loaded (see below: Retry); meanwhile, type an operation id.";
      // The page number and the pager stay: Retry asks for the same page, Previous/Next for others.
      ui.listPage.textContent = listPages === null ? `Page ${listPageNo + 1}` : `Page ${listPageNo + 1} of ${listPages}`;
      setPager(ui.listPrev, ui.listNext, { prevDisabled: listPageNo === 0, nextDisabled: listPages === null || listPageNo >= listPages - 1 });
      if (refocus) document.getElementById("list-retry")?.focus();
      return;
    }
  } else if (Array.isArray(settings.tasks)) {
    tasks = settings.tasks; // from the demo's config.json, until a console key is given
    note = `${tasks.length} demo tasks; enter the console key to list the platform's own.`;
  } else {
    try {
      tasks = await simulatorTasks(ui.baseUrl.value.trim(), { signal: controller.signal });
    } catch {
      tasks = [];
    }
    note = tasks.length ? `${tasks.length} demo tasks from the simulator.` : "Enter the console key to list the platform's tasks, or type an operation id.";
  }
  if (controller.signal.aborted) return;
  listRefused = false;
  const hadFocus = refocus && ui.listError.contains(document.activeElement);
  hideListError();
  const options = [h("option", { value: "", text: tasks.length ? "Choose a task…" : "No tasks to choose from" })];
  for (const t of tasks) {
    const option = h("option", { value: t.operationId });
    option.textContent = t.label ?? (t.description ? `${t.operationId} — ${t.description}` : t.operationId);
    options.push(option);
  }
  replaceChildren(ui.picker, ...options);
  ui.picker.disabled = tasks.length === 0;
  ui.picker.value = tasks.some((t) => t.operationId === keep) ? keep : "";
  ui.pickerNote.textContent = note;
  const pages = page ? Math.max(1, Math.ceil(page.totalCount / LIST_PAGE_SIZE)) : 1;
  listPages = page ? pages : null;
  ui.listPage.textContent = page ? `Page ${listPageNo + 1} of ${pages}` : "";
  setPager(ui.listPrev, ui.listNext, { prevDisabled: !page || listPageNo === 0, nextDisabled: !page || listPageNo >= pages - 1 });
  if (hadFocus) (ui.picker.disabled ? ui.operationId : ui.picker).focus(); // Retry is gone: on to what it loaded
}

for (const filter of [ui.listStatus, ui.listType]) {
  filter.addEventListener("change", () => {
    listPageNo = 0;
    listPages = null;
    loadPicker();
  });
}
ui.listPrev.addEventListener("click", () => {
  listPageNo = Math.max(0, listPageNo - 1);
  loadPicker();
});
ui.listNext.addEventListener("click", () => {
  listPageNo += 1;
  loadPicker();
});
// A new console key lists the platform's tasks (once typing pauses).
let keyTimer = null;
ui.consoleKey.addEventListener("input", () => {
  clearTimeout(keyTimer);
  keyTimer = setTimeout(() => {
    listPageNo = 0;
    loadPicker();
  }, 300);
});

ui.picker.addEventListener("change", () => {
  if (ui.picker.value) ui.operationId.value = ui.picker.value;
});
ui.baseUrl.addEventListener("change", () => {
  settings.tasks = null; // another place: ask it for demo tasks
  loadPicker();
});

// ---- query and watch ---------------------------------------------------------------------

ui.queryForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const operationId = ui.operationId.value.trim();
  const key = consoleKeyOrAsk();
  if (key === null) return;
  if (current?.kind === "query" && current.operationId === operationId) {
    announce(`Still loading ${operationId || "the task"}… (Escape or Cancel stops it.)`);
    return;
  }
  // Another id replaces the query that runs (begin cancels it).
  const { signal, gen } = begin("query", operationId);
  announce(`Loading ${operationId || "the task"}… (Escape or Cancel stops it.)`);
  try {
    const task = await queryUpgradeTask(operationId, key, queryOptions(signal));
    if (!finish(gen)) return;
    clearError();
    view.update(task, { fetchedAt: Date.now() });
    if (listRefused) loadPicker(); // the same key is accepted now (the gateway's keys changed)
    if (hasDevices()) devices.show(task); // a new Query always loads the rows again
    announce(`Loaded ${task.operationId}: ${describe(task)}.`);
  } catch (err) {
    if (!finish(gen)) return;
    keepAsStale(operationId, "querying it again failed", err);
    announce(`Could not load ${operationId || "the task"}.`);
    noteKeyOutcome(err);
    showError(err, "Query");
  }
});

ui.watchButton.addEventListener("click", () => {
  if (current?.kind === "watch") {
    cancelCurrent();
    announce("Stopped watching.");
    return;
  }
  watch();
});

async function watch() {
  const operationId = ui.operationId.value.trim();
  const key = consoleKeyOrAsk();
  if (key === null) return;
  const { signal, gen } = begin("watch", operationId);
  // Another task on screen is not the one being watched: cleared until its first answer.
  if (view.operationId !== null && view.operationId !== operationId) clearTask();
  let lastStatus = null;
  let lastSeen = null; // status and counts, to tell a change from a repeated answer
  let changedAt = null;
  announce(`Watching ${operationId || "the task"} until it ends…`);
  const show = (value) => {
    const task = value?.staResult ? value : value?.task;
    if (!task || gen !== generation) return;
    clearError();
    view.update(task, { fetchedAt: Date.now(), watching: true });
    if (hasDevices()) devices.follow(task); // rationed: the watch's polls come first
    // The package calls onProgress on changes only, the older-package stand-in on every poll.
    const seenNow = `${task.status} ${JSON.stringify(task.staResult)}`;
    if (seenNow !== lastSeen) changedAt = Date.now();
    lastSeen = seenNow;
    ui.watchNote.textContent = `Watching until it ends; last change at ${clockTime(changedAt)}.`;
    // Announce status changes only; the bar and its counts show every poll.
    if (task.status !== lastStatus && !FINAL_STATUSES.has(task.status)) announce(`Watching ${task.operationId}: ${STATUS_LABELS[task.status] ?? task.status}.`);
    lastStatus = task.status;
  };
  try {
    const task = await waitForUpgradeTask(operationId, key, {
      ...queryOptions(signal),
      minDelayMs: settings.pollMs,
      maxDelayMs: settings.pollMs * 4,
      onProgress: show,
      onRetry: (err, { delayMs }) => {
        // Its own time: a task that does not change after the failures calls onProgress no more.
        if (gen === generation) ui.watchNote.textContent = `The poll at ${clockTime(Date.now())} failed (${err.kind}); trying again in ${Math.ceil(delayMs / 1000)} s.`;
      },
    });
    if (!finish(gen)) return;
    view.update(task, { fetchedAt: Date.now(), watching: false });
    if (hasDevices()) devices.settle(task);
    announce(`Finished: ${task.operationId} ended ${describe(task)}.`);
  } catch (err) {
    if (!finish(gen)) return;
    devices.unfollow();
    if (err?.kind === "aborted") return;
    keepAsStale(operationId, "the watch ended", err);
    announce(`Watching ${operationId || "the task"} failed.`);
    noteKeyOutcome(err);
    showError(err, "Watch");
  }
}

// ---- start -------------------------------------------------------------------------------

async function loadSettings() {
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (res.ok) {
      const c = await res.json();
      for (const key of ["baseUrl", "appKey"]) if (typeof c?.[key] === "string" && c[key]) settings[key] = c[key];
      if (Number.isFinite(c?.pollMs) && c.pollMs >= 100) settings.pollMs = c.pollMs;
      if (Array.isArray(c?.tasks)) settings.tasks = c.tasks.filter((t) => t && typeof t.operationId === "string");
    }
  } catch {
    // no config.json: the defaults stand
  }
  readUrlParameters();
}

/** A URL as the console compares them: parsed and without a trailing slash; the text itself when it is no URL. */
function sameUrl(a, b) {
  const norm = (u) => {
    try {
      return new URL(u).href.replace(/\/+$/, "");
    } catch {
      return String(u).trim();
    }
  };
  return norm(a) === norm(b);
}

/**
 * What the page's own URL may set: `operationId` (fills in the field) and `pollMs` (how often a
 * watch polls). A link must never choose where the console key goes: `baseUrl` is taken only
 * when it is the gateway URL of the page's own config (else ignored, with a note under the
 * field), and `appKey` is never read from the URL.
 */
function readUrlParameters() {
  const params = new URLSearchParams(location.search);
  const asked = params.get("baseUrl");
  const notes = [];
  if (asked !== null && asked !== "" && !sameUrl(asked, settings.baseUrl)) {
    notes.push("This link asked for another gateway URL (", h("code", null, dataText(asked)), "): ignored, because a link cannot choose where your console key goes. If you trust that gateway, type its URL into the field yourself.");
  }
  if (params.has("appKey")) notes.push(`${notes.length ? " It also set" : "This link set"} appKey: ignored, the app key comes from the console's own settings.`);
  if (notes.length) {
    replaceChildren(ui.baseUrlNote, ...notes);
    ui.baseUrlNote.hidden = false;
  }
  const poll = Number(params.get("pollMs"));
  if (Number.isFinite(poll) && poll >= 100) settings.pollMs = poll;
  if (params.get("operationId")) ui.operationId.value = params.get("operationId");
}

await loadSettings();
if (!ui.baseUrl.value) ui.baseUrl.value = settings.baseUrl;
setBusy(null);
setInterval(() => refreshRelativeTimes(ui.task), 15000);
document.documentElement.dataset.ready = "true";
loadPicker();
