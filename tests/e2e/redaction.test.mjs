// Redaction with short and common secrets: only text that came from outside (the platform's
// error_desc/resultmsg, runtime error messages, values quoted in problems) is scrubbed, whole
// occurrences only for short secrets, in one pass; the library's own words, hints and problem
// paths are never garbled, and a real secret still never appears.

import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { assertNoSecrets, json, pkg, platformTask, scriptedServer } from "./helpers.mjs";

const { queryUpgradeTask, UpgradeTaskClient } = pkg;

describe("redaction", () => {
  let server;
  let answer = (res) => json(res, 403, { error_code: "1010005", error_desc: "App_key or access_token is invalid." });
  before(async () => {
    server = await scriptedServer((req, res) => answer(res));
  });
  after(() => server.close());
  const call = (token, appKey, more = {}) => queryUpgradeTask("op-1", token, { baseUrl: server.baseUrl, appKey, retry: false, ...more }).catch((e) => e);
  const hintOf = { unauthorized: null };

  test("token t and app key a: the message, the hint and the description read as written", async () => {
    const clean = await call("a-long-token-value-1234", "a-long-app-key-5678");
    hintOf.unauthorized = clean.hint;
    for (const [token, appKey] of [["t", "a"], ["tok", "ab"], ["in", "or1"], ["unauthorized", "platform"], ["HTTP", "error"], ["redacted", "[redacted]"]]) {
      const e = await call(token, appKey);
      assert.equal(e.kind, "unauthorized");
      assert.equal(e.message, "unauthorized: HTTP 403; platform error 1010005: App_key or access_token is invalid.", `${token}/${appKey}`);
      assert.equal(e.hint, clean.hint);
      assert.equal(e.errorDesc, "App_key or access_token is invalid.");
      assert.doesNotMatch(JSON.stringify({ m: e.message, s: e.stack }), /redacted\]\[|\[redacted\w|\w\[redacted/);
    }
  });

  test("the library's own words: invalid_argument and network errors with one-letter secrets", async () => {
    const bad = await queryUpgradeTask("", "t", { baseUrl: "ftp://x", appKey: "a" }).catch((e) => e);
    assert.equal(bad.message, "invalid_argument: operationId must be a non-empty string (and 1 more problem)");
    assert.deepEqual(bad.problems, [
      { path: "operationId", message: "must be a non-empty string" },
      { path: "options.baseUrl", message: "must use https: (got ftp:)" },
    ]);
    assert.equal(bad.hint, "Fix the arguments named in `problems`; nothing was sent to the platform.");
    const closed = net.createServer();
    await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    const refused = await queryUpgradeTask("op-1", "e", { baseUrl: `http://127.0.0.1:${port}`, appKey: "a", retry: false }).catch((e) => e);
    assert.equal(refused.kind, "network");
    assert.match(refused.message, /^network: the request failed: fetch failed \(ECONNREFUSED\)$/);
  });

  test("a value quoted in a problem: the secret goes, the words stay", async () => {
    answer = (res) => json(res, 200, platformTask({ status: "t" }));
    const e = await call("t", "a");
    assert.equal(e.kind, "invalid_response");
    assert.deepEqual(e.problems, [{ path: "status", message: '"[redacted]" is not a known value' }]);
    answer = (res) => json(res, 200, platformTask({ status: "wait-a-moment" }));
    const words = await call("t", "a");
    assert.deepEqual(words.problems, [{ path: "status", message: '"wait-[redacted]-moment" is not a known value' }]);
  });

  test("a real secret never appears: echoed whole, glued, or cut by the 60-character limit", async () => {
    const token = "tok-E2E-REAL-7f3a9c1d";
    const appKey = "app-E2E-REAL-51d2";
    for (const desc of [`token ${token} of ${appKey}`, `Bearer${token}x`, `k=${appKey};t=${token}`]) {
      answer = (res) => json(res, 401, { resultcode: "1010005", resultmsg: desc });
      const e = await call(token, appKey);
      assertNoSecrets(e, token, appKey);
      assert.match(e.errorDesc, /\[redacted\]/);
    }
    answer = (res) => json(res, 200, platformTask({ status: `${"A".repeat(55)}${token}` }));
    const cut = await call(token, appKey);
    assertNoSecrets(cut, token, appKey);
    assert.ok(!JSON.stringify(cut.problems).includes("tok-"), JSON.stringify(cut.problems));
  });

  test("getAccessToken's exception text is outside text; the client's words stay", async () => {
    const client = new UpgradeTaskClient({
      baseUrl: server.baseUrl,
      appKey: "a",
      getAccessToken: () => {
        throw new Error("vault said no to a");
      },
    });
    const e = await client.queryUpgradeTask("op-1").catch((x) => x);
    assert.equal(e.kind, "unauthorized");
    assert.equal(e.message, "unauthorized: getAccessToken failed: vault said no to [redacted]");
    assert.equal(e.hint, hintOf.unauthorized);
  });
});
