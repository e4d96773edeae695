// Once a call settles, no JS object of the package still holds the access token or the app key
// (SECURITY.md): the request headers are made per request, not kept for the next call. Checked
// in a child process (`--expose-gc`): a few calls with fresh secrets, then a heap snapshot after
// garbage collection, searched for the secrets' text. The secrets are put together from random
// parts only for the calls, and the text searched for only after the snapshot, so the test
// itself holds neither.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { platformTask } from "./helpers.mjs";

const NODE_ENTRY = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), "../../pkg/node.js")).href;

const script = `
import { readFileSync, writeFileSync } from "node:fs";
import v8 from "node:v8";
import { queryUpgradeTask } from ${JSON.stringify(NODE_ENTRY)};
const [dir, body] = [process.argv[1], process.argv[2]];
const hex = () => Math.random().toString(16).slice(2, 12) + Math.random().toString(16).slice(2, 12);
const parts = { token: hex(), appKey: hex() };
let sent = 0;
globalThis.fetch = async (request) => {
  if (request.headers.get("authorization")?.startsWith("Bearer ")) sent += 1;
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
};
async function calls() {
  for (let i = 0; i < 3; i++) {
    const task = await queryUpgradeTask("op-1", ["tok", parts.token].join("-"), { baseUrl: "http://127.0.0.1:9", appKey: ["app", parts.appKey].join("-"), retry: false });
    if (task.operationId !== "op-1") throw new Error("unexpected answer");
  }
}
await calls();
for (let i = 0; i < 4; i++) {
  await new Promise((resolve) => setTimeout(resolve, 5));
  globalThis.gc();
}
const file = v8.writeHeapSnapshot(dir + "/after.heapsnapshot");
const heap = readFileSync(file, "latin1");
console.log(JSON.stringify({ sent, token: heap.includes("tok-" + parts.token), appKey: heap.includes("app-" + parts.appKey), bytes: heap.length }));
`;

/** Runs the script in a child process (it fails, with its output, when the child does). */
async function run(dir) {
  const body = JSON.stringify(platformTask({ operationId: "op-1" }));
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--input-type=module", "-e", script, dir, body], {
    env: { PATH: process.env.PATH },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1));
}

test("after the calls settle, no JS object holds the access token or the app key", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "iot-upgrade-task-retention-"));
  try {
    const result = await run(dir);
    assert.equal(result.sent, 3, "every call sent its token");
    assert.ok(result.bytes > 100_000, "a real heap snapshot was searched");
    assert.equal(result.token, false, "the access token is still on the JS heap");
    assert.equal(result.appKey, false, "the app key is still on the JS heap");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
