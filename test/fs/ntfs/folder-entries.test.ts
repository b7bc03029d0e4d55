/**
 * A writer session's folder entries (create/folder-entries.ts): names upper-cased once through
 * $UpCase and compared as plain strings must order and match exactly as UpCaseTable.compare
 * and collateNames do, whatever the table (a real volume's, and one whose ASCII part is not
 * ASCII's own upper-casing, which turns the engine fast path off).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collateNames, upcasedName } from "../../../src/fs/ntfs/create/index-tree.js";
import { FolderEntries } from "../../../src/fs/ntfs/create/folder-entries.js";
import { UpCaseTable } from "../../../src/fs/ntfs/upcase.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { MemoryDevice } from "../../../src/io/index.js";
import { fixtureBytes } from "./helpers.js";

const real = openNtfs(new MemoryDevice(fixtureBytes("write").slice(), { writable: false })).upcase;

/** The real table with "a" left lower case and "é" mapped to "E": not ASCII's own mapping. */
function oddTable(): UpCaseTable {
  const units = new Uint16Array(65536);
  for (let unit = 0; unit < 65536; unit++) units[unit] = real.upper(unit);
  units[0x61] = 0x61;
  units[0xe9] = 0x45;
  return new UpCaseTable(new Uint8Array(units.buffer));
}

const perUnit = (upcase: UpCaseTable, name: string) => Array.from({ length: name.length }, (_, i) => String.fromCharCode(upcase.upper(name.charCodeAt(i)))).join("");
const nameArb = fc.string({ unit: fc.constantFrom(..."aAbBzZ09-_. éÉßıİ\u0130\u00ff\u0178~{}[]"), maxLength: 8 });

describe("names upper-cased once through $UpCase", () => {
  for (const [label, table] of [["a real volume's table", real], ["a table whose ASCII part is not ASCII's", oddTable()]] as const) {
    it(`${label}: the same as mapping unit by unit, ordered and matched as UpCaseTable.compare`, () => {
      expect(table.asciiIsStandard).toBe(table === real);
      fc.assert(
        fc.property(nameArb, nameArb, (left, right) => {
          const l = upcasedName(table, left);
          const r = upcasedName(table, right);
          expect(l).toBe(perUnit(table, left));
          expect(Math.sign(l < r ? -1 : l > r ? 1 : 0)).toBe(Math.sign(table.compare(left, right)));
        }),
        { numRuns: 2000 },
      );
    });

    it(`${label}: find and insert agree with a list kept by collateNames`, () => {
      fc.assert(
        fc.property(fc.array(nameArb.filter((name) => name.length > 0), { maxLength: 40 }), fc.array(nameArb, { maxLength: 10 }), (inserted, asked) => {
          const entries = new FolderEntries(table, []);
          const model: string[] = [];
          inserted.forEach((name, i) => {
            if (model.some((other) => table.compare(other, name) === 0)) return; // a folder never holds two equal names
            entries.insert({ reference: BigInt(100 + i), key: new Uint8Array(0), name, namespace: 0 });
            model.push(name);
          });
          model.sort((a, b) => collateNames(table, a, b));
          expect(entries.entries.map((entry) => entry.name)).toEqual(model);
          for (const name of [...asked, ...inserted]) expect(entries.find(name)?.name).toBe(model.find((other) => table.compare(other, name) === 0));
        }),
        { numRuns: 300 },
      );
    });
  }
});
