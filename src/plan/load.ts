/**
 * Reading a plan file: YAML syntax errors and schema errors are PlanErrors naming the line
 * (from the yaml package's node ranges), so a person editing the plan finds the spot.
 */
import { readFileSync, statSync } from "node:fs";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import { NotFoundError, PlanError } from "../errors.js";
import { PlanFile } from "./schema.js";

/** Line (1-based) of the deepest node that exists along `path`. */
function lineOf(doc: Document, counter: LineCounter, path: PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export function parsePlan(text: string, source = "plan"): PlanFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const yamlError = doc.errors[0];
    const line = counter.linePos(yamlError.pos[0]).line;
    throw new PlanError("plan-syntax", `not valid YAML: ${yamlError.message.split("\n")[0]}`, { path: source, line });
  }
  let json: unknown;
  try {
    // The yaml library throws a plain ReferenceError when aliases expand past the limit (a "billion laughs" bomb).
    json = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new PlanError("plan-alias-limit", `the plan expands YAML aliases (*name) more than ${MAX_ALIAS_COUNT} times: ${(err as Error).message}; a plan p2vfix writes has none`, { path: source, cause: err });
  }
  const result = PlanFile.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.map(String).join(".");
    const line = lineOf(doc, counter, issue.path);
    throw new PlanError("plan-invalid", `${where ? `${where}: ` : ""}${issue.message}`, { path: source, ...(line === undefined ? {} : { line }) });
  }
  const plan = result.data;
  const seen = new Set<string>();
  plan.firstBoot?.steps.forEach((step, i) => {
    if (seen.has(step.id.toLowerCase())) {
      throw new PlanError("duplicate-step-id", `two first-boot steps have the id ${JSON.stringify(step.id)}`, { path: source, ...lineProp(lineOf(doc, counter, ["firstBoot", "steps", i, "id"])) });
    }
    seen.add(step.id.toLowerCase());
  });
  return plan;
}

function lineProp(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

/** A plan is a few KiB of YAML; a file much larger is not one (and would cost memory to parse). */
export const MAX_PLAN_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

export function loadPlan(path: string): PlanFile {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_PLAN_BYTES) throw new PlanError("plan-too-large", `the plan ${path} is ${size} bytes, more than ${MAX_PLAN_BYTES}: not a p2vfix plan`, { path });
    text = readFileSync(path, "utf8");
  } catch (cause) {
    if (cause instanceof PlanError) throw cause;
    throw new NotFoundError("plan-not-found", `cannot read the plan ${path}`, { path, cause });
  }
  return parsePlan(text, path);
}
