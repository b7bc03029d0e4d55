/**
 * Every file of the hive corpus opens or fails as its MANIFEST.md says: primaries as stored
 * (no log replay) give exactly the manifest's reachable key/value counts; the known-broken
 * ones fail with a RegfError naming the problem; logs and raw records are refused as hives.
 */
import { describe, expect, it } from "vitest";
import { RegfError } from "../../src/errors.js";
import { Hive } from "../../src/regf/hive.js";
import { corpusBytes, hasCorpus, noCorpusReason } from "../helpers/corpus.js";
import { manifestHives } from "./manifest.js";

/** Primaries that must not open or walk cleanly, with the error and why. */
const expectedFailures: Record<string, { stage: "open" | "walk"; code: string; why: string }> = {
  "regipy/corrupted_system_hive.xz": { stage: "open", code: "bad-hbin", why: "a zeroed page where hive bin 0x19000 should start" },
  "plaso/corrupt_sub_key_list.hiv": { stage: "walk", code: "unallocated-cell", why: "subkey list entry points to a free cell" },
  "yarp/DuplicateSubkeysHive": { stage: "walk", code: "duplicate-subkey", why: "two subkeys named 4500" },
  "yarp/TruncatedHive": { stage: "open", code: "truncated", why: "cut to 12 KiB, base block says 476 KiB of bins" },
  "libregf/file_header.1": { stage: "open", code: "truncated", why: "a 512-byte base block only" },
  "libregf/hive_bins_list.1": { stage: "open", code: "truncated", why: "one bin of a 1 MiB hive" },
};

describe.skipIf(!hasCorpus())(`hive corpus as the manifest says (${hasCorpus() ? "" : noCorpusReason})`, () => {
  const hives = hasCorpus() ? manifestHives() : [];

  it("reads the manifest", () => {
    expect(hives.length).toBeGreaterThan(100);
    expect(hives.filter((h) => h.primary).length).toBeGreaterThan(60);
  });

  for (const h of hives.filter((x) => x.primary)) {
    const failure = expectedFailures[h.file];
    it(`${h.file}: ${failure ? `fails at ${failure.stage} with ${failure.code}` : `${h.keys} keys / ${h.values} values`}`, async () => {
      const bytes = await corpusBytes(`hives/${h.file}`);
      if (failure?.stage === "open") {
        expect(() => new Hive(bytes)).toThrow(expect.objectContaining({ code: failure.code }));
        return;
      }
      const hive = new Hive(bytes);
      if (failure?.stage === "walk") {
        let err: unknown;
        try {
          hive.stats();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(RegfError);
        expect((err as RegfError).code).toBe(failure.code);
        return;
      }
      const stats = hive.stats();
      expect({ keys: stats.keys, values: stats.values }).toEqual({ keys: h.keys, values: h.values });
    });
  }

  it("refuses every log, record fixture and non-hive with a RegfError", async () => {
    const others = hives.filter((x) => !x.primary);
    expect(others.length).toBeGreaterThan(30);
    for (const h of others) {
      const bytes = await corpusBytes(`hives/${h.file}`);
      let err: unknown;
      try {
        new Hive(bytes);
      } catch (e) {
        err = e;
      }
      expect(err, h.file).toBeInstanceOf(RegfError);
      expect(["not-a-primary", "not-a-hive", "truncated"], h.file).toContain((err as RegfError).code);
    }
  });
});
