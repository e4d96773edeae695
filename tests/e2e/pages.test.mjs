// The page walker of the list iterators (pkg-template/pages.js) over a fake page source: order,
// page size, the two stop rules, no repeats, invalid items, cancellation, early exit, errors.

import assert from "node:assert/strict";
import test from "node:test";
import { WALK_PAGE_SIZE, walkPages } from "../../pkg-template/pages.js";

class Aborted extends Error {
  kind = "aborted";
}

/**
 * A list of `total` items ("t0", "t1", …) served `pageSize` at a time; `edit(pageNo, page)`
 * may change a page before it is answered. Records every request.
 */
function fakeList(total, { edit = (_, p) => p, reportedTotal = total } = {}) {
  const requests = [];
  const fetchPage = async (pageNo, pageSize, signal) => {
    requests.push({ pageNo, pageSize });
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new Aborted("aborted during the page");
    const ids = [];
    for (let i = pageNo * pageSize; i < Math.min(total, (pageNo + 1) * pageSize); i += 1) ids.push(`t${i}`);
    return edit(pageNo, { tasks: ids.map((id) => ({ id })), invalid: [], pageNo, pageSize, totalCount: reportedTotal });
  };
  const source = { fetchPage, itemsOf: (p) => p.tasks, keyOf: (t) => t.id, abortedError: async () => new Aborted("aborted between pages") };
  return { source, requests };
}

const collect = async (iterable) => {
  const out = [];
  for await (const item of iterable) out.push(item.id);
  return out;
};

test("every item, in order, pages 0, 1, 2 of 100, stopping at totalCount without an extra request", async () => {
  const { source, requests } = fakeList(250);
  const ids = await collect(walkPages(source));
  assert.equal(WALK_PAGE_SIZE, 100);
  assert.deepEqual(ids, Array.from({ length: 250 }, (_, i) => `t${i}`));
  assert.deepEqual(requests, [
    { pageNo: 0, pageSize: 100 },
    { pageNo: 1, pageSize: 100 },
    { pageNo: 2, pageSize: 100 },
  ]);
});

test("an exact multiple of the page size stops at totalCount (no empty page fetched)", async () => {
  const { source, requests } = fakeList(200);
  assert.equal((await collect(walkPages(source))).length, 200);
  assert.equal(requests.length, 2);
});

test("an empty list is one request and no items", async () => {
  const { source, requests } = fakeList(0);
  assert.deepEqual(await collect(walkPages(source)), []);
  assert.equal(requests.length, 1);
});

test("a total that overstates the list stops at the first empty page", async () => {
  const { source, requests } = fakeList(150, { reportedTotal: 10000 });
  assert.equal((await collect(walkPages(source))).length, 150);
  assert.deepEqual(
    requests.map((r) => r.pageNo),
    [0, 1, 2],
  );
});

test("a short page is not the end while totalCount says more (a platform paging smaller than asked)", async () => {
  // The platform serves 50 per page whatever is asked; offsets follow its pageSize.
  const items = Array.from({ length: 120 }, (_, i) => ({ id: `t${i}` }));
  const requests = [];
  const source = {
    fetchPage: async (pageNo) => {
      requests.push(pageNo);
      return { tasks: items.slice(pageNo * 50, pageNo * 50 + 50), invalid: [], pageNo, pageSize: 50, totalCount: 120 };
    },
    itemsOf: (p) => p.tasks,
    keyOf: (t) => t.id,
    abortedError: async () => new Aborted(),
  };
  assert.equal((await collect(walkPages(source))).length, 120);
  assert.deepEqual(requests, [0, 1, 2]);
});

test("an item shifted onto the next page (a task created during the walk) is yielded once", async () => {
  const { source } = fakeList(150, {
    edit: (pageNo, page) => (pageNo === 1 ? { ...page, tasks: [{ id: "t99" }, ...page.tasks] } : page),
  });
  const ids = await collect(walkPages(source));
  assert.equal(ids.filter((id) => id === "t99").length, 1);
  assert.equal(ids.length, 150);
});

test("invalid items count towards the total and reach onInvalid with their page number", async () => {
  const bad = { index: 3, id: "x", problems: [{ path: "data[3].status", message: "unknown status" }] };
  const { source, requests } = fakeList(101, {
    edit: (pageNo, page) => (pageNo === 0 ? { ...page, tasks: page.tasks.filter((_, i) => i !== 3), invalid: [bad] } : page),
  });
  const reported = [];
  const ids = await collect(walkPages(source, { onInvalid: (item, context) => reported.push([item, context]) }));
  assert.equal(ids.length, 100);
  assert.deepEqual(reported, [[bad, { pageNo: 0 }]]);
  assert.equal(requests.length, 2);
});

test("pages() yields whole pages, invalid lists included", async () => {
  const { source } = fakeList(130);
  const pages = [];
  for await (const page of walkPages(source).pages()) pages.push([page.pageNo, page.tasks.length, page.invalid.length]);
  assert.deepEqual(pages, [
    [0, 100, 0],
    [1, 30, 0],
  ]);
});

test("leaving the loop early asks for no further page", async () => {
  const { source, requests } = fakeList(1000);
  let n = 0;
  for await (const _ of walkPages(source)) if (++n === 150) break;
  assert.equal(requests.length, 2);
});

test("an aborted signal stops the walk: before the first page nothing is asked for", async () => {
  const { source, requests } = fakeList(300);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(collect(walkPages(source, { signal: controller.signal })), { kind: "aborted", message: "aborted between pages" });
  assert.equal(requests.length, 0);
});

test("aborting during the walk rejects as aborted, and no further page is asked for", async () => {
  const { source, requests } = fakeList(1000);
  const controller = new AbortController();
  const seen = [];
  await assert.rejects(
    (async () => {
      for await (const task of walkPages(source, { signal: controller.signal })) {
        seen.push(task.id);
        if (seen.length === 120) controller.abort();
      }
    })(),
    { kind: "aborted", message: "aborted between pages" },
  );
  assert.equal(seen.length, 200, "the page already fetched is still yielded in full");
  assert.equal(requests.length, 2);
});

test("an abort while a page is in flight rejects with that page's aborted error", async () => {
  const { source, requests } = fakeList(1000);
  const controller = new AbortController();
  const walk = walkPages(source, { signal: controller.signal })[Symbol.asyncIterator]();
  const first = walk.next();
  controller.abort();
  await assert.rejects(first, { kind: "aborted", message: "aborted during the page" });
  assert.equal(requests.length, 1);
});

test("a failing page rejects the walk with that error after the earlier pages' items", async () => {
  const failure = Object.assign(new Error("server"), { kind: "server" });
  const { source } = fakeList(300, {
    edit: (pageNo, page) => {
      if (pageNo === 1) throw failure;
      return page;
    },
  });
  const seen = [];
  await assert.rejects(
    (async () => {
      for await (const task of walkPages(source)) seen.push(task.id);
    })(),
    (e) => e === failure,
  );
  assert.equal(seen.length, 100);
});

test("each iteration is a fresh walk", async () => {
  const { source, requests } = fakeList(5);
  const walk = walkPages(source);
  assert.equal((await collect(walk)).length, 5);
  assert.equal((await collect(walk)).length, 5);
  assert.equal(requests.length, 2);
});
