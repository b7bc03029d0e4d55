/**
 * docs/inspect-schema.json is the zod schema's JSON Schema (regenerate with
 * P2VFIX_UPDATE_SCHEMA=1 npx vitest run test/windows/schema.test.ts), and real reports conform.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { scenariosDir } from "../../scripts/fixtures/build-scenarios.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { inspectJsonSchema } from "../../src/windows/json-schema.js";
import { loadWindows } from "../../src/windows/load.js";

const schemaPath = resolve(import.meta.dirname, "../../docs/inspect-schema.json");

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; additionalProperties?: Schema | boolean; const?: unknown; enum?: unknown[] };

/** A small JSON Schema check (type, required, properties, items, anyOf, enum, const): enough for this schema. */
function check(schema: Schema, value: unknown, path: string, errors: string[]): void {
  if (schema.anyOf) {
    const ok = schema.anyOf.some((s) => {
      const e: string[] = [];
      check(s, value, path, e);
      return e.length === 0;
    });
    if (!ok) errors.push(`${path}: matches no anyOf branch`);
    return;
  }
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: expected ${String(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${String(value)} not in enum`);
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "number" ? (Number.isInteger(value) ? "integer" : "number") : typeof value;
  if (types.length && !types.includes(actual) && !(actual === "integer" && types.includes("number"))) {
    errors.push(`${path}: type ${actual}, expected ${types.join("|")}`);
    return;
  }
  if (actual === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      if (sub) check(sub, v, `${path}.${k}`, errors);
      else if (schema.properties && schema.additionalProperties === false) errors.push(`${path}.${k}: not allowed`);
    }
  }
  if (actual === "array" && schema.items) (value as unknown[]).forEach((v, i) => check(schema.items!, v, `${path}[${i}]`, errors));
}

describe("inspect JSON schema", () => {
  it("docs/inspect-schema.json is generated from the zod schema", () => {
    const generated = JSON.stringify(inspectJsonSchema(), null, 2) + "\n";
    if (process.env.P2VFIX_UPDATE_SCHEMA) writeFileSync(schemaPath, generated);
    expect(readFileSync(schemaPath, "utf8")).toBe(generated);
  });

  it("every scenario's report validates against the committed JSON Schema", () => {
    const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Schema;
    for (const [name, target] of [["hp-proliant-2012r2", "hyperv"], ["win10-hyperv-guest", "hyperv"], ["server2019-vmware", "kvm"], ["server2003-dc", "xen"]]) {
      const { hives } = loadWindows(join(scenariosDir, name));
      const report = JSON.parse(JSON.stringify(inspectWindows(hives, { target })));
      const errors: string[] = [];
      check(schema, report, "$", errors);
      expect(errors).toEqual([]);
    }
    // And the checker does reject a broken report.
    const errors: string[] = [];
    check(schema, { schemaVersion: 2, findings: "none" }, "$", errors);
    expect(errors.length).toBeGreaterThan(2);
  });
});
