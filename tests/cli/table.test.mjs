// The CLI's table and CSV writers (pkg-template/table.js).

import assert from "node:assert/strict";
import test from "node:test";
import { csvField, csvRecord, table } from "../../pkg-template/table.js";

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
