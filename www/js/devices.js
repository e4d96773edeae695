// A task's devices (its subtasks, from the platform through the gateway): a status filter with
// a count per status, a table of device, status, the platform's reason and times, failed ones
// first, paged 50 rows at a time so 256 (or 65,536) devices stay fast. Data is text only.

import { dataText, h, replaceChildren, setPager } from "./dom.js";
import { FINAL_STATUSES as FINAL, count, localTime, parseIso } from "./format.js";

/** Rows per page of the table. */
export const ROWS_PER_PAGE = 50;
/** Up to this many devices, "All" is fetched whole and sorted failed first; above, it pages in the platform's order. */
const SORT_LIMIT = 1000;

/** The device statuses in the order the table puts them ("failed first"). */
export const DEVICE_ORDER = ["failed", "timeout", "stop", "processing", "wait", "success"];
export const DEVICE_LABELS = Object.freeze({ failed: "Failed", timeout: "Timed out", stop: "Stopped", processing: "Processing", wait: "Waiting", success: "Succeeded" });
/** A device status → the key of the task's staResult that counts it. */
const COUNT_KEY = { failed: "fail", timeout: "timeout", stop: "stop", processing: "processing", wait: "wait", success: "success" };

const rank = (status) => {
  const i = DEVICE_ORDER.indexOf(status);
  return i < 0 ? DEVICE_ORDER.length : i;
};

function timeCell(iso) {
  if (iso === null) return h("span", { class: "muted", text: "—" });
  const ms = parseIso(iso);
  return Number.isNaN(ms) ? dataText(iso) : h("time", { datetime: iso, title: `${iso} (UTC)`, text: localTime(ms) });
}

/** While a task is watched, the table is refreshed at most this often (one request each time). */
export const WATCH_REFRESH_MS = 10000;
/** The package's walker asks for this many subtasks a page: a task this small is one request to walk. */
const WALK_PAGE = 100;

/** The filter's "All" option: the device count, and whether the rows come failed first. */
const allLabel = (total, failedFirst) => `All (${count(total)})${failedFirst ? ", failed first" : ""}`;

const fingerprintOf = (task) => `${task.operationId} ${task.status} ${JSON.stringify(task.staResult)}`;

/**
 * The devices view of one task. `fetchPage({ status, pageNo, pageSize, signal })` resolves to a
 * SubTaskPage (the package's queryUpgradeSubTasks through the gateway); `walk({ signal })` to
 * an async iterable of every subtask.
 *
 * `show(task)` (a query) always loads the rows again. While a task is watched, `follow(task)`
 * refreshes only the page on screen (one request; a task of up to 100 devices is still walked
 * and sorted, which is one request too), at most every `WATCH_REFRESH_MS`, when the counts
 * changed, and never while a refresh is in flight, so the watch's own polls keep the
 * platform's call budget; `settle(task)` loads the final state once the watch ends.
 */
export class DevicesView {
  constructor(container, { fetchPage, walk, onError, watchRefreshMs = WATCH_REFRESH_MS }) {
    this.container = container;
    this.fetchPage = fetchPage;
    this.walk = walk;
    this.onError = onError;
    this.watchRefreshMs = watchRefreshMs;
    this.operationId = null;
    this.filter = "";
    this.page = 0;
    this.sorted = null; // every device, failed first (small tasks, filter "All")
    this.shown = null; // { subTasks, totalCount } of the current server page
    this.controller = null; // the refresh in flight, if any
    this.loaded = null; // the task (fingerprint) and mode the rows on screen were loaded for; null: none
    this.following = false; // a watch is running: refreshes are rationed
    this.pending = false; // the counts changed since the rows were loaded
    this.lastRefreshAt = 0;
    this.timer = null;
    this.#build();
  }

  #build() {
    this.select = h("select", { id: "devices-status", "aria-describedby": "devices-note" });
    this.note = h("p", { id: "devices-note", class: "help" });
    this.body = h("tbody");
    // Disabled until rows load.
    this.prev = h("button", { id: "devices-prev", type: "button", class: "secondary", text: "Previous" });
    this.next = h("button", { id: "devices-next", type: "button", class: "secondary", text: "Next" });
    this.prev.disabled = true;
    this.next.disabled = true;
    this.pageLabel = h("span", { id: "devices-page", class: "muted", "aria-live": "polite" });
    const label = h("label", { for: "devices-status", text: "Show" });
    const table = h(
      "table",
      { class: "devices-table", id: "devices-table" },
      h("caption", { class: "visually-hidden", text: "The task's devices" }),
      h("thead", null, h("tr", null, ...["Device", "Status", "Reason", "Started", "Stopped"].map((t) => h("th", { scope: "col", text: t })))),
      this.body,
    );
    replaceChildren(
      this.container,
      h("h3", { id: "devices-title", text: "Devices" }),
      h("div", { class: "devices-controls" }, label, this.select, this.note),
      // Focusable (with a name), so the keyboard can scroll it sideways on a narrow screen.
      h("div", { class: "devices-scroll", tabindex: "0", role: "region", "aria-label": "Devices table (scrolls sideways on a narrow screen)" }, table),
      h("div", { class: "devices-paging" }, this.prev, this.pageLabel, this.next),
    );
    this.select.addEventListener("change", () => {
      this.filter = this.select.value;
      this.page = 0;
      this.refresh();
    });
    this.prev.addEventListener("click", () => this.#turn(-1));
    this.next.addEventListener("click", () => this.#turn(1));
  }

  /** A task (new, or asked for again): starts on "All", page 1, for a new one; loads the rows again. */
  show(task) {
    this.#stopFollowing();
    this.#take(task);
    return this.refresh();
  }

  /** A watched task's latest answer: the counts now, the rows when the rationing allows. */
  follow(task) {
    const fresh = this.operationId !== task.operationId;
    this.following = true;
    this.#take(task);
    if (FINAL.has(task.status)) return; // the watch ends: settle() loads the final rows
    if (fresh || this.loaded?.fingerprint !== fingerprintOf(task)) this.pending = true;
    this.#schedule();
  }

  /** The watch ended with `task`: its final rows, failed first again (once). */
  settle(task) {
    this.#stopFollowing();
    this.#take(task);
    if (this.loaded && !this.loaded.watching && this.loaded.fingerprint === fingerprintOf(task)) return;
    this.refresh();
  }

  /** The watch stopped (or failed): no more refreshes of its own. */
  unfollow() {
    this.#stopFollowing();
  }

  clear() {
    this.#stopFollowing();
    this.#abort();
    this.operationId = null;
    this.loaded = null;
    this.container.hidden = true;
  }

  /** Rows on screen as of an earlier answer (the watch that kept them current ended in an error). */
  markStale(text) {
    this.container.dataset.stale = "true";
    this.staleText = text;
    if (this.note.textContent) this.note.textContent = `${text} ${this.baseNote ?? ""}`.trim();
  }

  #take(task) {
    this.container.hidden = false;
    delete this.container.dataset.stale;
    this.staleText = null;
    if (this.operationId !== task.operationId) {
      this.#abort();
      this.operationId = task.operationId;
      this.lastRefreshAt = 0; // the rationing is per task: a new one loads at once
      this.filter = "";
      this.page = 0;
      this.sorted = null;
      this.shown = null;
      this.loaded = null;
      this.#empty("Loading the devices…");
    }
    this.task = task;
    this.#options(task.staResult);
  }

  /** Drops the refresh in flight (its rows are for another task, or for none). */
  #abort() {
    this.controller?.abort();
    this.controller = null;
    delete this.container.dataset.loading;
  }

  #stopFollowing() {
    this.following = false;
    this.pending = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  /** A watch's refresh: only when the counts changed, none in flight, and not sooner than watchRefreshMs after the last. */
  #schedule() {
    if (!this.following || !this.pending || this.controller || this.timer) return;
    const wait = this.lastRefreshAt + this.watchRefreshMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.#schedule();
      }, wait);
      return;
    }
    this.pending = false;
    this.refresh();
  }

  /** No rows: a message instead, the pager disabled. */
  #empty(message) {
    replaceChildren(this.body, h("tr", null, h("td", { colspan: "5", class: "muted", text: message })));
    this.pageLabel.textContent = "";
    this.prev.disabled = true;
    this.next.disabled = true;
    this.note.textContent = "";
    this.container.dataset.rows = "0";
  }

  /** The filter's options, each with the task's count for that status (the counts of staResult). */
  #options(sta) {
    // As the rows on screen are (sorted ones stay so until the next refresh), else as "All" would load.
    const failedFirst = this.sorted !== null || (sta.total <= SORT_LIMIT && (!this.following || sta.total <= WALK_PAGE));
    const options = [h("option", { value: "", text: allLabel(sta.total, failedFirst) })];
    for (const status of DEVICE_ORDER) {
      const n = sta[COUNT_KEY[status]];
      options.push(h("option", { value: status, "data-count": String(n), text: `${DEVICE_LABELS[status]} (${count(n)})` }));
    }
    replaceChildren(this.select, ...options);
    this.select.value = this.filter;
  }

  #turn(step) {
    this.page = Math.max(0, this.page + step);
    if (this.sorted) this.#render();
    else this.refresh();
  }

  /** Fetches what the current filter and page show (one request in flight; a newer one wins). */
  async refresh() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const { signal } = controller;
    const task = this.task;
    const watching = this.following;
    const total = task.staResult.total;
    // Failed first needs every device: while watched, only when that is one request.
    const whole = this.filter === "" && total <= SORT_LIMIT && (!watching || total <= WALK_PAGE);
    this.lastRefreshAt = Date.now();
    this.container.dataset.loading = "true";
    try {
      if (whole) {
        const all = [];
        for await (const s of this.walk({ signal })) all.push(s);
        if (signal.aborted) return;
        // Failed first: a stable sort by status rank keeps the platform's device order within a status.
        this.sorted = all.map((s, i) => [s, i]).sort((a, b) => rank(a[0].status) - rank(b[0].status) || a[1] - b[1]).map(([s]) => s);
        this.shown = null;
      } else {
        const page = await this.fetchPage({ status: this.filter || undefined, pageNo: this.page, pageSize: ROWS_PER_PAGE, signal });
        if (signal.aborted) return;
        this.sorted = null;
        this.shown = page;
      }
      this.loaded = { fingerprint: fingerprintOf(task), watching: watching && !whole };
      this.#render();
    } catch (err) {
      if (signal.aborted || err?.kind === "aborted") return;
      // Nothing counts as loaded: the next show() (a new Query) or a watch's next turn loads again.
      this.loaded = null;
      this.sorted = null;
      this.shown = null;
      this.pending = this.following;
      this.#empty("The devices could not be loaded (see the error above). Query the task again to retry.");
      this.onError(err);
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        delete this.container.dataset.loading;
        // Whoever started it (a watch's turn, a page turn, the filter): a change the watch saw
        // meanwhile is loaded next, not left until the one after.
        this.#schedule();
      }
    }
  }

  #render() {
    const total = this.sorted ? this.sorted.length : this.shown.totalCount;
    const pages = Math.max(1, Math.ceil(total / ROWS_PER_PAGE));
    this.page = Math.min(this.page, pages - 1);
    const rows = this.sorted ? this.sorted.slice(this.page * ROWS_PER_PAGE, (this.page + 1) * ROWS_PER_PAGE) : this.shown.subTasks;
    replaceChildren(
      this.body,
      ...rows.map((s) =>
        h(
          "tr",
          { "data-status": s.status, "data-device": s.deviceId },
          h("th", { scope: "row" }, dataText(s.deviceId)),
          h("td", null, h("span", { class: `badge small status-${s.status}`, "data-status": s.status, text: DEVICE_LABELS[s.status] ?? s.status })),
          h("td", { class: "reason" }, s.detailInfo === null ? h("span", { class: "muted", text: "—" }) : dataText(s.detailInfo)),
          h("td", null, timeCell(s.startTime)),
          h("td", null, timeCell(s.stopTime)),
        ),
      ),
    );
    if (rows.length === 0) replaceChildren(this.body, h("tr", null, h("td", { colspan: "5", class: "muted", text: "No device in this status." })));
    this.pageLabel.textContent = `Page ${this.page + 1} of ${pages}`;
    setPager(this.prev, this.next, { prevDisabled: this.page === 0, nextDisabled: this.page >= pages - 1 });
    const what = this.filter === "" ? "devices" : `${DEVICE_LABELS[this.filter].toLowerCase()} devices`;
    const why = this.loaded?.watching
      ? ` in the platform's order while the task is watched (this page is refreshed every ${Math.round(this.watchRefreshMs / 1000)} s at most; failed first again when the watch ends)`
      : " in the platform's order (too many to sort; filter by status)";
    this.baseNote = this.sorted
      ? `${count(total)} ${what}, failed first, then timed out, stopped, processing, waiting, succeeded.`
      : `${count(total)} ${what}${this.filter === "" ? why : ""}.`;
    this.note.textContent = this.staleText ? `${this.staleText} ${this.baseNote}` : this.baseNote;
    // "All" says how the rows on screen are ordered.
    if (this.filter === "") this.select.options[0].textContent = allLabel(this.task.staResult.total, this.sorted !== null);
    this.container.dataset.rows = String(rows.length);
  }
}
