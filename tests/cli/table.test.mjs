// The CLI's table and CSV writers and its devices-done rule (pkg-template/table.js).

import assert from "node:assert/strict";
import test from "node:test";
import { csvField, csvRecord, devicesDone, percentDone, table } from "../../pkg-template/table.js";

test("table: columns as wide as their widest cell or title, right-aligned numbers, last column unpadded", () => {
  const lines = table(
    [{ title: "ID" }, { title: "N", align: "right" }, { title: "NOTE" }],
    [
      ["a", "5", "x"],
      ["longer-id", "1234", ""],
    ],
  );
  assert.deepEqual(lines, ["ID            N  NOTE", "a             5  x", "longer-id  1234  "]);
});

test("table: widths count code points (an astral character is one column), headers can be painted", () => {
  const lines = table([{ title: "A" }, { title: "B" }], [["😀", "z"]], { paintHeader: (t) => `<${t}>` });
  assert.deepEqual(lines, ["<A>  <B>", "😀  z"]);
});

test("csvField: RFC 4180 quoting, null as empty, formula starts defused", () => {
  assert.equal(csvField(null), "");
  assert.equal(csvField(undefined), "");
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField(12), "12");
  assert.equal(csvField('say "hi", then go'), '"say ""hi"", then go"');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField("=HYPERLINK(\"http://x\")"), '"\'=HYPERLINK(""http://x"")"');
  assert.equal(csvField("+1"), "'+1");
  assert.equal(csvField("-1"), "'-1");
  assert.equal(csvField("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvField("a=b"), "a=b");
  assert.equal(csvRecord(["a", null, "b,c"]), 'a,,"b,c"');
});

test("table: a width function that skips colour escapes aligns painted cells", () => {
  const visible = (t) => [...t.replace(/\x1b\[[0-9;]*m/g, "")].length;
  const lines = table([{ title: "S" }, { title: "X" }], [["\x1b[31mfailed\x1b[39m", "1"], ["ok", "2"]], { width: visible });
  assert.deepEqual(lines, ["S       X", "\x1b[31mfailed\x1b[39m  1", "ok      2"]);
});

test("devices done: success, fail and timeout count, stop does not; the percentage rounds down", () => {
  const sta = (counts) => ({ total: 0, wait: 0, processing: 0, success: 0, fail: 0, stop: 0, timeout: 0, ...counts });
  const stopped = sta({ total: 10, success: 4, stop: 6 });
  assert.deepEqual([devicesDone(stopped), percentDone(stopped)], [4, 40]);
  const almost = sta({ total: 400, success: 390, fail: 6, timeout: 3, processing: 1 });
  assert.deepEqual([devicesDone(almost), percentDone(almost)], [399, 99]);
  const half = sta({ total: 40, success: 20, fail: 3, timeout: 2, processing: 5, wait: 10 });
  assert.deepEqual([devicesDone(half), percentDone(half)], [25, 62]);
  assert.equal(percentDone(sta({ total: 24, success: 24 })), 100);
  assert.equal(percentDone(sta({ total: 29, success: 29 })), 100, "a whole share is not rounded down below itself");
  assert.equal(percentDone(sta({ total: 0 })), 0, "no devices: 0, not NaN");
});
