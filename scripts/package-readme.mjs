// The package's README.md, built from the project README: the parts of README.md between
// `<!-- package-readme: begin -->` and `<!-- package-readme: end -->`, in order, put into the
// frame pkg-template/README.md where its `<!-- package-readme: sections -->` line stands. One
// source for both, so the README shipped in the tarball never drifts from the project's.
// Used by scripts/build-pkg.mjs (and tests/docs/readme.test.mjs checks pkg/README.md against it).

import { readFileSync } from "node:fs";
import { join } from "node:path";

const BEGIN = /^<!-- package-readme: begin\b.*-->$/;
const END = /^<!-- package-readme: end\b.*-->$/;
const SECTIONS = "<!-- package-readme: sections -->";

/** The marked parts of `project` (README.md's text), each without its markers. */
export function markedParts(project) {
  const parts = [];
  let current = null;
  for (const [i, line] of project.split("\n").entries()) {
    if (BEGIN.test(line)) {
      if (current !== null) throw new Error(`README.md line ${i + 1}: a package-readme begin inside another`);
      current = [];
    } else if (END.test(line)) {
      if (current === null) throw new Error(`README.md line ${i + 1}: a package-readme end without a begin`);
      parts.push(current.join("\n").trim());
      current = null;
    } else if (current !== null) {
      current.push(line);
    }
  }
  if (current !== null) throw new Error("README.md: a package-readme begin is never closed");
  if (parts.length === 0) throw new Error("README.md has no package-readme parts");
  return parts;
}

/** The package README: `frame` (pkg-template/README.md's text) with the parts of `project` in it. */
export function packageReadme(project, frame) {
  const body = frame.replace(/^<!--[\s\S]*?-->\n/, "");
  if (body.split("\n").filter((line) => line === SECTIONS).length !== 1) {
    throw new Error(`pkg-template/README.md must hold the line ${SECTIONS} exactly once`);
  }
  return `${body.replace(SECTIONS, markedParts(project).join("\n\n")).trimEnd()}\n`;
}

/** The package README of the repository at `root`. */
export function packageReadmeOf(root) {
  return packageReadme(readFileSync(join(root, "README.md"), "utf8"), readFileSync(join(root, "pkg-template", "README.md"), "utf8"));
}
