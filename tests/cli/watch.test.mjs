// `iot-upgrade-task watch`: following progressing tasks to their end, plain and on a terminal.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { simClock } from "../sim-clock.mjs";
import { EXIT, requireScript, runCliOnTty, setup, spawnCli } from "./helpers.mjs";

// The simulator's time moves 100 ms per answered request: a task restarted with progressMs
// 1500 is polled at 0, 100, …, 1400 ms of its time — waiting (until 150 ms), processing with
// new counts at each of the 12 polls from 200 to 1300 ms, success at 1400 ms — however slowly
// this machine runs the CLI. (Wall-clock deadlines, --timeout and Ctrl-C, stay real.)
const PACE = 100;
let ctx;
before(async () => {
  ctx = await setup({ progressMs: 1500, ...simClock({ perRequestMs: PACE }).options });
});
after(() => ctx.close());

const FAST = ["--min-delay", "50", "--max-delay", "200"];
const PROGRESS_LINE = /^\[\d\d:\d\d:\d\d\] (wait|processing|success|failed|stop) (\d+)\/(\d+) done \((\d+)%\): success \d+, fail \d+, timeout \d+, stop \d+, processing \d+, wait \d+$/;

function progressLines(stderr) {
  const lines = stderr.trimEnd().split("\n").filter(Boolean);
  for (const l of lines) assert.match(l, PROGRESS_LINE);
  return lines.map((l) => PROGRESS_LINE.exec(l));
}

test("watch follows a progressing task to success: plain progress lines, exit 0", async () => {
  ctx.sim.restartTask("demo-progress-success", { progressMs: 1500 });
  const r = await ctx.run(["watch", "demo-progress-success", ...FAST], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const lines = progressLines(r.stderr);
  // one line per change: the poll at 100 ms saw the same waiting task
  assert.deepEqual(lines.map((m) => m[1]), ["wait", ...Array(12).fill("processing"), "success"], r.stderr);
  assert.equal(lines[0][4], "0");
  assert.equal(lines.at(-1)[4], "100");
  const done = lines.map((m) => Number(m[2]));
  assert.deepEqual(done, [...done].sort((a, b) => a - b), "done counts never go down");
  assert.match(r.stdout, /^Task demo-progress-success\n/);
  assert.match(r.stdout, /Status\s+success/);
  assert.match(r.stdout, /24 of 24 done \(100%\)/);
  assert.doesNotMatch(r.stdout + r.stderr, /\x1b|\r/, "no terminal control when not a TTY");
});

test("watch --verbose says each poll that failed after its retries, and goes on to the end", async () => {
  ctx.sim.restartTask("demo-progress-success", { progressMs: 1500 });
  // Each poll tries 3 times: 6 faults are 2 failed polls.
  ctx.sim.setFault("status=503", { operationId: "demo-progress-success", count: 6 });
  try {
    const r = await ctx.run(["watch", "demo-progress-success", "--verbose", ...FAST], { env: ctx.env() });
    assert.equal(r.code, EXIT.ok, r.stderr);
    const failed = r.stderr.split("\n").filter((l) => l.includes("poll failed"));
    assert.equal(failed.length, 2, r.stderr);
    assert.match(failed[0], /^verbose: poll failed: server \(HTTP 503\), 1 time in a row; next poll in \d+ ms$/);
    assert.match(failed[1], /^verbose: poll failed: server \(HTTP 503\), 2 times in a row; next poll in \d+ ms$/);
    assert.match(r.stdout, /Status\s+success/);
  } finally {
    ctx.sim.clearFaults();
  }
});

test("watch exits 1 when the task ends failed", async () => {
  ctx.sim.restartTask("demo-progress-failed", { progressMs: 1500 });
  const r = await ctx.run(["watch", "demo-progress-failed", ...FAST], { env: ctx.env() });
  assert.equal(r.code, EXIT.taskEnded, r.stderr);
  assert.equal(progressLines(r.stderr).at(-1)[1], "failed");
  assert.match(r.stdout, /Status\s+failed/);
});

test("watch exits 1 when the task ends stop; --json prints the final task only", async () => {
  ctx.sim.restartTask("demo-progress-stop", { progressMs: 1500 });
  const r = await ctx.run(["watch", "demo-progress-stop", "--json", ...FAST], { env: ctx.env() });
  assert.equal(r.code, EXIT.taskEnded, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1);
  const task = JSON.parse(lines[0]);
  assert.equal(task.operationId, "demo-progress-stop");
  assert.equal(task.status, "stop");
  assert.ok(task.staResult.stop > 0);
  assert.equal(progressLines(r.stderr).at(-1)[1], "stop");
});

test("a task stopped half-way is not \"30/30 done (100%)\": the summary shows what ended how", async () => {
  ctx.sim.restartTask("demo-progress-stop", { progressMs: 1500 });
  const r = await ctx.run(["watch", "demo-progress-stop", ...FAST], { env: ctx.env() });
  assert.equal(r.code, EXIT.taskEnded, r.stderr);
  const last = progressLines(r.stderr).at(-1);
  const [, status, finished, total, pct] = last;
  assert.equal(status, "stop");
  assert.equal(total, "30");
  assert.ok(Number(finished) < 30 && Number(pct) < 100, last[0]);
  assert.doesNotMatch(r.stdout + r.stderr, /30\/30 done|30 of 30 done|100%/);
  const ended = /^\s+ended: (\d+) succeeded, (\d+) failed, (\d+) stopped, (\d+) not reached$/m.exec(r.stdout);
  assert.ok(ended, r.stdout);
  assert.equal(ended.slice(1).reduce((sum, n) => sum + Number(n), 0), 30);
  assert.ok(Number(ended[3]) > 0, "some devices were stopped");
});

test("the polling delays can come from the environment", async () => {
  ctx.sim.restartTask("demo-progress-success", { progressMs: 1000 });
  const started = Date.now();
  const r = await ctx.run(["watch", "demo-progress-success", "--verbose"], { env: ctx.env({ IOT_MIN_DELAY_MS: "50", IOT_MAX_DELAY_MS: "100" }) });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stderr, /^verbose: watching at .* \(poll delays 50–100 ms\)$/m);
  const lines = progressLines(r.stderr.split("\n").filter((l) => !l.startsWith("verbose: ") && !l.startsWith("watching ")).join("\n"));
  // polls at 0, 100, …, 900 ms of simulator time: wait (until 100 ms), 8 × processing, success
  assert.deepEqual(lines.map((m) => m[1]), ["wait", ...Array(8).fill("processing"), "success"], r.stderr);
  // With the default 2 s minimum delay, the 9 delays alone would take 18 s (a timer never fires
  // early); with 50–100 ms the whole run takes a few seconds, even on a loaded machine.
  assert.ok(Date.now() - started < 15_000, `the default delays were used (took ${Date.now() - started} ms)`);
});

test("watch on a task that has already ended returns at once", async () => {
  const ok = await ctx.run(["watch", "fw-now-devices"], { env: ctx.env() });
  assert.equal(ok.code, EXIT.ok, ok.stderr);
  const failed = await ctx.run(["watch", "fw-256-devices"], { env: ctx.env() });
  assert.equal(failed.code, EXIT.taskEnded, failed.stderr);
  const stopped = await ctx.run(["watch", "sw-stopped", "--json"], { env: ctx.env() });
  assert.equal(stopped.code, EXIT.taskEnded, stopped.stderr);
  assert.equal(JSON.parse(stopped.stdout).status, "stop");
});

test("watch --timeout gives up on a task that does not end (exit 6)", async () => {
  const started = Date.now();
  const r = await ctx.run(["watch", "fw-custom-window", "--timeout", "700ms", ...FAST], { env: ctx.env() });
  const took = Date.now() - started;
  assert.equal(r.code, EXIT.transient, r.stderr);
  // The watch's own words: how long, and the last status seen; not the library's timeoutMs.
  assert.match(r.stderr, /^error: the watch timed out after 700 ms \(--timeout\): the last status seen was wait, 0 of 12 devices done \(0%\)$/m);
  assert.doesNotMatch(r.stderr, /HTTP status|timeoutMs|maxWaitMs|hint:/);
  assert.equal(r.stdout, "");
  assert.ok(took >= 700 && took < 20_000, `--timeout 700ms gave up after ${took} ms`);
});

test("watch on an unknown id exits 3", async () => {
  const r = await ctx.run(["watch", "no-such-task", ...FAST], { env: ctx.env() });
  assert.equal(r.code, EXIT.notFound);
  assert.match(r.stderr, /^error: not_found\b/m);
});

test("watch on a terminal draws a live progress bar, in colour", async () => {
  await requireScript();
  ctx.sim.restartTask("demo-progress-success", { progressMs: 1500 });
  const r = await runCliOnTty(ctx.cli, ["watch", "demo-progress-success", ...FAST], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.output);
  assert.match(r.output, /Watching demo-progress-success/);
  assert.match(r.output, /\r\x1b\[2K/, "the line is redrawn in place");
  assert.match(r.output, /█/);
  assert.match(r.output, /100% success 24\/24/);
  assert.match(r.output, /\x1b\[32m/, "colours on a terminal");
  assert.doesNotMatch(r.output, /^\[\d\d:\d\d:\d\d\] /m, "no plain progress lines on a terminal");
});

test("NO_COLOR turns colours off on a terminal; the bar stays", async () => {
  await requireScript();
  ctx.sim.restartTask("demo-progress-failed", { progressMs: 1500 });
  const r = await runCliOnTty(ctx.cli, ["watch", "demo-progress-failed", ...FAST], { env: ctx.env({ NO_COLOR: "1" }) });
  assert.equal(r.code, EXIT.taskEnded, r.output);
  assert.match(r.output, /\r\x1b\[2K/);
  assert.match(r.output, /█/);
  assert.doesNotMatch(r.output, /\x1b\[[0-9;]*m/, "no SGR (colour) sequences");
  assert.match(r.output, /Status\s+failed/);
});

test("TERM=dumb on a terminal: one plain line per change, no cursor control or bar", async () => {
  await requireScript();
  ctx.sim.restartTask("demo-progress-success", { progressMs: 1500 });
  const r = await runCliOnTty(ctx.cli, ["watch", "demo-progress-success", ...FAST], { env: ctx.env({ TERM: "dumb" }) });
  assert.equal(r.code, EXIT.ok, r.output);
  assert.doesNotMatch(r.output, /\x1b/, "no escape sequence (a dumb terminal prints them as text)");
  assert.doesNotMatch(r.output, /█|░|⠋/, "no bar, no spinner");
  assert.match(r.output, /^\[\d\d:\d\d:\d\d\] success 24\/24 done \(100%\)/m, "the plain progress lines");
});

for (const [signal, code, word] of [
  ["SIGINT", 130, "interrupted"],
  ["SIGTERM", 143, "terminated"],
]) {
  test(`${signal === "SIGINT" ? "Ctrl-C (SIGINT)" : signal} stops watching: exit ${code}, '${word}'`, async () => {
    const { child, result, done } = spawnCli(ctx.cli, ["watch", "fw-custom-window", ...FAST], { env: ctx.env() });
    for (let i = 0; i < 200 && !result.stderr.includes("wait 0/12"); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(result.stderr, /wait 0\/12/, "it started watching");
    child.kill(signal);
    const r = await done;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`^${word}$`, "m"));
    assert.equal(r.stdout, "");
  });
}

test("a token that expires during a long watch is replaced by a new login (app id and secret given)", async (t) => {
  // 0.5 s of simulator time: a token lasts 5 requests; the task ends after 36 polls.
  const short = await setup({ progressMs: 4000, tokenTtlSeconds: 0.5, ...simClock({ perRequestMs: PACE }).options });
  t.after(() => short.close());
  short.sim.restartTask("demo-progress-success", { progressMs: 4000 });
  const r = await short.run(["watch", "demo-progress-success", "--verbose", ...FAST], {
    env: { IOT_BASE_URL: short.sim.baseUrl, IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret" },
  });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stderr, /refused the token: logging in again/);
  assert.match(r.stdout, /Status\s+success/);
  const logins = short.sim.requests().filter((q) => q.path.endsWith("/login"));
  assert.ok(logins.length >= 5, `a new login each time the token expired, got ${logins.length}`);
  assert.ok(short.sim.requests().some((q) => q.auth === "expired"));
  // With a bare token there is nothing to log in with: unauthorized (4).
  short.sim.restartTask("demo-progress-success", { progressMs: 4000 });
  const bare = await short.run(["watch", "demo-progress-success", ...FAST], { env: short.env() });
  assert.equal(bare.code, EXIT.unauthorized, bare.stderr);
  assert.match(bare.stderr, /^error: unauthorized\b/m);
});

/** Runs the CLI and closes the reading end of stderr (and stdout) after its first chunk, as `2>&1 | head -1` does. */
async function readerGoesAway(args, env, which = "stderr") {
  const { child, done } = spawnCli(ctx.cli, args, { env });
  const stream = child[which];
  await new Promise((resolve) => stream.once("data", resolve));
  child.stdout.destroy();
  child.stderr.destroy();
  const r = await Promise.race([done, new Promise((resolve) => setTimeout(() => resolve(null), 20_000))]);
  if (r === null) child.kill("SIGKILL");
  assert.ok(r !== null, "still running 20 s after its reader went away");
  return r;
}

test("watch | head -1: the reader goes away before the task ended: exit 141, not 0", async () => {
  ctx.sim.restartTask("demo-progress-success", { progressMs: 1500 });
  // One progress line per change on stderr: the next one after the first finds no reader.
  const r = await readerGoesAway(["watch", "demo-progress-success", ...FAST], ctx.env());
  assert.equal(r.code, 141);
  assert.equal(r.signal, null);
});

test("devices --json | head -1: the reader goes away during the walk: exit 141", async () => {
  // 256 devices, 3 pages: the first page's lines are written while the walk goes on.
  const r = await readerGoesAway(["devices", "fw-256-devices", "--json"], ctx.env(), "stdout");
  assert.equal(r.code, 141);
});

test("a reader that goes away once the result is complete keeps the result's code", async () => {
  // The task has ended (failed): the summary is the result; exit 1 whether or not it was read.
  const { child, done } = spawnCli(ctx.cli, ["watch", "fw-256-devices", "--verbose"], { env: ctx.env() });
  child.stdout.destroy();
  await new Promise((resolve) => child.stderr.once("data", resolve));
  const r = await done;
  assert.equal(r.code, EXIT.taskEnded, r.stderr);
});
