import { describe, expect, it } from "vitest";
import { RegfError } from "../../../src/errors.js";
import { parseBaseBlock } from "../../../src/regf/base-block.js";
import { Hive } from "../../../src/regf/hive.js";
import { recoverHive, recoverHiveStrict } from "../../../src/regf/log/recover.js";
import type { LogInput, RecoveryResult } from "../../../src/regf/log/types.js";
import { join } from "node:path";
import { openHiveFile } from "../../../src/regf/open.js";
import { iterateKeys } from "../../../src/regf/walk.js";
import { corpusBytes, corpusFolder, hasCorpus, noCorpusReason } from "../../helpers/corpus.js";

const hives = (rel: string) => corpusBytes(`hives/${rel}`);
const corpusTitle = (t: string) => (hasCorpus() ? t : `${t} (skipped: ${noCorpusReason})`);

async function logsOf(dir: string, names: string[]): Promise<LogInput[]> {
  return Promise.all(names.map(async (name) => ({ name, bytes: await hives(`${dir}/${name}`) })));
}

async function recoverCorpus(dir: string, primary: string, logs: string[]): Promise<{ primary: Uint8Array; result: RecoveryResult }> {
  const bytes = await hives(`${dir}/${primary}`);
  return { primary: bytes, result: recoverHive(bytes, await logsOf(dir, logs)) };
}

/** The key/value set through the hive reader: path → values (name, type, data). */
function keyValueSet(bytes: Uint8Array): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { key } of iterateKeys(new Hive(bytes).root())) {
    out.set(
      key.path,
      key.values().map((v) => `${v.name}\u0000${v.type}\u0000${Buffer.from(v.data()).toString("hex")}`).sort(),
    );
  }
  return out;
}

function differingOffsets(a: Uint8Array, b: Uint8Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

describe.skipIf(!hasCorpus())(corpusTitle("recovery compared with what Windows wrote"), () => {
  it("yarp NewDirtyHive1 (LOG1 + LOG2) equals RecoveredHive_Windows10 byte for byte", async () => {
    const { primary, result } = await recoverCorpus("yarp/NewDirtyHive1", "NewDirtyHive", ["NewDirtyHive.LOG1", "NewDirtyHive.LOG2"]);
    const windows = await hives("yarp/NewDirtyHive1/RecoveredHive_Windows10");
    expect(result.dirty).toBe(true);
    expect(result.recovered).toBe(true);
    expect(result.dirtyReasons).toEqual(["sequence numbers differ (3/2)"]);
    expect(result.appliedLogs.map((l) => [l.name, l.firstSequence, l.lastSequence, l.entries, l.pages])).toEqual([
      ["NewDirtyHive.LOG1", 2, 2, 1, 1],
      ["NewDirtyHive.LOG2", 3, 5, 3, 3],
    ]);
    expect(result.warnings).toEqual([]);
    // Windows' file includes its base block: sequence 6/6 (last entry 5, + 1), same checksum.
    expect(result.bytes.length).toBe(windows.length);
    expect(differingOffsets(result.bytes, windows, 0, windows.length)).toEqual([]);
    expect(primary[4]).toBe(3); // the input was not modified
    const tree = keyValueSet(result.bytes);
    expect(tree).toEqual(keyValueSet(windows));
    // Before replay: Key1, Key2\Key2_1, Key2\Key2_2; after: Key3 and its three subkeys only.
    expect([...tree.keys()]).toEqual(["", "Key3", "Key3\\Key3_1", "Key3\\Key3_2", "Key3\\Key3_3"]);
  });

  it("yarp OldDirtyHive (old-format LOG1, empty LOG2) equals RecoveredHive_Windows7 except what Windows' later flush changed", async () => {
    const { result } = await recoverCorpus("yarp/OldDirtyHive", "OldDirtyHive", ["OldDirtyHive.LOG1", "OldDirtyHive.LOG2"]);
    const windows = await hives("yarp/OldDirtyHive/RecoveredHive_Windows7");
    expect(result.recovered).toBe(true);
    expect(result.appliedLogs).toEqual([
      { name: "OldDirtyHive.LOG1", format: "old", firstSequence: 5, lastSequence: 5, entries: 1, pages: 64, bytes: 32768 },
    ]);
    expect(result.ignoredLogs).toEqual([{ name: "OldDirtyHive.LOG2", reason: "empty file" }]);
    const ours = parseBaseBlock(result.bytes);
    const theirs = parseBaseBlock(windows);
    expect(ours.primarySequence).toBe(6);
    expect(ours.secondarySequence).toBe(6);
    expect(ours.computedChecksum).toBe(ours.storedChecksum);
    for (const field of ["hiveBinsDataSize", "rootCellOffset", "majorVersion", "minorVersion", "fileType", "fileFormat"] as const) {
      expect(ours[field]).toBe(theirs[field]);
    }
    // Windows 7 flushed the hive once more after recovering it (its sequence is 7, its
    // timestamps a minute later, its file-name field names a copied folder). That flush
    // rewrote the first hbin's timestamp (bytes 0x1014-0x1018 that differ) and lowered the
    // "largest value name length" of key_with_many_subkeys\4500 (0x6bdc8: 24 in the log's
    // page, 2 = the length of its only value name "V" in Windows' file). Everything else in
    // the hive bins data is the log's bytes.
    expect(differingOffsets(result.bytes, windows, 4096, 4096 + theirs.hiveBinsDataSize)).toEqual([0x1014, 0x1015, 0x1016, 0x1017, 0x1018, 0x6bdc8]);
    expect(keyValueSet(result.bytes)).toEqual(keyValueSet(windows));
    const hive = new Hive(result.bytes);
    expect(hive.key("key_with_many_subkeys\\5000\\find_me_in_log")).toBeDefined();
    expect(hive.key("key_with_many_subkeys\\1")).toBeUndefined();
    // REG_MULTI_SZ "a", "bb", "ccc" and the terminating empty string; lookup case-insensitive.
    const v = hive.key("key_with_many_subkeys\\4500")?.value("v");
    expect(v?.type).toBe(7);
    expect(Buffer.from(v?.data() ?? []).toString("utf16le")).toBe("a\u0000bb\u0000ccc\u0000\u0000");
  });

  it("through openHiveFile: the logs beside the file (lower-case names too) are found and applied", async () => {
    const hive = openHiveFile(join(await corpusFolder("hives/DFIRArtifactMuseum/Win10_RathbunVM"), "NTUSER.DAT"));
    expect(hive.recovery?.appliedLogs.map((l) => l.name)).toEqual(["ntuser.dat.LOG1", "ntuser.dat.LOG2"]);
    expect(hive.baseBlock.secondarySequence).toBe(233);
    const windows10 = openHiveFile(join(await corpusFolder("hives/yarp/NewDirtyHive1"), "NewDirtyHive"));
    expect(windows10.recovery?.recovered).toBe(true);
    expect(keyValueSet(windows10.bytes)).toEqual(keyValueSet(await hives("yarp/NewDirtyHive1/RecoveredHive_Windows10")));
  });

  it("the old-format log with 4 remnant bytes gives the same result", async () => {
    const primary = await hives("yarp/OldDirtyHive/OldDirtyHive");
    const plain = recoverHive(primary, await logsOf("yarp/OldDirtyHive", ["OldDirtyHive.LOG1"]));
    const remnant = recoverHive(primary, [{ name: "OldLogWithRemnantData", bytes: await hives("yarp/OldLogWithRemnantData") }]);
    expect(remnant.recovered).toBe(true);
    expect(remnant.bytes.length).toBe(plain.bytes.length);
    expect(differingOffsets(remnant.bytes, plain.bytes, 0, plain.bytes.length)).toEqual([]);
  });
});

describe.skipIf(!hasCorpus())(corpusTitle("recovery of real dirty hives"), () => {
  it("regipy UsrClass.dat: LOG1 then LOG2, 158 dirty pages (regipy's figure)", async () => {
    const { primary, result } = await recoverCorpus("regipy", "UsrClass.dat", ["UsrClass.dat.LOG1", "UsrClass.dat.LOG2"]);
    expect(result.appliedLogs.map((l) => [l.name, l.firstSequence, l.lastSequence])).toEqual([
      ["UsrClass.dat.LOG1", 287, 290],
      ["UsrClass.dat.LOG2", 291, 300],
    ]);
    expect(result.appliedLogs.reduce((n, l) => n + l.pages, 0)).toBe(158);
    // Entries 255..286 were reconciled into the primary without a base block update.
    expect(result.warnings.join("\n")).toMatch(/255\.\.286 are not in the logs/);
    const before = new Hive(primary).stats();
    const after = new Hive(result.bytes).stats();
    expect([before.keys, before.values]).toEqual([6205, 12369]);
    expect([after.keys, after.values]).toEqual([6238, 12531]);
  });

  it("regipy transactions_NTUSER.DAT: log1 only (132 pages), log2 is stale", async () => {
    const { result } = await recoverCorpus("regipy", "transactions_NTUSER.DAT", ["transactions_ntuser.dat.log1", "transactions_ntuser.dat.log2"]);
    expect(result.appliedLogs.map((l) => [l.name, l.firstSequence, l.lastSequence, l.pages])).toEqual([["transactions_ntuser.dat.log1", 566, 588, 132]]);
    expect(result.ignoredLogs).toEqual([
      { name: "transactions_ntuser.dat.log2", reason: "stale: log entries 562..562 are older than the primary's sequence 566" },
    ]);
    const base = parseBaseBlock(result.bytes);
    expect([base.primarySequence, base.secondarySequence, base.hiveBinsDataSize]).toEqual([589, 589, 925696]);
    const after = new Hive(result.bytes).stats();
    expect([after.keys, after.values]).toEqual([3105, 4695]);
  });

  const museum: [string, string, string[], [string, number, number][]][] = [
    ["DFIRArtifactMuseum/Win10_RathbunVM", "NTUSER.DAT", ["ntuser.dat.LOG1", "ntuser.dat.LOG2"], [["ntuser.dat.LOG1", 229, 231], ["ntuser.dat.LOG2", 232, 232]]],
    ["DFIRArtifactMuseum/Win10_RathbunVM", "DEFAULT", ["DEFAULT.LOG1", "DEFAULT.LOG2"], [["DEFAULT.LOG1", 106, 107], ["DEFAULT.LOG2", 108, 110]]],
    ["DFIRArtifactMuseum/Win10_RathbunVM", "SECURITY", ["SECURITY.LOG1"], [["SECURITY.LOG1", 110, 110]]],
    // BBI: LOG2 holds the earlier entry (60), LOG1 the next (61): order follows the sequence.
    ["DFIRArtifactMuseum/Win10_RathbunVM", "BBI", ["BBI.LOG1", "BBI.LOG2"], [["BBI.LOG2", 60, 60], ["BBI.LOG1", 61, 61]]],
    ["DFIRArtifactMuseum/Win10_RathbunVM", "UsrClass.dat", ["UsrClass.dat.LOG1", "UsrClass.dat.LOG2"], [["UsrClass.dat.LOG1", 146, 148], ["UsrClass.dat.LOG2", 149, 151]]],
    ["DFIRArtifactMuseum/Amcache_Win10_APTSimulatorVM", "Amcache.hve", ["Amcache.hve.LOG1", "Amcache.hve.LOG2"], [["Amcache.hve.LOG1", 36, 37], ["Amcache.hve.LOG2", 38, 39]]],
  ];
  for (const [dir, primaryName, logNames, expected] of museum) {
    it(`${dir}/${primaryName}: ${expected.map((e) => `${e[0]} ${e[1]}..${e[2]}`).join(", ")}`, async () => {
      const { result } = await recoverCorpus(dir, primaryName, logNames);
      expect(result.recovered).toBe(true);
      expect(result.appliedLogs.map((l) => [l.name, l.firstSequence, l.lastSequence])).toEqual(expected);
      expect(result.ignoredLogs).toEqual([]);
      const last = expected[expected.length - 1][2];
      const base = parseBaseBlock(result.bytes);
      expect([base.primarySequence, base.secondarySequence, base.fileType]).toEqual([last + 1, last + 1, 0]);
      expect(base.storedChecksum).toBe(base.computedChecksum);
      // The recovered hive reads whole: every key and value reachable, no structural error.
      const stats = new Hive(result.bytes).stats();
      expect(stats.keys).toBeGreaterThan(1);
    });
  }

  const stale: [string, string, string[], number][] = [
    ["DFIRArtifactMuseum/Win10_RathbunVM", "SAM", ["SAM.LOG1", "SAM.LOG2"], 34],
    ["DFIRArtifactMuseum/Amcache_Win2012R2", "Amcache.hve", ["Amcache.hve.LOG1", "Amcache.hve.LOG2"], 19],
    ["dfwinreg", "NTUSER.DAT", ["NTUSER.DAT.LOG"], 132],
  ];
  for (const [dir, primaryName, logNames, sequence] of stale) {
    it(`${dir}/${primaryName}: clean, its older logs are ignored as stale and the bytes returned as they are`, async () => {
      const { primary, result } = await recoverCorpus(dir, primaryName, logNames);
      expect(result.dirty).toBe(false);
      expect(result.recovered).toBe(false);
      expect(result.bytes).toBe(primary);
      expect(result.ignoredLogs.map((l) => l.name)).toEqual(logNames);
      for (const l of result.ignoredLogs) expect(l.reason).toMatch(new RegExp(`^stale: .* older than the primary's sequence ${sequence}$`));
    });
  }

  it("a clean hive with newer log entries still ignores them (Windows does not read logs of a clean hive)", async () => {
    const windows = await hives("yarp/NewDirtyHive1/RecoveredHive_Windows10"); // clean, sequence 6
    const logs = await logsOf("yarp/NewDirtyHive1", ["NewDirtyHive.LOG2"]);
    // Pretend the clean hive is older than the log: sequence 4/4.
    const older = windows.slice();
    new DataView(older.buffer).setUint32(4, 4, true);
    new DataView(older.buffer).setUint32(8, 4, true);
    const { writeBaseBlockChecksum } = await import("../../../src/regf/base-block.js");
    writeBaseBlockChecksum(older);
    const result = recoverHive(older, logs);
    expect(result.dirty).toBe(false);
    expect(result.ignoredLogs[0].reason).toMatch(/^hive is clean: log entries 3\.\.5 are not applied/);
  });
});

describe.skipIf(!hasCorpus())(corpusTitle("dirty hives that cannot be recovered"), () => {
  // Per the spec, a hive is dirty when its sequence numbers differ or its base block checksum
  // is wrong; without a log whose entries continue it, nothing can make it consistent. Those
  // must open (with a warning) for reading, and be refused by the strict variant for writing:
  // regipy SECURITY (107/106, no logs), yarp GarbageHive and EffectiveSizeHive (bad checksum,
  // no logs), OldDirtyHive with only its empty LOG2 or with another hive's old log.
  const cases: [string, string, string[]][] = [
    ["regipy", "SECURITY", []],
    ["yarp", "GarbageHive", []],
    ["yarp", "EffectiveSizeHive", []],
    ["yarp/OldDirtyHive", "OldDirtyHive", ["OldDirtyHive.LOG2"]],
  ];
  for (const [dir, name, logNames] of cases) {
    it(`${dir}/${name}${logNames.length ? ` + ${logNames.join(", ")}` : ""}`, async () => {
      const bytes = await hives(`${dir}/${name}`);
      const logs = await logsOf(dir, logNames);
      const lenient = recoverHive(bytes, logs);
      expect(lenient.dirty).toBe(true);
      expect(lenient.recovered).toBe(false);
      expect(lenient.bytes).toBe(bytes);
      expect(lenient.warnings.join()).toMatch(/the view may be stale/);
      let error: unknown;
      try {
        recoverHiveStrict(bytes, logs);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RegfError);
      expect((error as RegfError).code).toBe("unrecoverable-dirty-hive");
      expect(() => recoverHive(bytes, logs, { requireRecovery: true })).toThrow(/hive is dirty/);
    });
  }

  it("an old-format log of another hive is not applied (timestamps differ)", async () => {
    const bytes = await hives("yarp/OldDirtyHive/OldDirtyHive");
    const other = await hives("yarp/OldDirtyHive/OldDirtyHive.LOG1");
    const foreign = other.slice();
    foreign[12] ^= 0xff; // a different last-written timestamp, checksum fixed
    const { writeBaseBlockChecksum } = await import("../../../src/regf/base-block.js");
    const block = new Uint8Array(4096);
    block.set(foreign.subarray(0, 512));
    writeBaseBlockChecksum(block);
    foreign.set(block.subarray(0, 512));
    const result = recoverHive(bytes, [{ name: "foreign.LOG", bytes: foreign }]);
    expect(result.recovered).toBe(false);
    expect(result.ignoredLogs).toEqual([{ name: "foreign.LOG", reason: "not for this primary: its last-written timestamp differs" }]);
  });

  it("a file that is not a hive fails with not-a-hive, logs or not", async () => {
    const bytes = await hives("EricZimmerman-Registry/NotAHive");
    expect(() => recoverHive(bytes, [])).toThrow(RegfError);
    try {
      recoverHive(bytes, [{ name: "x.LOG1", bytes: new Uint8Array(0) }]);
    } catch (e) {
      expect((e as RegfError).code).toBe("not-a-hive");
    }
  });
});
