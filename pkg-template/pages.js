// Walking a paged list of the platform (the task list, a task's subtasks) as an async
// iterable. Written over one generic page source, so the rules live once:
// - pages are asked for in order (pageNo 0, 1, 2, …; the platform's first page is 0), one at a
//   time, with one page size;
// - the walk stops when the items seen (valid and invalid) reach the last page's `totalCount`,
//   or at an empty page, whichever comes first; a short page is not taken as the end (a
//   platform may page smaller than asked);
// - an item already yielded is not yielded again (a newest-first list shifts by one when a task
//   is created during the walk);
// - the caller's signal cancels it, and leaving a `for await` loop early asks for no further
//   page;
// - a page too large to read (over the 4 MiB every answer may hold: a hundred very large tasks)
//   is asked for again in smaller pages covering the same items (100 → 50 → 25 → 5 → 1), until
//   those have covered it: then whole pages again;
// - what `onInvalid` throws is reported like an event listener's error, and the walk goes on.

/**
 * Whether `signal` has fired; one whose `aborted` throws (or no signal) has not: the call's own
 * check then refuses it.
 */
export function isAborted(signal) {
  try {
    return signal?.aborted === true;
  } catch {
    return false;
  }
}

/** The platform's largest page (and the walkers' page size). */
export const WALK_PAGE_SIZE = 100;

/**
 * Calls a caller's callback (`onProgress`, `onRetry`, `onInvalid`); what it throws is reported
 * like an event listener's error (rethrown in a microtask), never swallowed, never a rejection.
 */
export function notify(callback, ...args) {
  try {
    callback(...args);
  } catch (callbackError) {
    queueMicrotask(() => {
      throw callbackError;
    });
  }
}

/** Whether a page's call failed because its answer was over the body limit (the core's problem at path ""). */
function tooLarge(error) {
  return error?.kind === "invalid_response" && Array.isArray(error.problems) && error.problems.some((p) => p?.path === "" && /^the body is larger than \d+ bytes/.test(p.message));
}

/** The next page size down that divides `size` (so the items already walked stay whole pages), or 0. */
function smallerPageSize(size) {
  for (let d = Math.floor(size / 2); d >= 1; d -= 1) if (size % d === 0) return d;
  return 0;
}
/** The platform's largest page number. */
const MAX_PAGE_NO = 2147483647;

/**
 * An async iterable over every item of a paged list.
 *
 * @template Item, Page
 * @param {object} source
 * @param {(pageNo: number, pageSize: number, signal: AbortSignal | undefined) => Promise<Page>} source.fetchPage
 *   one page (it rejects with the call's error, `aborted` included)
 * @param {(page: Page) => Item[]} source.itemsOf the page's valid items
 * @param {(item: Item) => string} source.keyOf an item's id (for the no-repeat rule)
 * @param {() => Promise<Error>} source.abortedError the error of a walk cancelled between pages
 * @param {{ signal?: AbortSignal, pageSize?: number, onInvalid?: (item: any, context: { pageNo: number }) => void }} [options]
 * @returns {AsyncIterable<Item> & { pages(): AsyncIterable<Page> }}
 */
export function walkPages(source, options = {}) {
  const { signal, onInvalid } = options;
  async function* pages() {
    let seen = 0;
    const size = options.pageSize ?? WALK_PAGE_SIZE;
    // The walk by item: `start` is the first item of the next page. A page too large to read
    // is asked for again in smaller pages from the same item; at the next multiple of the
    // walk's page size the walk asks for whole pages again.
    let start = 0;
    let pageSize = size;
    for (;;) {
      if (isAborted(signal)) throw await source.abortedError();
      if (Number.isInteger(size) && start % size === 0) pageSize = size;
      let page;
      for (;;) {
        const pageNo = start / pageSize;
        try {
          if (pageNo > MAX_PAGE_NO) return;
          page = await source.fetchPage(pageNo, pageSize, signal);
          break;
        } catch (error) {
          const smaller = Number.isInteger(pageSize) ? smallerPageSize(pageSize) : 0;
          if (!tooLarge(error) || smaller === 0) throw error;
          pageSize = smaller; // divides the page size before it, so `start` is a whole page of it
        }
      }
      const count = source.itemsOf(page).length + page.invalid.length;
      if (count === 0) return;
      seen += count;
      yield page;
      if (seen >= page.totalCount) return;
      start += pageSize;
    }
  }

  async function* items() {
    const keys = new Set();
    for await (const page of pages()) {
      if (typeof onInvalid === "function") for (const bad of page.invalid) notify(onInvalid, bad, { pageNo: page.pageNo });
      for (const item of source.itemsOf(page)) {
        const key = source.keyOf(item);
        if (keys.has(key)) continue;
        keys.add(key);
        yield item;
      }
    }
  }

  return { [Symbol.asyncIterator]: () => items(), pages };
}
