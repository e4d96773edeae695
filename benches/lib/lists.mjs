// A 100-item task page (issue 14): one `queryUpgradeTaskList` call against fetch + JSON.parse
// (the floor) and against the zod peer (fetch + JSON.parse + the peer's task schema on every
// item, invalid items set aside as the package does), over loopback and with an in-memory fetch.
//
//   node benches/lib/lists.mjs [rounds] [batch]        prints one JSON line of results
//   node benches/lib/lists.mjs --splice FILE [r] [b]   also writes its section into FILE
//
// `make bench` (benches/run.mjs) runs it and splices the section into BENCHMARKS.md between
// the markers "lists-bench: begin/end", so the rest of the report is untouched.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { queryUpgradeTaskList } from "../../pkg/node.js";
import { TYPICAL } from "./fixtures.mjs";
import { PeerError, peerValidate } from "./peer.mjs";
import { summary } from "./stats.mjs";

const args = process.argv.slice(2);
const spliceInto = args[0] === "--splice" ? args[1] : null;
const [rounds = 20, batch = 50] = (spliceInto ? args.slice(2) : args).map(Number);

/** 100 typical tasks in the platform's spelling, each its own id: a full page. */
const PAGE = {
  data: Array.from({ length: 100 }, (_, i) => ({ ...TYPICAL, operationId: `${TYPICAL.operationId.slice(0, 20)}${String(i).padStart(4, "0")}` })),
  pageNo: 0,
  pageSize: 100,
  totalCount: 1000,
};
const BODY = new TextEncoder().encode(JSON.stringify(PAGE));
const HEADERS = { "content-type": "application/json;charset=UTF-8", "content-length": String(BODY.length) };
const token = "bench-token-0123456789abcdef";
const PATH = "/iodm/northbound/v1.5.0/operations?pageNo=0&pageSize=100";

/** The peer of a page: fetch, JSON.parse, the page's shape, the zod task schema on each item. */
async function peerPage(baseUrl) {
  const res = await fetch(`${baseUrl}${PATH}`, { headers: { app_key: "bench-app", authorization: `Bearer ${token}`, accept: "application/json" } });
  const body = JSON.parse(await res.text());
  if (!body || typeof body !== "object" || !Array.isArray(body.data)) throw new PeerError("invalid_response", "not a page");
  const tasks = [];
  const invalid = [];
  body.data.forEach((item, index) => {
    try {
      tasks.push(peerValidate(item));
    } catch (e) {
      invalid.push({ index, problems: e.problems });
    }
  });
  return { tasks, invalid, pageNo: body.pageNo, pageSize: body.pageSize, totalCount: body.totalCount ?? body.totalSize };
}

async function floorPage(baseUrl) {
  const res = await fetch(`${baseUrl}${PATH}`, { headers: { app_key: "bench-app", authorization: `Bearer ${token}`, accept: "application/json" } });
  return JSON.parse(await res.text());
}

const variants = (baseUrl) => ({
  floor: () => floorPage(baseUrl),
  peer: () => peerPage(baseUrl),
  project: () => queryUpgradeTaskList(token, { baseUrl, appKey: "bench-app", retry: false, pageNo: 0, pageSize: 100 }),
});

/** Interleaved batches (rotating order), so drift on a shared machine hits every variant alike. */
async function measure(all) {
  const names = Object.keys(all);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < 5; i += 1) await all[n](); // warm-up
  for (let r = 0; r < rounds; r += 1) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) {
      for (let i = 0; i < batch; i += 1) {
        const t = performance.now();
        await all[n]();
        samples[n].push(performance.now() - t);
      }
    }
  }
  return Object.fromEntries(names.map((n) => [n, summary(samples[n])]));
}

const server = http.createServer((req, res) => {
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const loopUrl = `http://127.0.0.1:${server.address().port}`;

// The comparison means something only if both give the same tasks.
const project = await variants(loopUrl).project();
const peer = await variants(loopUrl).peer();
assert.equal(project.tasks.length, 100);
assert.deepStrictEqual(project.tasks, peer.tasks);

const results = { bytes: BODY.length, rounds, batch, loop: await measure(variants(loopUrl)) };
server.close();
const realFetch = globalThis.fetch;
globalThis.fetch = async () => new Response(BODY, { status: 200, headers: HEADERS });
results.mem = await measure(variants("http://127.0.0.1:9"));
globalThis.fetch = realFetch;
results.machine = `${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}, Node ${process.version}`;

/** The report's section for these results. */
export function listsSection(r) {
  const ms = (x) => (x < 1 ? x.toFixed(3) : x.toFixed(2));
  const rows = [];
  for (const [transport, label] of [
    ["loop", "loopback"],
    ["mem", "in-memory fetch"],
  ]) {
    const t = r[transport];
    for (const v of ["floor", "peer", "project"]) {
      rows.push(`| ${label} | ${v === "project" ? "**project**" : v} | ${ms(t[v].median)} | ${ms(t[v].p99)} | ${(t[v].median / t.floor.median).toFixed(2)}× | ${(t[v].median / t.peer.median).toFixed(2)}× | ${t[v].n} |`);
    }
  }
  return [
    "<!-- lists-bench: begin (benches/lib/lists.mjs; make bench rewrites this part) -->",
    "## A 100-item task page",
    "",
    `One \`queryUpgradeTaskList\` call for a full page (100 typical tasks in the platform's spelling, ${(r.bytes / 1024).toFixed(1)} KiB of JSON) against the floor (fetch + \`JSON.parse\`) and the zod peer (fetch + \`JSON.parse\` + the peer's task schema on every item, invalid items set aside), Node, interleaved batches (${r.rounds} rounds × ${r.batch} calls). Machine: ${r.machine}.`,
    "",
    "| transport | variant | median ms | p99 ms | ÷ floor (median) | ÷ peer (median) | calls |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "<!-- lists-bench: end -->",
  ].join("\n");
}

/** Puts the section into `file`, in place of the last one (or at the end). */
export function splice(file, section) {
  const text = readFileSync(file, "utf8");
  const begin = text.indexOf("<!-- lists-bench: begin");
  const endMark = "<!-- lists-bench: end -->";
  const end = text.indexOf(endMark);
  const next = begin >= 0 && end > begin ? `${text.slice(0, begin)}${section}${text.slice(end + endMark.length)}` : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

if (spliceInto) splice(spliceInto, listsSection(results));
console.log(JSON.stringify(results));
