// The console's wiring: forms, picker, query, watch. Rendering lives in render.js, the platform
// calls in platform.js. The console talks to a console gateway (iot-upgrade-task-gateway), which
// holds the app secret and the client certificate; the page holds only a console key, in its
// password field: never logged, rendered or put in a URL. (For development it can also talk
// straight to a CORS-enabled simulator, with an access token in that field.)

import { h, replaceChildren } from "./dom.js";
import { FINAL_STATUSES, STATUS_LABELS, clockTime, count, percentOf, relativeTime } from "./format.js";
import { queryUpgradeTask, simulatorTasks, waitForUpgradeTask } from "./platform.js";
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
  consoleKey: $("console-key"),
  session: $("session"),
  queryForm: $("query-form"),
  operationId: $("operation-id"),
  picker: $("picker"),
  pickerNote: $("picker-note"),
  queryButton: $("query-button"),
  watchButton: $("watch-button"),
  status: $("status"),
  watchNote: $("watch-note"),
  errors: $("errors"),
  task: $("task"),
};

const view = new TaskView(ui.task);
const settings = { ...DEFAULTS };
let current = null; // { controller, kind: "query" | "watch" }
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

function showError(err, context) {
  replaceChildren(ui.errors, errorCard(err, { context, redact }));
}

function clearError() {
  replaceChildren(ui.errors);
}

function queryOptions(signal) {
  return { baseUrl: ui.baseUrl.value.trim(), appKey: settings.appKey, timeoutMs: QUERY_TIMEOUT_MS, signal };
}

function describe(task) {
  const s = task.staResult;
  const done = s.success + s.fail + s.timeout + s.stop;
  const label = STATUS_LABELS[task.status] ?? task.status;
  return s.total > 0 ? `${label}, ${count(done)} of ${count(s.total)} devices done (${percentOf(done, s.total)})` : label;
}

function setBusy(kind) {
  const watching = kind === "watch";
  ui.watchButton.textContent = watching ? "Stop watching" : "Watch";
  ui.watchButton.setAttribute("aria-pressed", String(watching));
  ui.queryButton.disabled = kind === "query";
  document.body.dataset.busy = kind ?? "";
  if (!watching) ui.watchNote.textContent = "";
}

/** Cancels the running query or watch, if any. */
function cancelCurrent() {
  if (current) {
    current.controller.abort();
    current = null;
  }
  generation += 1;
  setBusy(null);
}

function begin(kind) {
  cancelCurrent();
  const controller = new AbortController();
  current = { controller, kind };
  setBusy(kind);
  return { signal: controller.signal, gen: generation };
}

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
ui.consoleKey.addEventListener("input", () => {
  ui.session.textContent = ui.consoleKey.value ? "Using this console key for every query." : SESSION_HINT;
  ui.session.dataset.state = ui.consoleKey.value ? "ok" : "";
});

// ---- the simulator's task picker ---------------------------------------------------------

let pickerController = null;
async function loadPicker() {
  pickerController?.abort();
  const controller = new AbortController();
  pickerController = controller;
  const keep = ui.picker.value;
  let tasks = [];
  if (Array.isArray(settings.tasks)) {
    tasks = settings.tasks; // from the demo's config.json (a gateway has no task picker of its own)
  } else {
    try {
      tasks = await simulatorTasks(ui.baseUrl.value.trim(), { signal: controller.signal });
    } catch {
      tasks = [];
    }
  }
  if (controller.signal.aborted) return;
  const groups = [
    ["progress", "Tasks that progress over time"],
    ["static", "Fixed snapshots"],
    ["stored", "Stored by tests"],
  ];
  const options = [h("option", { value: "", text: tasks.length ? "Choose a demo task…" : "No demo tasks at this base URL" })];
  for (const [kind, title] of groups) {
    const mine = tasks.filter((t) => (t.kind ?? "static") === kind);
    if (!mine.length) continue;
    const group = h("optgroup", { "data-kind": kind });
    group.label = title;
    for (const t of mine) {
      const option = h("option", { value: t.operationId });
      option.textContent = t.description ? `${t.operationId} — ${t.description}` : t.operationId;
      group.append(option);
    }
    options.push(group);
  }
  replaceChildren(ui.picker, ...options);
  ui.picker.disabled = tasks.length === 0;
  ui.picker.value = tasks.some((t) => t.operationId === keep) ? keep : "";
  ui.pickerNote.textContent = tasks.length
    ? `${tasks.length} demo tasks from the simulator.`
    : "No demo task list here; type an operation id.";
}

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
  const { signal, gen } = begin("query");
  announce(`Loading ${operationId || "the task"}…`);
  try {
    const task = await queryUpgradeTask(operationId, ui.consoleKey.value.trim(), queryOptions(signal));
    if (!finish(gen)) return;
    clearError();
    view.update(task, { fetchedAt: Date.now() });
    announce(`Loaded ${task.operationId}: ${describe(task)}.`);
  } catch (err) {
    if (!finish(gen)) return;
    view.clear();
    announce(`Could not load ${operationId || "the task"}.`);
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
  const { signal, gen } = begin("watch");
  let lastStatus = null;
  let polls = 0;
  announce(`Watching ${operationId || "the task"} until it ends…`);
  const show = (value) => {
    const task = value?.staResult ? value : value?.task;
    if (!task || gen !== generation) return;
    polls += 1;
    clearError();
    view.update(task, { fetchedAt: Date.now(), watching: true });
    ui.watchNote.textContent = `Watching: ${polls} update${polls === 1 ? "" : "s"}, the last at ${clockTime(Date.now())}.`;
    // Announce status changes only; the bar and its counts show every poll.
    if (task.status !== lastStatus && !FINAL_STATUSES.has(task.status)) announce(`Watching ${task.operationId}: ${STATUS_LABELS[task.status] ?? task.status}.`);
    lastStatus = task.status;
  };
  try {
    const task = await waitForUpgradeTask(operationId, ui.consoleKey.value.trim(), {
      ...queryOptions(signal),
      minDelayMs: settings.pollMs,
      maxDelayMs: settings.pollMs * 4,
      onProgress: show,
      onRetry: (err) => {
        if (gen === generation) ui.watchNote.textContent = `The last poll failed (${err.kind}); trying again…`;
      },
    });
    if (!finish(gen)) return;
    view.update(task, { fetchedAt: Date.now(), watching: false });
    announce(`Finished: ${task.operationId} ended ${describe(task)}.`);
  } catch (err) {
    if (!finish(gen)) return;
    if (err?.kind === "aborted") return;
    announce(`Watching ${operationId || "the task"} failed.`);
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
  const params = new URLSearchParams(location.search);
  for (const key of ["baseUrl", "appKey"]) if (params.get(key)) settings[key] = params.get(key);
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
