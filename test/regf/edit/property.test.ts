/**
 * Random edit sequences applied to an in-memory model and to a hive: after serialize and
 * reparse, the hive equals the model and the structural check finds nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkHive } from "../../../src/regf/check/check-hive.js";
import { editHive } from "../../../src/regf/edit/admission.js";
import type { HiveEditor } from "../../../src/regf/edit/editor.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { Hive } from "../../../src/regf/hive.js";
import { upcaseName } from "../../../src/regf/names.js";
import { modelFind, newModelKey, snapshotHive, snapshotModel, type ModelKey } from "./model.js";

// Few names, with case variants and non-Latin-1 ones, so that operations collide often.
const NAMES = ["a", "A", "b", "Ab", "é", "É", "Ω", "ω", "key", "KEY", "x y", "日本"];
const name = fc.constantFrom(...NAMES);
const data = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.uint8Array({ minLength: 9, maxLength: 300 }),
  fc.integer({ min: 16000, max: 40000 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)),
);

/** Ops pick an existing key of the model by index (`at`), so that most of them hit. */
type Op =
  | { op: "createKey"; at: number; names: string[] }
  | { op: "deleteKey"; at: number }
  | { op: "setValue"; at: number; name: string; type: number; data: Uint8Array }
  | { op: "deleteValue"; at: number; name: string }
  | { op: "renameKey"; at: number; to: string }
  | { op: "reopen" };

const at = fc.nat();
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("createKey" as const), at, names: fc.array(name, { minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteKey" as const), at }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("setValue" as const), at, name: fc.constantFrom("", ...NAMES), type: fc.constantFrom(0, 1, 3, 4, 7, 11, 0x1234), data }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("deleteValue" as const), at, name: fc.constantFrom("", ...NAMES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("renameKey" as const), at, to: name }) },
  { weight: 1, arbitrary: fc.constant({ op: "reopen" as const }) },
);

/** Every key of the model as a list of names (root = []), depth first. */
function modelPaths(k: ModelKey, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  for (const c of k.children.values()) modelPaths(c, [...prefix, c.name], out);
  return out;
}

/** The editor is addressed with upper-cased paths: lookups must be case-insensitive. */
const hivePath = (parts: string[]) => upcaseName(parts.join("\\"));

function apply(state: { editor: HiveEditor; model: ModelKey }, o: Op): void {
  const { model } = state;
  const e = state.editor;
  if (o.op === "reopen") {
    state.editor = editHive(new Hive(e.serialize()));
    return;
  }
  const paths = modelPaths(model);
  const picked = paths[o.at % paths.length];
  const key = modelFind(model, picked)!;
  switch (o.op) {
    case "createKey": {
      e.createKey([hivePath(picked), ...o.names].join("\\"));
      let k = key;
      for (const p of o.names) {
        let c = k.children.get(upcaseName(p));
        if (!c) k.children.set(upcaseName(p), (c = newModelKey(p)));
        k = c;
      }
      return;
    }
    case "deleteKey": {
      if (picked.length === 0) {
        expect(() => e.deleteKey("")).toThrow(/cannot be deleted/);
        return;
      }
      e.deleteKey(hivePath(picked));
      modelFind(model, picked.slice(0, -1))!.children.delete(upcaseName(picked[picked.length - 1]));
      return;
    }
    case "setValue": {
      e.setValue(hivePath(picked), o.name, o.type, o.data);
      const prior = key.values.get(upcaseName(o.name));
      key.values.set(upcaseName(o.name), { name: prior?.name ?? o.name, type: o.type, data: o.data });
      return;
    }
    case "deleteValue": {
      expect(e.deleteValue(hivePath(picked), o.name)).toBe(key.values.delete(upcaseName(o.name)));
      return;
    }
    case "renameKey": {
      if (picked.length === 0) {
        e.renameKey("", o.to);
        model.name = o.to;
        return;
      }
      const parent = modelFind(model, picked.slice(0, -1))!;
      const clash = parent.children.get(upcaseName(o.to));
      if (clash && clash !== key) {
        expect(() => e.renameKey(hivePath(picked), o.to)).toThrow(/already exists/);
        return;
      }
      e.renameKey(hivePath(picked), o.to);
      parent.children.delete(upcaseName(picked[picked.length - 1]));
      key.name = o.to;
      parent.children.set(upcaseName(o.to), key);
      return;
    }
  }
}

describe("editor property: random edits match a model", () => {
  it("hive equals the model after serialize + reparse, and the check passes", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
        const state = { editor: createHive("ROOT"), model: newModelKey("ROOT") };
        for (const o of ops) apply(state, o);
        const bytes = state.editor.serialize();
        const result = checkHive(bytes);
        expect(result.errors).toEqual([]);
        expect(result.warnings).toEqual([]);
        expect(snapshotHive(new Hive(bytes))).toEqual(snapshotModel(state.model));
      }),
      { numRuns: 150 },
    );
  });
});
