/**
 * Validating a YAML data file with zod, both loaded only when a file really is validated
 * (createRequire: synchronous, and not when a module is imported), so that a run served by a
 * compiled copy of the data (compiled-data.ts) never pays for them.
 */
import { createRequire } from "node:module";
import type { z as Zod } from "zod";

const requireHere = createRequire(import.meta.url);
let zod: typeof Zod | undefined;
let parseYaml: ((text: string) => unknown) | undefined;

/** zod's `z`, loaded on first use. */
export function lazyZod(): typeof Zod {
  return (zod ??= (requireHere("zod") as typeof import("zod")).z);
}

/**
 * Parses `text` as YAML and checks it against `schema`; `check` adds what zod cannot say (a
 * problem, or undefined). Errors name `label` (e.g. "data/ncsi.yaml") and the field: a malformed
 * data file is a bug in the project.
 */
export function validateYaml<T>(label: string, text: string, schema: Zod.ZodType<T>, check?: (data: T) => string | undefined): T {
  parseYaml ??= (requireHere("yaml") as typeof import("yaml")).parse;
  const result = schema.safeParse(parseYaml(text));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${label} is invalid at ${issue.path.join(".")}: ${issue.message}`);
  }
  const problem = check?.(result.data);
  if (problem) throw new Error(`${label}: ${problem}`);
  return result.data;
}

/** Every entry must name a source its file defines: the first that does not, as a problem. */
export function unknownSource(sources: Record<string, string>, used: string[]): string | undefined {
  const missing = used.find((source) => !(source in sources));
  return missing === undefined ? undefined : `source "${missing}" is not defined under sources`;
}
