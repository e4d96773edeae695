// Plain-text tables and CSV for the CLI's `list` and `devices` commands, and the rules for which
// statuses are final and how many of a task's devices are done, which the package's waiting,
// the CLI and the demo console (www/, which imports this file from the package it serves at
// /pkg/) share. No dependencies; the cells arrive
// already made terminal-safe (the CLI's `safe`), so widths are counted in code points, and a
// column's header sets its minimum width. Not an export of the package: its `exports` map does
// not name this file.

/** The statuses after which a task never changes again (`waitForUpgradeTask` stops there). */
export const FINAL_STATUSES = new Set(["success", "failed", "stop"]);

/**
 * Devices of a task's `staResult` that reached an outcome of their own: upgraded, failed or
 * timed out. Stopped ones did not, so a task stopped half-way is never all done.
 */
export const devicesDone = (s) => s.success + s.fail + s.timeout;

/**
 * The whole percentage of devices done, rounded down: 399 of 400 is 99, never 100 before every
 * device is done; 0 for a task without devices.
 */
export const percentDone = (s) => (s.total > 0 ? Math.floor((devicesDone(s) * 100) / s.total) : 0);

/** Code points: the width of a terminal-safe cell without colours. */
const codePoints = (text) => [...text].length;

/**
 * Text in columns: `columns` are `{ title, align? }`, rows arrays of strings; the last column
 * is not padded. `width(cell)` measures a cell (pass one that skips colour escapes).
 */
export function table(columns, rows, { gap = "  ", paintHeader = (text) => text, width: measure = codePoints } = {}) {
  const width = columns.map((c, i) => rows.reduce((w, row) => Math.max(w, measure(row[i] ?? "")), measure(c.title)));
  const line = (cells, paint = (text) => text) =>
    cells
      .map((cell, i) => {
        const text = cell ?? "";
        const fill = " ".repeat(width[i] - measure(text));
        if (i === cells.length - 1 && columns[i].align !== "right") return paint(text);
        return columns[i].align === "right" ? fill + paint(text) : paint(text) + fill;
      })
      .join(gap);
  return [line(columns.map((c) => c.title), paintHeader), ...rows.map((row) => line(row))];
}

// A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR at its start) gets a leading
// apostrophe (OWASP's advice on CSV injection); platform text is not trusted.
const FORMULA = /^[=+\-@\t\r]/;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; null → empty. */
export function csvField(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, without its line end (the caller writes CRLF, as RFC 4180 says). */
export const csvRecord = (values) => values.map(csvField).join(",");
