// A task's devices (its subtasks, from the platform through the gateway): a status filter with
// a count per status, a table of device, status, the platform's reason and times, failed ones
// first, paged 50 rows at a time so 256 (or 65,536) devices stay fast. Data is text only.

import { dataText, h, replaceChildren } from "./dom.js";
import { count, localTime, parseIso } from "./format.js";

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

/**
 * The devices view of one task. `fetchPage({ status, pageNo, pageSize, signal })` resolves to a
 * SubTaskPage (the package's queryUpgradeSubTasks through the gateway); `walk({ signal })` to
 * an async iterable of every subtask.
 */
export class DevicesView {
  constructor(container, { fetchPage, walk, onError }) {
    this.container = container;
    this.fetchPage = fetchPage;
    this.walk = walk;
    this.onError = onError;
    this.operationId = null;
    this.filter = "";
    this.page = 0;
    this.sorted = null; // every device, failed first (small tasks, filter "All")
    this.shown = null; // { subTasks, totalCount } of the current server page
    this.controller = null;
    this.#build();
  }

  #build() {
    this.select = h("select", { id: "devices-status", "aria-describedby": "devices-note" });
    this.note = h("p", { id: "devices-note", class: "help" });
    this.body = h("tbody");
    this.prev = h("button", { id: "devices-prev", type: "button", class: "secondary", text: "Previous" });
    this.next = h("button", { id: "devices-next", type: "button", class: "secondary", text: "Next" });
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

  /** Shows the devices of `task` (a new task starts on "All", page 1); refetches the rows. */
  show(task) {
    this.container.hidden = false;
    if (this.operationId !== task.operationId) {
      this.operationId = task.operationId;
      this.filter = "";
      this.page = 0;
      this.sorted = null;
    }
    this.task = task;
    this.#options(task.staResult);
    return this.refresh();
  }

  clear() {
    this.controller?.abort();
    this.operationId = null;
    this.container.hidden = true;
  }

  /** The filter's options, each with the task's count for that status (the counts of staResult). */
  #options(sta) {
    const options = [h("option", { value: "", text: `All (${count(sta.total)}), failed first` })];
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
    const whole = this.filter === "" && this.task.staResult.total <= SORT_LIMIT;
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
      this.#render();
    } catch (err) {
      if (signal.aborted || err?.kind === "aborted") return;
      this.onError(err);
    } finally {
      if (this.controller === controller) delete this.container.dataset.loading;
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
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    const what = this.filter === "" ? "devices" : `${DEVICE_LABELS[this.filter].toLowerCase()} devices`;
    this.note.textContent = this.sorted
      ? `${count(total)} ${what}, failed first, then timed out, stopped, processing, waiting, succeeded.`
      : `${count(total)} ${what}${this.filter === "" ? " in the platform's order (too many to sort; filter by status)" : ""}.`;
    this.container.dataset.rows = String(rows.length);
  }
}
