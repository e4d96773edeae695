// The one error class of iot-upgrade-task. Written once; the build derives errors.cjs from
// this file, and `instanceof` recognises instances of either copy (and of other copies of the
// package) through a registered brand symbol, as AWS SDK v3's ServiceException does.

const BRAND = Symbol.for("iot-upgrade-task.UpgradeTaskError");

/** Every rejection of iot-upgrade-task is an UpgradeTaskError. */
export class UpgradeTaskError extends Error {
  // Declared fields are defined as the instance's own properties before the constructor's
  // assignments: a setter a page defined on Object.prototype for one of these keys never runs.
  kind;
  httpStatus;
  errorCode;
  errorDesc;
  hint;
  retryable;
  problems;
  attempts;

  /**
   * @param {object} init the error record built by the WebAssembly core
   * @param {{cause?: unknown}} [options]
   */
  constructor(init, options) {
    const record = init !== null && typeof init === "object" ? init : {};
    super(String(record.message ?? record.kind ?? "unknown error"), options);
    this.kind = record.kind ?? "network";
    this.httpStatus = record.httpStatus ?? null;
    this.errorCode = record.errorCode ?? null;
    this.errorDesc = record.errorDesc ?? null;
    this.hint = record.hint ?? "";
    this.retryable = record.retryable === true;
    this.problems = Array.isArray(record.problems) ? record.problems : [];
    this.attempts = Number.isInteger(record.attempts) ? record.attempts : 0;
    Object.defineProperty(this, BRAND, { __proto__: null, value: true });
  }

  /** True for an UpgradeTaskError from any copy of the package (ESM, CommonJS, bundled). */
  static [Symbol.hasInstance](value) {
    if (this !== UpgradeTaskError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value !== null && typeof value === "object" && value[BRAND] === true;
  }
}

Object.defineProperty(UpgradeTaskError.prototype, "name", {
  __proto__: null,
  value: "UpgradeTaskError",
  writable: true,
  configurable: true,
  enumerable: false,
});

/**
 * Turns whatever a call rejected with into an UpgradeTaskError: the core's error records
 * become typed errors; anything else (the module failed to load) becomes kind "network".
 * @param {unknown} raw
 */
export function toUpgradeTaskError(raw) {
  if (raw instanceof UpgradeTaskError) return raw;
  if (raw !== null && typeof raw === "object" && typeof raw.kind === "string" && "problems" in raw) {
    return new UpgradeTaskError(raw);
  }
  const detail = raw instanceof Error ? raw.message : String(raw);
  return new UpgradeTaskError(
    {
      kind: "network",
      message: `network: the WebAssembly module could not be loaded (${detail})`,
      hint: "Check that the package's .wasm file is served next to its JavaScript (see the README's bundler notes).",
      retryable: false,
    },
    { cause: raw },
  );
}
