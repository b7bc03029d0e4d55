/**
 * The in-place writer (src/fs/ntfs/write) on write.ntfs, checked through our own reader:
 * same size, smaller, larger within the allocation and larger than it; every copy of the size
 * (the $DATA header, the $FILE_NAME attributes, the parent index entries) follows; new
 * clusters come from free ones in $Bitmap; records get a fresh update sequence number.
 * Refusals leave the device untouched.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FsError, NotFoundError, RefusedError } from "../../../src/errors.js";
import { MemoryDevice, OverlayDevice } from "../../../src/io/index.js";
import { AttributeType, type NonResidentAttribute } from "../../../src/fs/ntfs/attribute.js";
import { decodeRunlist, encodeRunlist } from "../../../src/fs/ntfs/runlist.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { PendingWrites } from "../../../src/fs/ntfs/write/pending-writes.js";
import { commitRecord, loadRecord } from "../../../src/fs/ntfs/write/record-edit.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { readPartitionTable } from "../../../src/partition/index.js";
import { fixtureBytes, fixtureDir } from "./helpers.js";
import { hiveLike, overlayVolume, paths, writableVolume } from "./write-helpers.js";

// full-160.bin: attribute list, $DATA in the base record, $FILE_NAME in an extension record;
// full-166.bin: $DATA split over two extents in two records.
const targets = [paths.system, paths.inBigDirectory, paths.hardLinked, paths.fragmented, "/Frag/full-160.bin", "/Frag/full-166.bin"];

function bitmapOf(vol: NtfsVolume): Uint8Array {
  const s = vol.stream(6, AttributeType.data, "");
  return s.read(0, s.size);
}
const bit = (bitmap: Uint8Array, lcn: number) => (bitmap[lcn >> 3] >> (lcn & 7)) & 1;

function usn(vol: NtfsVolume, record: number): number {
  const at = vol.recordPlacement(record)[0].deviceOffset;
  const head = vol.device.read(at, 8);
  const usaOffset = head[4] | (head[5] << 8);
  const b = vol.device.read(at + usaOffset, 2);
  return b[0] | (b[1] << 8);
}

/** Every place the size of `path` is recorded, read through a freshly opened volume. */
function sizesOf(vol: NtfsVolume, path: string) {
  const n = vol.resolve(path)!.record;
  const stream = vol.stream(n, AttributeType.data, "");
  const names = vol.fileNames(n);
  const indexCopies = names.map((fn) => {
    const entries = vol.directoryIndex(fn.parent.record).entries();
    const e = entries.find((x) => x.reference.record === n && x.fileName.name === fn.name && x.fileName.namespace === fn.namespace)!;
    return { data: e.fileName.dataSize, allocated: e.fileName.allocatedSize };
  });
  return { stream, names, indexCopies, record: n };
}

describe("NtfsVolume.rewriteFile", () => {
  it.each(targets)("same size: only the clusters change (%s)", (path) => {
    const { device, vol } = writableVolume();
    const before = vol.stat(path)!;
    const data = hiveLike(1, before.size);
    const report = vol.rewriteFile(path, data);
    expect(report.recordsWritten).toEqual([]);
    expect(report.indexEntriesUpdated).toEqual([]);
    expect(new Set(report.writes.map((w) => w.what))).toEqual(new Set(["file data"]));
    const fresh = openNtfs(device);
    expect(Buffer.from(fresh.readFile(path)).equals(Buffer.from(data))).toBe(true);
    expect(fresh.stat(path)!.size).toBe(before.size);
  });

  it.each(targets)("smaller, then larger within the allocation (%s)", (path) => {
    const { device, vol } = writableVolume();
    const before = sizesOf(vol, path);
    const allocated = before.stream.allocatedSize;
    const small = hiveLike(2, before.stream.size - 12345);
    const usnBefore = usn(vol, before.record);
    const r1 = vol.rewriteFile(path, small);
    expect(r1.clustersAllocated).toEqual([]);
    expect(r1.recordsWritten).toContain(before.record);
    expect(usn(vol, before.record)).toBe(usnBefore + 1);
    let fresh = openNtfs(device);
    let after = sizesOf(fresh, path);
    expect(Buffer.from(fresh.readFile(path)).equals(Buffer.from(small))).toBe(true);
    expect([after.stream.size, after.stream.initializedSize, after.stream.allocatedSize]).toEqual([small.length, small.length, allocated]);
    for (const fn of after.names) expect([fn.dataSize, fn.allocatedSize]).toEqual([small.length, allocated]);
    for (const copy of after.indexCopies) expect(copy).toEqual({ data: small.length, allocated });
    expect(r1.indexEntriesUpdated.length).toBe(after.names.length);
    // The rest of the last cluster holds zeros, not the old content.
    const tail = after.stream.mapRange(small.length, Math.ceil(small.length / 4096) * 4096 - small.length);
    for (const piece of tail) expect(device.read(piece.deviceOffset!, piece.length).every((b) => b === 0)).toBe(true);

    const bigger = hiveLike(3, allocated - 100);
    const r2 = fresh.rewriteFile(path, bigger);
    expect(r2.clustersAllocated).toEqual([]);
    fresh = openNtfs(device);
    after = sizesOf(fresh, path);
    expect(Buffer.from(fresh.readFile(path)).equals(Buffer.from(bigger))).toBe(true);
    for (const copy of after.indexCopies) expect(copy).toEqual({ data: bigger.length, allocated });
  });

  it.each(targets)("larger than the allocation: clusters come from free ones in $Bitmap (%s)", (path) => {
    const { device, vol } = writableVolume();
    const bitmapBefore = bitmapOf(vol);
    const before = sizesOf(vol, path);
    const data = hiveLike(4, before.stream.size + 200000 + 17);
    const report = vol.rewriteFile(path, data);
    const added = report.clustersAllocated.reduce((s, r) => s + r.length, 0);
    expect(added).toBe(Math.ceil(data.length / 4096) - before.stream.allocatedSize / 4096);
    for (const run of report.clustersAllocated) {
      for (let lcn = run.lcn; lcn < run.lcn + run.length; lcn++) expect(bit(bitmapBefore, lcn), `cluster ${lcn} was free`).toBe(0);
    }
    const fresh = openNtfs(device);
    const after = sizesOf(fresh, path);
    expect(Buffer.from(fresh.readFile(path)).equals(Buffer.from(data))).toBe(true);
    const allocated = Math.ceil(data.length / 4096) * 4096;
    expect([after.stream.size, after.stream.allocatedSize]).toEqual([data.length, allocated]);
    for (const copy of after.indexCopies) expect(copy).toEqual({ data: data.length, allocated });
    // Every cluster of the file is marked in use; nothing else changed in $Bitmap.
    const bitmapAfter = bitmapOf(fresh);
    for (const run of after.stream.runs) for (let lcn = run.lcn!; lcn < run.lcn! + run.length; lcn++) expect(bit(bitmapAfter, lcn)).toBe(1);
    let changedBits = 0;
    for (let i = 0; i < bitmapAfter.length; i++) for (let b = bitmapAfter[i] ^ bitmapBefore[i]; b; b &= b - 1) changedBits++;
    expect(changedBits).toBe(added);
  });

  it("a second name in another directory gets its index entry updated too", () => {
    const { device, vol } = writableVolume();
    const data = hiveLike(5, 100000);
    const report = vol.rewriteFile(paths.hardLinked, data);
    expect(new Set(report.indexEntriesUpdated.map((e) => e.name))).toEqual(new Set(["hive-a", "hive-b"]));
    const fresh = openNtfs(device);
    expect(fresh.list("/Windows").find((f) => f.name === "hive-b")!.size).toBe(100000);
    expect(Buffer.from(fresh.readFile(paths.otherLink)).equals(Buffer.from(data))).toBe(true);
  });
});

describe("NtfsVolume.rewriteFile over many rewrites", () => {
  it("any sequence of sizes reads back exactly, and $Bitmap covers every cluster", () => {
    fc.assert(
      fc.property(fc.constantFrom(paths.system, paths.fragmented, paths.inBigDirectory), fc.array(fc.integer({ min: 0, max: 1_600_000 }), { minLength: 1, maxLength: 4 }), (path, sizes) => {
        const { device, vol } = writableVolume();
        let current = vol;
        sizes.forEach((size, i) => {
          const data = hiveLike(100 + i, size);
          current.rewriteFile(path, data);
          current = openNtfs(device);
          expect(Buffer.from(current.readFile(path)).equals(Buffer.from(data))).toBe(true);
        });
        const bitmap = bitmapOf(current);
        for (const run of current.stream(current.resolve(path)!.record, AttributeType.data, "").runs) {
          for (let lcn = run.lcn!; lcn < run.lcn! + run.length; lcn++) expect(bit(bitmap, lcn)).toBe(1);
        }
      }),
      { numRuns: 8 },
    );
  });

  it("mapping pairs re-encoded from ntfs-3g's runlists are byte-identical", () => {
    const { vol } = writableVolume();
    for (const path of [paths.fragmented, "/Frag/full-160.bin", paths.system]) {
      const attr = vol.attributes(vol.resolve(path)!.record).find((a) => a.type === AttributeType.data && !a.resident) as NonResidentAttribute;
      const runs = decodeRunlist(attr.mappingPairs, 0);
      const encoded = encodeRunlist(runs);
      expect(Buffer.from(attr.mappingPairs.subarray(0, encoded.length)).equals(Buffer.from(encoded)), path).toBe(true);
    }
  });

  it("an index whose entry does not match the file's $FILE_NAME is an error, and nothing is written", () => {
    // Change the namespace byte of SYSTEM's index entry (lookup by name still finds it).
    const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
    const vol = openNtfs(device);
    const dir = vol.resolve("/Windows/System32/config")!.record;
    const edit = loadRecord(vol, dir);
    const at = Buffer.from(edit.bytes).indexOf(Buffer.from("SYSTEM", "utf16le"));
    expect(at).toBeGreaterThan(0);
    edit.bytes[at - 1] = 1; // namespace @65 of the key, just before the name @66
    const pending = new PendingWrites();
    commitRecord(vol, edit, pending);
    pending.apply(device);
    const overlay = new OverlayDevice(new MemoryDevice(device.bytes, { writable: false }));
    expect(() => openNtfs(overlay).rewriteFile(paths.system, hiveLike(9, 5000))).toThrow(expect.objectContaining({ code: "index-entry-missing" }));
    expect(overlay.writes()).toEqual([]);
  });
});

describe("NtfsVolume.rewriteFile refusals write nothing", () => {
  const refused = (path: string, size: number | "same", code: string, setup?: (overlay: OverlayDevice) => void) => () => {
    const { overlay, vol } = overlayVolume();
    setup?.(overlay);
    const target = size === "same" ? (vol.stat(path)?.size ?? 0) : size;
    let error: unknown;
    try {
      vol.rewriteFile(path, hiveLike(6, target));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as RefusedError).code).toBe(code);
    expect(overlay.writes()).toEqual([]);
  };

  it("compressed file", refused("/Compressed/hive", "same", "compressed"));
  it("sparse file", refused("/Users/sparse.bin", "same", "sparse"));
  it("resident (tiny) file", refused("/Windows/System32/config/tiny.txt", 10, "resident-data"));
  it("named stream", refused(`${paths.system}:extra`, 10, "named-stream"));
  it("growth whose runlist no longer fits the MFT record", () => {
    // Fragment the free space (every other free cluster marked used) so 40 new clusters need
    // 40 runs, more than the 8 bytes left in full-160.bin's record.
    const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
    const vol = openNtfs(device);
    const bitmap = vol.stream(6, AttributeType.data, "");
    const bytes = bitmap.read(0, bitmap.size);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) bytes[i] = 0x55;
    for (const piece of bitmap.mapRange(0, bytes.length)) device.write(piece.deviceOffset!, bytes.subarray(piece.offset, piece.offset + piece.length));
    const overlay = new OverlayDevice(new MemoryDevice(device.bytes, { writable: false }));
    const target = openNtfs(overlay);
    const record = target.record(target.resolve("/Frag/full-160.bin")!.record);
    expect(record.bytesAllocated - record.bytesInUse).toBeLessThan(40);
    expect(() => target.rewriteFile("/Frag/full-160.bin", hiveLike(8, 200 * 4096))).toThrow(expect.objectContaining({ code: "mft-record-full" }));
    expect(overlay.writes()).toEqual([]);
  });

  it("encrypted file (FILE_ATTRIBUTE_ENCRYPTED set in $STANDARD_INFORMATION)", () => {
    // ntfs-3g will not set the bit, so mark the record the way Windows would, then refuse.
    const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
    const vol = openNtfs(device);
    const n = vol.resolve("/Users/encrypted.bin")!.record;
    const edit = loadRecord(vol, n);
    const si = edit.parsed.attributes.find((a) => a.type === AttributeType.standardInformation)!;
    const value = si.offset + (edit.bytes[si.offset + 20] | (edit.bytes[si.offset + 21] << 8));
    edit.bytes[value + 32 + 1] |= 0x40; // file attributes @32: 0x4000 encrypted
    const pending = new PendingWrites();
    commitRecord(vol, edit, pending);
    pending.apply(device);
    const overlay = new OverlayDevice(new MemoryDevice(device.bytes, { writable: false }));
    expect(() => openNtfs(overlay).rewriteFile("/Users/encrypted.bin", hiveLike(7, 65536))).toThrow(expect.objectContaining({ code: "encrypted" }));
    expect(overlay.writes()).toEqual([]);
  });

  describe("a runlist that cannot be the file's own (damage): cross-linked", () => {
    /** write.ntfs with `path`'s data runs moved to start at `lcn` (same lengths), under an overlay. */
    function movedRuns(path: string, lcn: (vol: NtfsVolume, clusters: number) => number): { overlay: OverlayDevice; vol: NtfsVolume } {
      const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
      const vol = openNtfs(device);
      const n = vol.resolve(path)!.record;
      const edit = loadRecord(vol, n);
      const data = edit.parsed.attributes.find((a) => a.type === AttributeType.data && a.name === "" && !a.resident) as NonResidentAttribute;
      const runs = decodeRunlist(data.mappingPairs, data.lowestVcn);
      const total = runs.reduce((sum, r) => sum + r.length, 0);
      const encoded = encodeRunlist([{ vcn: 0, lcn: lcn(vol, total), length: total }]);
      const at = data.offset + (edit.bytes[data.offset + 32] | (edit.bytes[data.offset + 33] << 8));
      expect(encoded.length).toBeLessThanOrEqual(data.mappingPairs.length); // fits where the old pairs were
      edit.bytes.fill(0, at, at + data.mappingPairs.length);
      edit.bytes.set(encoded, at);
      const pending = new PendingWrites();
      commitRecord(vol, edit, pending);
      pending.apply(device);
      const overlay = new OverlayDevice(new MemoryDevice(device.bytes, { writable: false }));
      return { overlay, vol: openNtfs(overlay) };
    }
    const indexStart = (dir: (vol: NtfsVolume) => number) => (vol: NtfsVolume) => vol.stream(dir(vol), AttributeType.indexAllocation, "$I30").runs[0].lcn!;
    const refusedWith = (path: string, lcn: (vol: NtfsVolume, clusters: number) => number, message: RegExp) => () => {
      const { overlay, vol } = movedRuns(path, lcn);
      expect(() => vol.rewriteFile(path, hiveLike(9, vol.stat(path)!.size))).toThrow(expect.objectContaining({ code: "cross-linked", message: expect.stringMatching(message) }));
      expect(overlay.writes()).toEqual([]);
    };

    // Found by the write fuzzer: one changed byte pointed this file at the root directory's index.
    it("onto the root directory's index", refusedWith(paths.inBigDirectory, indexStart(() => 5), /overlap those of system file record \d+/));
    it("onto its own directory's index", refusedWith(paths.inBigDirectory, indexStart((vol) => vol.resolve("/Big")!.record), /overlap those of directory record \d+/));
    it("onto $MFT", refusedWith(paths.system, (vol) => vol.boot.mftLcn, /overlap those of system file record 0/));
    it("onto clusters $Bitmap says are free", refusedWith(paths.system, (vol, clusters) => {
      const bitmap = bitmapOf(vol);
      // The last stretch of free clusters long enough: outside every file, so only $Bitmap can tell.
      for (let lcn = vol.geometry.totalClusters - clusters; lcn > 0; lcn--) {
        let free = true;
        for (let c = lcn; c < lcn + clusters && free; c++) free = (bitmap[c >> 3] & (1 << (c & 7))) === 0;
        if (free) return lcn;
      }
      throw new Error("no free stretch in the fixture");
    }, /is marked free in \$Bitmap/));
  });

  it("directories, missing files and read-only devices", () => {
    const { overlay, vol } = overlayVolume();
    expect(() => vol.rewriteFile("/Windows", new Uint8Array(10))).toThrow(FsError);
    expect(() => vol.rewriteFile("/Windows/nope", new Uint8Array(10))).toThrow(NotFoundError);
    expect(overlay.writes()).toEqual([]);
    const ro = openNtfs(new MemoryDevice(fixtureBytes("write"), { writable: false }));
    expect(() => ro.rewriteFile(paths.system, new Uint8Array(10))).toThrow(expect.objectContaining({ code: "read-only" }));
  });

  it.each(["logfile-dirty", "fast-startup"])("$LogFile with a client in use (%s.img from build-refusals.sh)", (name) => {
    const disk = new Uint8Array(gunzipSync(readFileSync(resolve(fixtureDir, `../apply/${name}.img.gz`))));
    const overlay = new OverlayDevice(new MemoryDevice(disk, { writable: false }));
    const partition = readPartitionTable(overlay).partitions[0];
    expect(() => openNtfs(partition.device).rewriteFile(paths.system, new Uint8Array(8192))).toThrow(expect.objectContaining({ code: "logfile-not-clean" }));
    expect(overlay.writes()).toEqual([]);
  });

  it.each([
    ["dirty", "/Windows/System32/config/SYSTEM", "ntfs-dirty"],
    ["hibernated", "/Windows/System32/config/SYSTEM", "hibernated"],
  ] as const)("%s volume", (fixture, path, code) => {
    const overlay = new OverlayDevice(new MemoryDevice(fixtureBytes(fixture), { writable: false }));
    expect(() => openNtfs(overlay).rewriteFile(path, new Uint8Array(65536))).toThrow(expect.objectContaining({ code }));
    expect(overlay.writes()).toEqual([]);
  });
});
