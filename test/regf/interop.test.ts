/**
 * Interop: for every clean corpus hive (sequence numbers equal, checksum right, walks
 * cleanly), the whole key/value set (key paths, value names, types, data bytes) equals what
 * hivex (`hivexregedit --export`) and libregf (`regfexport`) read. Where regfexport departs
 * from the regf specification, the difference must fall in one of the documented classes of
 * interop-diff.ts (the spec sides with p2vfix in each).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checksumOk } from "../../src/regf/base-block.js";
import { Hive } from "../../src/regf/hive.js";
import { corpusFile, hasCorpus } from "../helpers/corpus.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { diffKeySets, diffRegfexport } from "./interop-diff.js";
import { hiveKeySet } from "./keyset.js";
import { manifestHives } from "./manifest.js";
import { parseHivexExport, parseRegfexport } from "./peers.js";

/** Clean hives a peer cannot read at all (the reason is the peer's message). */
const hivexFails: Record<string, string> = {
  "yarp/System_Delta": "value_value: Bad address (a layered-key hive, format 1.6)",
};

function cleanHives(): string[] {
  if (!hasCorpus()) return [];
  return manifestHives()
    .filter((h) => h.primary && h.keys !== undefined)
    .map((h) => h.file)
    .filter((f) => !["regipy/corrupted_system_hive.xz", "plaso/corrupt_sub_key_list.hiv", "yarp/DuplicateSubkeysHive", "yarp/TruncatedHive", "libregf/hive_bins_list.1"].includes(f));
}

async function openClean(rel: string): Promise<{ path: string; hive: Hive } | undefined> {
  const path = await corpusFile(`hives/${rel}`);
  const hive = new Hive(new Uint8Array(readFileSync(path)));
  const b = hive.baseBlock;
  if (b.primarySequence !== b.secondarySequence || !checksumOk(b)) return undefined;
  return { path, hive };
}

const PREFIX = "HKEY_LOCAL_MACHINE\\P2VFIX";

describe.skipIf(!hasCorpus() || !toolsAvailable("hivexregedit"))("interop with hivex", () => {
  for (const rel of cleanHives()) {
    it(`${rel}: same keys, values, types and bytes as hivexregedit --export`, { timeout: 60_000 }, async () => {
      const opened = await openClean(rel);
      if (!opened) return; // dirty: compared after recovery by the log tests
      const r = runTool("hivexregedit", ["--export", "--prefix", PREFIX, opened.path, "\\"]);
      if (hivexFails[rel]) {
        expect(r.status).not.toBe(0);
        expect(opened.hive.stats().keys).toBeGreaterThan(0); // p2vfix reads it
        return;
      }
      expect(r.status, r.stderr).toBe(0);
      expect(diffKeySets(hiveKeySet(opened.hive), parseHivexExport(r.stdout, PREFIX))).toEqual([]);
    });
  }
});

describe.skipIf(!hasCorpus() || !toolsAvailable("regfexport"))("interop with libregf regfexport", () => {
  for (const rel of cleanHives()) {
    it(`${rel}: same keys and values as regfexport, up to documented regfexport departures`, { timeout: 60_000 }, async () => {
      const opened = await openClean(rel);
      if (!opened) return;
      const r = runTool("regfexport", [opened.path]);
      expect(r.status, r.stderr).toBe(0);
      const diff = diffRegfexport(opened.hive, parseRegfexport(r.stdout.toString("utf8")));
      expect(diff.unexplained).toEqual([]);
    });
  }

  it("the documented departures really occur (the classes are not dead code)", async () => {
    const seen = new Set<string>();
    for (const rel of ["hivex/special", "yarp/CompHive", "hivex/rlenvalue_test_hive", "regipy/BCD.xz"]) {
      const opened = (await openClean(rel))!;
      const diff = diffRegfexport(opened.hive, parseRegfexport(runTool("regfexport", [opened.path]).stdout.toString("utf8")));
      for (const k of Object.keys(diff.explained)) seen.add(k);
    }
    expect([...seen].sort()).toEqual(["inline-short", "name-cp1252", "name-nul", "string-size"]);
  });
});
