// Section sizes of a .wasm file (what its bytes are spent on), from the binary's own headers.

const NAMES = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount", "tag"];

/** An unsigned LEB128 number at `at`: [the number, the offset after it] (also read by
 * wasm-profile.mjs). @param {Uint8Array} buf @param {number} at @returns {[number, number]} */
export function leb(buf, at) {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    if (at >= buf.length) throw new Error("wasm: a LEB128 number runs past the end");
    byte = buf[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, at];
}

/**
 * The sections of a .wasm, in order: `id`, `name` (`code`, `custom "name"`, …), `bytes` (the
 * contents' size) and `start` (where the contents begin in `buf`). Also the walk
 * wasm-profile.mjs reads each section's contents from.
 * @param {Uint8Array} buf @returns {{id: number, name: string, bytes: number, start: number}[]}
 */
export function wasmSections(buf) {
  const out = [];
  let at = 8;
  while (at < buf.length) {
    const id = buf[at++];
    let size;
    [size, at] = leb(buf, at);
    if (at + size > buf.length) throw new Error(`wasm: section ${id} runs past the end`);
    let name = NAMES[id] ?? `section ${id}`;
    if (id === 0) {
      const [len, p] = leb(buf, at);
      name = `custom "${Buffer.from(buf.subarray(p, p + len)).toString("utf8")}"`;
    }
    out.push({ id, name, bytes: size, start: at });
    at += size;
  }
  return out;
}
