/**
 * Hostile input: mutated hives either open and edit into a hive that passes the check, or
 * fail with a typed P2vfixError (never a crash, hang or RangeError).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../../src/errors.js";
import { checkHive } from "../../../src/regf/check/check-hive.js";
import { editHive } from "../../../src/regf/edit/admission.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { openHive } from "../../../src/regf/open.js";
import { RegType } from "../../../src/regf/value-types.js";

function seed(): Uint8Array {
  const e = createHive("ROOT", { now: () => new Date("2024-01-01T00:00:00Z") });
  for (let i = 0; i < 40; i++) e.createKey(`K${i % 7}\\S${i}`);
  e.setValue("K1", "v", RegType.BINARY, new Uint8Array(200).fill(5));
  e.setValue("K2", "big", RegType.BINARY, new Uint8Array(17000).fill(6));
  e.setClassName("K3", "cls");
  return e.serialize();
}

describe("editing mutated hives", () => {
  it("edits succeed and pass the check, or fail with a typed error", () => {
    const base = seed();
    let edited = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (muts) => {
        const bytes = base.slice();
        for (const [at, value] of muts) bytes[at] = value;
        try {
          const e = editHive(openHive(bytes));
          e.createKey("K1\\New");
          e.setValue("K2", "x", RegType.DWORD, Uint8Array.from([1, 2, 3, 4]));
          e.deleteKey("K4");
          e.deleteValue("K1", "v");
          const out = e.serialize();
          expect(checkHive(out).errors).toEqual([]);
          edited++;
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
          refused++;
        }
      }),
      { numRuns: 300 },
    );
    expect(edited).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
