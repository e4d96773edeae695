// simulator/index.d.mts against what index.mjs really exports and returns: every runtime
// export and every property of a running simulator is declared, and nothing declared is
// missing at runtime (tests/types/simulator.ts then checks the declared types under tsc
// --strict). Read with the TypeScript compiler API, so the check follows the declarations.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";
import * as simulator from "../../simulator/index.mjs";
import { simFor } from "./helpers.mjs";

const file = new URL("../../simulator/index.d.mts", import.meta.url);
const source = ts.createSourceFile("index.d.mts", readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
const isExported = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true;

/** The names of the declared runtime values (functions, classes, constants). */
function declaredValues() {
  const names = [];
  for (const node of source.statements) {
    if (!isExported(node)) continue;
    if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) names.push(node.name.text);
    if (ts.isVariableStatement(node)) for (const d of node.declarationList.declarations) names.push(d.name.getText(source));
  }
  return [...new Set(names)].sort();
}

/** The member names of an exported interface. */
function members(name) {
  const node = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(node, `index.d.mts declares interface ${name}`);
  return node.members.map((m) => m.name.getText(source)).sort();
}

test("every runtime export of the simulator is declared, and only those", () => {
  const runtime = Object.keys(simulator).sort();
  assert.deepEqual(declaredValues(), runtime);
});

test("the declared Simulator has exactly the properties a running simulator has", async (t) => {
  const sim = await simFor(t, { throttle: false });
  assert.deepEqual(members("Simulator"), Object.keys(sim).sort());
  assert.deepEqual(members("NormalizedSimulatorOptions"), Object.keys(sim.options).sort());
  assert.equal(typeof sim.server.address, "function");
  assert.deepEqual(members("FaultRecord"), Object.keys(sim.setFault("delay=1", { count: 1 })).sort());
  assert.equal(sim.deleteTask("fw-now-devices"), true);
  assert.equal(sim.deleteTask("fw-now-devices"), false);
  assert.deepEqual(members("SimulatorTaskEntry"), Object.keys(sim.tasks()[0]).sort());
  await fetch(`${sim.baseUrl}/iodm/northbound/v1.5.0/operations/x`);
  assert.deepEqual(members("RequestLogEntry"), Object.keys(sim.requests()[0]).sort());
});
