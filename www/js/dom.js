// Building DOM from data without markup: every piece of data becomes a text node
// (createElement + textContent/append). There is no innerHTML anywhere in this console, and
// the Content-Security-Policy's `require-trusted-types-for 'script'` makes such sinks throw.

const SAFE_ATTRIBUTE = /^(?:aria-[a-z-]+|data-[a-z-]+|role|id|for|class|hidden|tabindex|datetime|title|type|value|lang|dir|colspan|scope|open)$/;

/**
 * Creates an element. `props`: `class`, `text`, `hidden`, and attributes from a short allow-list
 * (no event handlers, no style, no URLs). Children: nodes, strings (as text) or null (skipped).
 * @param {string} tag
 * @param {Record<string, unknown> | null} [props]
 * @param {...(Node | string | number | null | undefined | false)} children
 */
export function h(tag, props = null, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [name, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") el.textContent = String(value);
      else if (name === "class") el.className = String(value);
      else if (SAFE_ATTRIBUTE.test(name)) el.setAttribute(name, value === true ? "" : String(value));
      else throw new Error(`h(): attribute "${name}" is not allowed`);
    }
  }
  append(el, children);
  return el;
}

/** Appends children (nodes or text) to `parent`. */
export function append(parent, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

/**
 * Enables or disables a pager's Previous and Next. A button that had the keyboard focus and is
 * now disabled hands it to the other one, so focus never drops to the page (at the last page,
 * Enter on Next lands on Previous).
 */
export function setPager(prev, next, { prevDisabled, nextDisabled }) {
  const focused = document.activeElement;
  prev.disabled = prevDisabled;
  next.disabled = nextDisabled;
  if (focused === next && nextDisabled && !prevDisabled) prev.focus();
  else if (focused === prev && prevDisabled && !nextDisabled) next.focus();
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// Characters that change how text around them is shown without being visible themselves:
// bidirectional overrides/isolates/marks and other control characters. A device id such as
// "device-\u202Egnp.exe" would otherwise read "device-exe.png".
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu;

/** JSON text with the invisible characters written as \uXXXX escapes (still the same JSON value). */
export function escapeInvisibleJson(json) {
  return json.replace(INVISIBLE, (ch) => `\\u${ch.codePointAt(0).toString(16).padStart(4, "0")}`);
}

const codePoint = (ch) => `U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * A data string as text, with invisible control characters shown as visible `U+202E` marks
 * (each inside its own isolate so they cannot reorder the text around them).
 * @param {unknown} value
 */
export function dataText(value) {
  const text = String(value);
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(INVISIBLE)) {
    if (m.index > last) frag.append(document.createTextNode(text.slice(last, m.index)));
    frag.append(h("span", { class: "ctl", title: `invisible character ${codePoint(m[0])}` }, codePoint(m[0])));
    last = m.index + m[0].length;
  }
  if (last < text.length || text.length === 0) frag.append(document.createTextNode(text.slice(last)));
  return h("bdi", { class: "data" }, frag);
}
