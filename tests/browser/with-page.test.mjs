// withPage (tests/browser/helpers.mjs), the set-up every other browser suite opens its pages
// with: the page and its context are closed however the test ends, and the test's own error
// is the one reported, even when the close fails too. A bare browser is enough: withPage
// takes a browser as well as a stack.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, withPage } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Makes the context's close fail after it has closed the context (a close that half works). */
function breakClose(context) {
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    throw new Error("the close failed");
  };
}

/**
 * Runs withPage with an fn that calls `during(session)` and then throws; checks that withPage
 * rejects with that very error. Returns the session fn was given.
 */
async function failIn(during) {
  const failure = new Error("the test's own failure");
  let opened;
  await assert.rejects(
    withPage(browser, async (session) => {
      opened = session;
      during(session);
      throw failure;
    }),
    (err) => err === failure,
  );
  return opened;
}

test("withPage closes the page and its context when fn throws, and rethrows fn's own error", { timeout: 30000 }, async () => {
  const opened = await failIn(({ context }) => assert.ok(browser.contexts().includes(context), "the context is open while fn runs"));
  assert.equal(opened.page.isClosed(), true, "the page is closed");
  assert.equal(browser.contexts().includes(opened.context), false, "its context is closed");
});

test("a close that fails as well does not mask fn's error", { timeout: 30000 }, async () => {
  const opened = await failIn(({ context }) => breakClose(context));
  assert.equal(opened.page.isClosed(), true, "the close was still made");
});

test("when fn succeeds: withPage resolves to its value with the options applied, then closes; a failing close fails it", { timeout: 30000 }, async () => {
  let page;
  const width = await withPage(browser, { viewport: { width: 390, height: 844 } }, async (session) => {
    page = session.page;
    return page.evaluate(() => window.innerWidth);
  });
  assert.equal(width, 390);
  assert.equal(page.isClosed(), true);

  await assert.rejects(
    withPage(browser, async ({ context }) => breakClose(context)),
    /the close failed/,
  );
});

test("a set-up that fails closes the context it opened, and fn never runs", { timeout: 30000 }, async () => {
  const made = [];
  const failing = {
    async newContext(options) {
      const context = await browser.newContext(options);
      made.push(context);
      context.newPage = async () => {
        throw new Error("no page");
      };
      return context;
    },
  };
  let ran = false;
  await assert.rejects(
    withPage(failing, async () => {
      ran = true;
    }),
    /no page/,
  );
  assert.equal(ran, false);
  assert.equal(made.length, 1);
  assert.equal(browser.contexts().includes(made[0]), false, "the context was closed");
});
