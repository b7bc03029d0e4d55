import fc from "fast-check";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { HBINS_START, writeBaseBlockChecksum } from "../../../src/regf/base-block.js";
import { NK } from "../../../src/regf/cells/nk.js";
import { SK } from "../../../src/regf/cells/sk.js";
import { checkHive } from "../../../src/regf/check/check-hive.js";
import { editHive } from "../../../src/regf/edit/admission.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { Hive } from "../../../src/regf/hive.js";
import { openHiveFile } from "../../../src/regf/open.js";
import { RegType } from "../../../src/regf/value-types.js";
import { corpusFile, corpusFolder, hasCorpus } from "../../helpers/corpus.js";
import { manifestHives } from "../manifest.js";

function sample(): Uint8Array {
  const e = createHive("ROOT", { now: () => new Date("2024-01-01T00:00:00Z") });
  for (const k of ["Alpha\\One", "Beta", "Gamma\\Two\\Three"]) e.createKey(k);
  e.setValue("Beta", "v", RegType.BINARY, new Uint8Array(64).fill(1));
  e.setValue("Beta", "big", RegType.BINARY, new Uint8Array(20000).fill(2));
  return e.serialize();
}

const codes = (issues: { code: string }[]) => [...new Set(issues.map((i) => i.code))].sort();
const cellPos = (off: number) => HBINS_START + off + 4;

describe("checkHive on generated hives", () => {
  it("passes a hive the writer produced, with stats", () => {
    const r = checkHive(sample());
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.stats).toMatchObject({ keys: 7, values: 2, securityRecords: 1, leakedCells: 0, hiveBins: r.stats.hiveBins });
    expect(r.stats.allocatedBytes + r.stats.freeBytes + 32 * r.stats.hiveBins).toBe(r.stats.hiveBinsDataSize);
  });

  const corruptions: [string, (b: Uint8Array, h: Hive, v: DataView) => void, string, "error" | "warning"][] = [
    ["bad checksum", (b) => void (b[508] ^= 1), "bad-checksum", "error"],
    ["dirty sequence numbers", (b, _h, v) => { v.setUint32(4, 7, true); writeBaseBlockChecksum(b); }, "dirty", "error"],
    ["wrong lh hash", (_b, h, v) => {
      const list = v.getUint32(cellPos(h.root().offset) + NK.subkeyList, true);
      v.setUint32(cellPos(list) + 8, 12345, true);
    }, "bad-hash", "error"],
    ["subkey count too high", (_b, h, v) => v.setUint32(cellPos(h.root().offset) + NK.subkeyCount, 4, true), "bad-subkey-count", "error"],
    ["unsorted list", (_b, h, v) => {
      const list = v.getUint32(cellPos(h.root().offset) + NK.subkeyList, true);
      const p = cellPos(list) + 4;
      const a = v.getBigUint64(p, true);
      v.setBigUint64(p, v.getBigUint64(p + 8, true), true);
      v.setBigUint64(p + 8, a, true);
    }, "unsorted-subkeys", "error"],
    ["too few sk references", (_b, h, v) => v.setUint32(cellPos(h.root().securityOffset!) + SK.referenceCount, 2, true), "bad-reference-count", "error"],
    ["surplus sk references", (_b, h, v) => v.setUint32(cellPos(h.root().securityOffset!) + SK.referenceCount, 99, true), "surplus-reference-count", "warning"],
    ["broken sk list", (_b, h, v) => v.setUint32(cellPos(h.root().securityOffset!) + SK.blink, h.root().offset, true), "bad-security-list", "error"],
    ["cell size not aligned", (_b, h, v) => v.setInt32(HBINS_START + h.key("Beta")!.offset, -0x5a, true), "bad-cell-size", "error"],
    ["dangling value list", (_b, h, v) => v.setUint32(cellPos(h.key("Beta")!.offset) + NK.valueList, 0x7ff8, true), "dangling-reference", "error"],
    ["shared cell", (_b, h, v) => {
      const beta = h.key("Beta")!;
      v.setUint32(cellPos(h.key("Alpha\\One")!.offset) + NK.valueList, v.getUint32(cellPos(beta.offset) + NK.valueList, true), true);
      v.setUint32(cellPos(h.key("Alpha\\One")!.offset) + NK.valueCount, 1, true);
    }, "shared-cell", "error"],
    ["leaked cell", (_b, h, v) => {
      v.setUint32(cellPos(h.key("Beta")!.offset) + NK.valueCount, 1, true);
    }, "leaked-cells", "warning"],
    ["bad parent", (_b, h, v) => v.setUint32(cellPos(h.key("Gamma\\Two")!.offset) + NK.parent, h.root().offset, true), "bad-parent", "error"],
    ["hbin offset field", (_b, _h, v) => v.setUint32(HBINS_START + 4, 4096, true), "bad-hbin", "error"],
    ["hive bins size beyond the file", (b, _h, v) => { v.setUint32(40, 0x100000, true); writeBaseBlockChecksum(b); }, "truncated", "error"],
  ];

  for (const [what, mutate, code, level] of corruptions) {
    it(`reports ${what} as ${level} ${code}`, () => {
      const bytes = sample();
      const hive = new Hive(bytes.slice());
      mutate(bytes, hive, new DataView(bytes.buffer));
      const r = checkHive(bytes);
      if (level === "error") {
        expect(codes(r.errors)).toContain(code);
        expect(r.ok).toBe(false);
      } else {
        expect(r.errors).toEqual([]);
        expect(codes(r.warnings)).toContain(code);
      }
    });
  }

  it("never throws or hangs on mutated hives", () => {
    const base = sample();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }), (muts) => {
        const b = base.slice();
        for (const [at, value] of muts) b[at] = value;
        const r = checkHive(b);
        expect(r.ok === (r.errors.length === 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(checkHive(base.subarray(0, 5000)).errors[0].code).toBe("truncated");
    expect(checkHive(new Uint8Array(9000)).errors[0].code).toBe("not-a-hive");
  });
});

/** Corpus hives the manifest describes as damaged on purpose, with the words that say so. */
const DAMAGED: Record<string, RegExp> = {
  "regipy/corrupted_system_hive.xz": /corrupted/i,
  "plaso/corrupt_sub_key_list.hiv": /corrupted subkey list/i,
  "yarp/DuplicateSubkeysHive": /duplicates/i,
  "yarp/WrongOrderHive": /not sorted/i,
  "yarp/EffectiveSizeHive": /checksum is wrong/i,
  "yarp/TruncatedHive": /truncated/i,
  "yarp/GarbageHive": /garbage|checksum/i,
  "libregf/file_header.1": /header|record|fixture|single/i,
  "libregf/hive_bins_list.1": /bins|record|fixture|single/i,
};

describe.skipIf(!hasCorpus())("checkHive on every corpus primary hive", () => {
  const hives = hasCorpus() ? manifestHives().filter((h) => h.primary) : [];

  it("finds no errors in real hives: clean ones as they are, dirty ones after log recovery", async () => {
    const seen: string[] = [];
    const recovered: string[] = [];
    const refused: string[] = [];
    for (const h of hives) {
      const path = await corpusFile(`hives/${h.file}`);
      const raw = checkHive(new Uint8Array(readFileSync(path)));
      const damaged = DAMAGED[h.file];
      if (damaged) {
        expect(h.what, h.file).toMatch(damaged);
        expect(raw.ok, `${h.file} is damaged and must fail the check`).toBe(false);
        continue;
      }
      if (!raw.ok) {
        // Only dirtiness is allowed: then the recovered view must be clean and sound.
        expect(codes(raw.errors), h.file).toEqual(["dirty"]);
        const folder = await corpusFolder(dirname(`hives/${h.file}`));
        const opened = openHiveFile(join(folder, basename(path)));
        if (opened.recovery?.recovered) {
          expect(checkHive(opened.bytes).errors, h.file).toEqual([]);
          recovered.push(h.file);
        } else {
          // No usable logs in the corpus: the writer must refuse it.
          expect(() => editHive(opened), h.file).toThrow(expect.objectContaining({ code: "unrecoverable-dirty-hive" }));
          refused.push(h.file);
        }
      }
      seen.push(h.file);
    }
    expect(seen.length).toBeGreaterThan(40);
    expect(recovered.length).toBeGreaterThan(3);
  }, 60_000);
});
