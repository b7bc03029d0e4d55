import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../../src/errors.js";
import { MemoryDevice } from "../../../src/io/index.js";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { corpusPath, hasCorpus } from "../../helpers/corpus.js";
import { exerciseVolume } from "../../../scripts/fuzz-ntfs.js";
import { fixtureBytes } from "./helpers.js";

/** Byte ranges worth corrupting: the first MFT records and every INDX node of the given directories. */
function metadataRanges(bytes: Uint8Array, directories: string[]): Array<[number, number]> {
  const vol = openNtfs(new MemoryDevice(bytes, { writable: false }));
  const cs = vol.boot.clusterSize;
  const ranges: Array<[number, number]> = [[vol.boot.mftLcn * cs, 100 * vol.boot.mftRecordSize]];
  for (const dir of directories) {
    const record = vol.resolve(dir)!.record;
    for (const run of vol.stream(record, AttributeType.indexAllocation, "$I30").runs) {
      if (run.lcn !== null) ranges.push([run.lcn * cs, run.length * cs]);
    }
  }
  return ranges;
}

/** Volume offset of a byte offset in the $MFT stream (attribute offsets are $MFT offsets). */
function mftToVolume(vol: NtfsVolume, offset: number): number {
  const cs = vol.boot.clusterSize;
  const vcn = Math.floor(offset / cs);
  const run = vol.stream(0, AttributeType.data, "").runs.find((r) => vcn >= r.vcn && vcn < r.vcn + r.length)!;
  return run.lcn! * cs + (offset - run.vcn * cs);
}

function mutationProperty(original: Uint8Array, ranges: Array<[number, number]>) {
  const edit = fc.tuple(fc.nat(ranges.length - 1), fc.nat(), fc.nat(255));
  return fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
    const bytes = original.slice();
    for (const [range, at, value] of edits) {
      const [start, length] = ranges[range];
      bytes[start + (at % length)] = value;
    }
    try {
      exerciseVolume(bytes);
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      expect(err.code.length).toBeGreaterThan(0);
    }
  });
}

describe("NTFS reader under corruption", () => {
  it("the fixture: MFT and index corruption gives typed errors, never a crash or hang", () => {
    const original = fixtureBytes("windows");
    expect(exerciseVolume(original)).toBeGreaterThan(680);
    fc.assert(mutationProperty(original, metadataRanges(original, ["/Big", "/Links"])), { numRuns: 15 });
  });

  it.skipIf(!hasCorpus())("testfs1: MFT and index corruption gives typed errors", () => {
    const original = new Uint8Array(readFileSync(corpusPath("images/ColinFinck-ntfs/testfs1")));
    expect(exerciseVolume(original)).toBeGreaterThan(512);
    fc.assert(mutationProperty(original, metadataRanges(original, ["/many_subdirs"])), { numRuns: 12 });
  });

  it("a runlist pointing outside the volume is refused with its offset", () => {
    const bytes = fixtureBytes("windows").slice();
    const vol = openNtfs(new MemoryDevice(bytes, { writable: false }));
    const record = vol.resolve("/Program Files/App/app.bin")!.record;
    const data = vol.record(record).attributes.find((a) => a.type === AttributeType.data && !a.resident)!;
    if (data.resident) throw new Error("expected non-resident data");
    const at = mftToVolume(vol, data.mappingPairsOffset);
    expect(bytes[at] >> 4).toBeGreaterThan(0);
    const offsetSize = bytes[at] >> 4;
    const lengthSize = bytes[at] & 0xf;
    bytes[at + 1 + lengthSize + offsetSize - 1] = 0x7f; // a huge positive LCN
    const broken = openNtfs(new MemoryDevice(bytes, { writable: false }));
    expect(() => broken.readFile("/Program Files/App/app.bin")).toThrow(expect.objectContaining({ code: "run-outside-volume" }));
  });
});
