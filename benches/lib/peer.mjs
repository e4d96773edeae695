// The peer baseline, usable in Node and (bundled by esbuild) in Chromium: fetch + a zod schema encoding the contract's section 3 (normalisation and every
//        validation rule, every problem reported with its JS path), plus the section-1 checks a
//        client must make on the answer (status, error_code/resultcode bodies, 4 MiB cap).
// Like the floor (floor.mjs), it adds none of the project's per-call deadline (timeoutMs: AbortController + timer), retries
// or argument checks; run.mjs measures the deadline's cost separately.

import { z } from "zod";
import { request } from "./floor.mjs";

export { floorQuery } from "./floor.mjs";
const MAX_BODY = 4 * 1024 * 1024;

// ---- the contract, as a zod schema --------------------------------------------------------

const COMPACT = /^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(\d{2})[Zz]$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** A platform or RFC 3339 time → "YYYY-MM-DDTHH:MM:SSZ" in UTC, or null when invalid. */
function normaliseTime(s) {
  let m = COMPACT.exec(s);
  let sign = 0;
  let oh = 0;
  let om = 0;
  if (!m) {
    m = RFC3339.exec(s);
    if (!m) return null;
    if (!m[7]) {
      sign = m[8] === "-" ? -1 : 1;
      oh = +m[9];
      om = +m[10];
      if (oh > 23 || om > 59) return null;
    }
  }
  const [y, mo, d, h, mi, se] = [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return null;
  if (d > (mo === 2 && leap(y) ? 29 : DAYS[mo - 1])) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, se) - sign * (oh * 60 + om) * 60000;
  return new Date(t).toISOString().slice(0, 19) + "Z";
}

const time = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (v == null || v === "") return null;
    const t = normaliseTime(v);
    if (t === null) {
      ctx.addIssue({ code: "custom", message: `not a valid time: ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return t;
  });

const enumOf = (values) => {
  const byKey = new Map(values.map((v) => [v.replace(/[_-]/g, ""), v]));
  return z.string().transform((v, ctx) => {
    const hit = byKey.get(v.toLowerCase().replace(/[_-]/g, ""));
    if (hit === undefined) {
      ctx.addIssue({ code: "custom", message: `must be one of ${values.join(", ")}, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return hit;
  });
};

const count = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);
const countOrZero = count.nullish().transform((v) => v ?? 0);
const text = z.string().nullish().transform((v) => (v == null || v === "" ? null : v));
const names = z
  .array(z.string().min(1))
  .max(256)
  .nullish()
  .transform((v) => v ?? []);
const retryTimes = z
  .union([z.number(), z.string()])
  .pipe(count)
  .pipe(z.number().int().min(1).max(5))
  .nullish()
  .transform((v) => v ?? null);
const retryType = z
  .union([z.boolean(), z.enum(["true", "false"])])
  .nullish()
  .transform((v) => v === true || v === "true");

const targets = z
  .object({ deviceGroups: names, deviceType: text, model: text, manufacturerName: text, devices: names })
  .superRefine((t, ctx) => {
    if (t.deviceGroups.length === 0 && t.devices.length === 0) {
      ctx.addIssue({ code: "custom", path: ["devices"], message: "deviceGroups or devices must be non-empty" });
    }
    if (t.deviceGroups.length > 0) {
      for (const k of ["deviceType", "model", "manufacturerName"]) {
        if (t[k] === null) ctx.addIssue({ code: "custom", path: [k], message: "required when deviceGroups is non-empty" });
      }
    }
  });

const policy = z
  .object({
    executeType: enumOf(["now", "device_online", "custom"]).nullish().transform((v) => v ?? "now"),
    startTime: time,
    endTime: time,
    retryType,
    retryTimes,
  })
  .superRefine((p, ctx) => {
    if (p.executeType === "custom") {
      if (p.startTime === null) ctx.addIssue({ code: "custom", path: ["startTime"], message: "required when executeType is custom" });
      if (p.endTime === null) ctx.addIssue({ code: "custom", path: ["endTime"], message: "required when executeType is custom" });
      if (p.startTime && p.endTime && p.endTime < p.startTime) {
        ctx.addIssue({ code: "custom", path: ["endTime"], message: "is before startTime" });
      }
    }
    if (p.retryType && p.retryTimes === null) ctx.addIssue({ code: "custom", path: ["retryTimes"], message: "required when retryType is true" });
  });

const COUNTS = ["wait", "processing", "success", "fail", "stop", "timeout"];
const staResult = z
  .object({
      total: countOrZero,
      wait: countOrZero,
      processing: countOrZero,
      success: countOrZero,
      fail: countOrZero,
      stop: countOrZero,
      timeout: countOrZero,
  })
  .nullish()
  .transform((s) => s ?? { total: 0, wait: 0, processing: 0, success: 0, fail: 0, stop: 0, timeout: 0 })
  .superRefine((s, ctx) => {
    let sum = 0;
    for (const k of COUNTS) {
      sum += s[k];
      if (s[k] > s.total) ctx.addIssue({ code: "custom", path: [k], message: `exceeds total (${s.total})` });
    }
    if (sum > s.total) ctx.addIssue({ code: "custom", path: ["total"], message: `counts add up to ${sum}, more than total` });
  });

const extendPara = z
  .looseObject({ fileVersion: text })
  .nullish()
  .transform((e) => (e == null ? { fileVersion: null } : e));

const orEmpty = (v) => v ?? {};
export const UpgradeTaskSchema = z.object({
  operationId: z.string().min(1),
  createTime: time,
  startTime: time,
  stopTime: time,
  operateType: enumOf(["firmware_upgrade", "software_upgrade"]),
  status: enumOf(["wait", "processing", "failed", "success", "stop"]),
  targets: z.preprocess(orEmpty, targets),
  policy: z.preprocess(orEmpty, policy),
  staResult,
  extendPara,
});

export class PeerError extends Error {
  constructor(kind, message, problems = []) {
    super(message);
    this.kind = kind;
    this.problems = problems;
  }
}

/** Validates and normalises an already-parsed body (the part zod does). */
export function peerValidate(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new PeerError("invalid_response", "the body is not a JSON object", [{ path: "", message: "not a JSON object" }]);
  }
  if ("error_code" in body || "resultcode" in body) {
    throw new PeerError("platform", String(body.error_desc ?? body.resultmsg ?? "platform error"));
  }
  const r = UpgradeTaskSchema.safeParse(body);
  if (!r.success) {
    const problems = r.error.issues.map((i) => ({
      path: i.path.map((p, n) => (typeof p === "number" ? `[${p}]` : n === 0 ? p : `.${p}`)).join(""),
      message: i.message,
    }));
    throw new PeerError("invalid_response", `${problems.length} problem(s) in the task`, problems);
  }
  return r.data;
}

export async function peerQuery(operationId, token, options) {
  const res = await request(operationId, token, options);
  const text = await res.text();
  if (text.length > MAX_BODY) throw new PeerError("invalid_response", "body over 4 MiB", [{ path: "", message: "over 4 MiB" }]);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PeerError("invalid_response", "the body is not JSON", [{ path: "", message: "not JSON" }]);
  }
  if (!res.ok && !(body && typeof body === "object" && ("error_code" in body || "resultcode" in body))) {
    throw new PeerError("http", `HTTP ${res.status}`);
  }
  return peerValidate(body);
}
