import fc from "fast-check";
import { createHash } from "node:crypto";
import { mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MERGE_GAP, measureChanges } from "../../src/apply/change-map.js";
import { FileDevice } from "../../src/io/file-device.js";
import { SpoolOverlayDevice, spoolFile } from "../../src/io/spool-overlay-device.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-change-map-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
let n = 0;

/** The ranges measured for `writes` over a file of `original`, with the blob `keep` received (the stored ranges' before bytes). */
function measure(original: Uint8Array, writes: Array<{ offset: number; data: Uint8Array }>, newSize = original.length) {
  const path = join(dir, `base-${n++}`);
  writeFileSync(path, original);
  const base = new FileDevice(path);
  const overlay = new SpoolOverlayDevice(base, () => {
    const spool = join(dir, `spool-${n++}`);
    return spoolFile(openSync(spool, "wx+", 0o600), () => unlinkSync(spool));
  });
  overlay.resize(newSize);
  const model = new Uint8Array(newSize);
  model.set(original.subarray(0, newSize));
  for (const w of writes) {
    overlay.write(w.offset, w.data);
    model.set(w.data, w.offset);
  }
  const kept: Uint8Array[] = [];
  const ranges = measureChanges(base, overlay, (b) => kept.push(b.slice()));
  overlay.dispose();
  base.close();
  return { ranges, model, blob: Buffer.concat(kept) };
}

/** Zeros with a few bytes set anywhere in them. */
function sparseBytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.integer({ min: 1, max: maxLength }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 })).map(([length, set]) => {
    const bytes = new Uint8Array(length);
    for (const [at, value] of set) bytes[at % length] = value;
    return bytes;
  });
}

describe("measureChanges", () => {
  it("every changed byte lies in a range; each range's hashes and before bytes are right (all-zero ones zeroBefore, not kept); ranges are apart by MERGE_GAP at least; the ranges are exactly the changed sectors, joined across gaps under MERGE_GAP", () => {
    const SIZE = 64 * 1024;
    fc.assert(
      // Original bytes: a pattern, with zeros in the 4 KiB blocks `zeroBlocks` picks (a fresh image's free clusters).
      // Written data: random bytes, or zeros with a few bytes set (long unchanged stretches over the zero blocks, as a file with holes makes).
      fc.property(fc.array(fc.record({ offset: fc.nat(SIZE - 1), data: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 9000, size: "max" }), sparseBytes(20000)) }), { maxLength: 12 }), fc.array(fc.boolean(), { minLength: SIZE / 4096, maxLength: SIZE / 4096 }), (raw, zeroBlocks) => {
        const original = new Uint8Array(SIZE).map((_, i) => (zeroBlocks[i >> 12] ? 0 : (i * 13) & 0xff));
        const writes = raw.map((w) => ({ offset: w.offset, data: w.data.subarray(0, SIZE - w.offset) }));
        const { ranges, model, blob } = measure(original, writes);
        const covered = new Uint8Array(SIZE);
        let blobAt = 0;
        ranges.forEach((r, i) => {
          covered.fill(1, r.offset, r.offset + r.length);
          expect(r.beforeLength).toBe(r.length);
          const before = original.subarray(r.offset, r.offset + r.length);
          expect(r.sha256After).toBe(sha(model.subarray(r.offset, r.offset + r.length)));
          if (before.every((b) => b === 0)) {
            expect(r.zeroBefore).toBe(true);
            expect("sha256Before" in r).toBe(false);
          } else {
            expect(r.zeroBefore).toBeUndefined();
            expect(r.sha256Before).toBe(sha(before));
            expect(Buffer.from(blob.subarray(blobAt, blobAt + r.length)).equals(Buffer.from(before))).toBe(true);
            blobAt += r.length;
          }
          if (i > 0) expect(r.offset - (ranges[i - 1].offset + ranges[i - 1].length)).toBeGreaterThanOrEqual(MERGE_GAP);
        });
        expect(blobAt).toBe(blob.length);
        for (let i = 0; i < SIZE; i++) if (model[i] !== original[i] && !covered[i]) expect.fail(`byte ${i} changed outside every range`);
        // And no wider: exactly the changed 512-byte sectors, those closer than MERGE_GAP joined.
        const expected: Array<[number, number]> = [];
        for (let at = 0; at < SIZE; at += 512) {
          if (Buffer.from(model.subarray(at, at + 512)).equals(Buffer.from(original.subarray(at, at + 512)))) continue;
          const last = expected[expected.length - 1];
          if (last && at - last[1] < MERGE_GAP) last[1] = at + 512;
          else expected.push([at, at + 512]);
        }
        expect(ranges.map((r) => [r.offset, r.offset + r.length])).toEqual(expected);
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it("a file of sparse records written over zeros is one range, not one per changed sector", () => {
    const data = new Uint8Array(4 << 20);
    for (let at = 0; at < data.length; at += 4096) data[at] = 1;
    const { ranges } = measure(new Uint8Array(8 << 20), [{ offset: 1 << 20, data }]);
    expect(ranges.map((r) => [r.offset, r.length])).toEqual([[1 << 20, (4 << 20) - 4096 + 512]]);
  });

  it("a range whose before bytes are zero for two pieces and then not: the zeros are hashed and kept after all, in order", () => {
    const MiB = 1 << 20;
    // One write over [0.5, 3.5) MiB; the file was zeros up to 2.75 MiB (past two 1 MiB pieces of
    // the walk, which starts at the write), a pattern after.
    const original = new Uint8Array(4 * MiB);
    for (let i = 2.75 * MiB; i < original.length; i++) original[i] = (i * 7 + 1) & 0xff || 1;
    const write = { offset: 0.5 * MiB, data: new Uint8Array(3 * MiB).fill(0xab) };
    // And two more, far apart: one over zeros only, one over the pattern only.
    const zeroOnly = { offset: 0, data: new Uint8Array(4096).fill(0xcd) };
    const { ranges, blob } = measure(original, [zeroOnly, write]);
    expect(ranges.map((r) => [r.offset, r.length, r.zeroBefore ?? false])).toEqual([
      [0, 4096, true],
      [0.5 * MiB, 3 * MiB, false],
    ]);
    const before = original.subarray(0.5 * MiB, 3.5 * MiB);
    expect(ranges[1].sha256Before).toBe(sha(before));
    expect(Buffer.from(blob).equals(Buffer.from(before))).toBe(true);
  });

  it("a range that grows the file over zeros keeps no before bytes: zeroBefore for the part inside the old size", () => {
    const { ranges, blob } = measure(new Uint8Array(8192), [{ offset: 4096, data: new Uint8Array(8192).fill(1) }], 12288);
    expect(ranges).toEqual([{ offset: 4096, length: 8192, beforeLength: 4096, zeroBefore: true, sha256After: sha(new Uint8Array(8192).fill(1)) }]);
    expect(blob.length).toBe(0);
  });

  it("zeros over zeros up to an unaligned old end and past it: the unchanged stretch stops at the old end, what lies past it has no before bytes", () => {
    const data = new Uint8Array(12000);
    data[100] = 1;
    const { ranges } = measure(new Uint8Array(10000), [{ offset: 0, data }], 12000);
    expect(ranges.map((r) => [r.offset, r.length, r.beforeLength])).toEqual([
      [0, 512, 512],
      [10000, 2000, 0],
    ]);
  });
});
