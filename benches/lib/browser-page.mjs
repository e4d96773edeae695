// The Chromium side of the per-call benchmark, bundled by esbuild into the page's script.
// The package itself is loaded from /pkg/index.js (its browser entry, unbundled, as shipped).
// window.runBench({fixture, rounds, batch}) runs the variants interleaved and returns
// {variant: [samples in ms]} plus the agreement check.

import { floorQuery } from "./floor.mjs";
import { peerQuery } from "./peer.mjs";

function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

window.runBench = async ({ fixture, rounds, batch, before }) => {
  const { queryUpgradeTask } = await import("/pkg/index.js");
  // The baseline commit's package (served at /pkg-before/ when the run has one).
  const previous = before ? (await import("/pkg-before/index.js")).queryUpgradeTask : null;
  const opts = { baseUrl: location.origin, appKey: "bench-app", retry: false };
  const token = "bench-token-0123456789abcdef";
  const variants = {
    floor: () => floorQuery(fixture, token, opts),
    peer: () => peerQuery(fixture, token, opts),
    project: () => queryUpgradeTask(fixture, token, opts),
  };
  if (previous) variants["project (before)"] = () => previous(fixture, token, opts);
  const agree = same(await variants.project(), await variants.peer()) && (!previous || same(await variants["project (before)"](), await variants.project()));
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < Math.max(100, batch); i++) await variants[n]();
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length];
      for (let i = 0; i < batch; i++) {
        const t = performance.now();
        await variants[n]();
        samples[n].push(performance.now() - t);
      }
    }
  }
  return { agree, crossOriginIsolated: globalThis.crossOriginIsolated === true, samples };
};
window.benchReady = true;
