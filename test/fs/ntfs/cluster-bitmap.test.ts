import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { allocateClusters, mftZone } from "../../../src/fs/ntfs/write/cluster-bitmap.js";
import { PendingWrites } from "../../../src/fs/ntfs/write/pending-writes.js";
import { writableVolume } from "./write-helpers.js";
import type { MemoryDevice } from "../../../src/io/index.js";

function setBitmap(device: MemoryDevice, vol: NtfsVolume, bytes: Uint8Array): void {
  const stream = vol.stream(6, AttributeType.data, "");
  for (const piece of stream.mapRange(0, bytes.length)) device.write(piece.deviceOffset!, bytes.subarray(piece.offset, piece.offset + piece.length));
}

function readBitmap(vol: NtfsVolume): Uint8Array {
  const stream = vol.stream(6, AttributeType.data, "");
  return stream.read(0, stream.size);
}

describe("$Bitmap allocation", () => {
  it("takes free clusters from the hint on, then wraps; a byte met in both passes keeps every bit", () => {
    const { device, vol } = writableVolume();
    const bitmap = readBitmap(vol);
    // Only clusters 8k+2 .. 8k+6 free; the hint 8k+5 is in the middle of that byte.
    const k = 300;
    bitmap.fill(0xff, 0, Math.ceil(vol.geometry.totalClusters / 8));
    bitmap[k] = 0b1000_0011;
    setBitmap(device, vol, bitmap);
    const fresh = openNtfs(device);
    const pending = new PendingWrites();
    const runs = allocateClusters(fresh, 4, 8 * k + 5, pending);
    expect(runs).toEqual([
      { lcn: 8 * k + 5, length: 2 },
      { lcn: 8 * k + 2, length: 2 },
    ]);
    pending.apply(device);
    expect(readBitmap(openNtfs(device))[k]).toBe(0b1110_1111);
  });

  it("keeps out of the MFT zone until the rest of the volume is full", () => {
    const { device, vol } = writableVolume();
    const zone = mftZone(vol);
    const total = vol.geometry.totalClusters;
    expect(zone.end - zone.start).toBe(Math.floor(total / 8));
    const inside = (zone.start + 64) & ~7; // 8 free clusters in the zone
    const outside = (total - 24) & ~7; // 8 free clusters elsewhere
    const bitmap = readBitmap(vol);
    bitmap.fill(0xff, 0, Math.ceil(total / 8));
    bitmap[inside >> 3] = 0;
    bitmap[outside >> 3] = 0;
    setBitmap(device, vol, bitmap);
    const fresh = openNtfs(device);
    expect(allocateClusters(fresh, 4, inside, new PendingWrites(), zone)).toEqual([{ lcn: outside, length: 4 }]);
    expect(allocateClusters(fresh, 10, inside, new PendingWrites(), zone)).toEqual([
      { lcn: outside, length: 8 },
      { lcn: inside, length: 2 },
    ]);
    // Without a zone the first fit from the hint wins.
    expect(allocateClusters(fresh, 4, inside, new PendingWrites())).toEqual([{ lcn: inside, length: 4 }]);
  });

  it("refuses when the volume is too full, queueing nothing", () => {
    const { device, vol } = writableVolume();
    const bitmap = readBitmap(vol);
    bitmap.fill(0xff, 0, Math.ceil(vol.geometry.totalClusters / 8));
    bitmap[10] = 0b1111_1001; // clusters 81 and 82 free
    setBitmap(device, vol, bitmap);
    const pending = new PendingWrites();
    expect(() => allocateClusters(openNtfs(device), 3, 0, pending)).toThrow(expect.objectContaining({ code: "volume-full" }));
    expect(pending.list).toEqual([]);
  });

  it("never takes clusters past the end of the volume (padding bits of the last byte)", () => {
    const { device, vol } = writableVolume();
    const total = vol.geometry.totalClusters;
    const bitmap = readBitmap(vol);
    bitmap.fill(0xff, 0, Math.ceil(total / 8));
    bitmap.fill(0, Math.floor(total / 8)); // last byte and beyond: free bits, some past the end
    setBitmap(device, vol, bitmap);
    const free = total - Math.floor(total / 8) * 8;
    const pending = new PendingWrites();
    if (free > 0) expect(allocateClusters(openNtfs(device), free, 0, pending).every((r) => r.lcn + r.length <= total)).toBe(true);
    expect(() => allocateClusters(openNtfs(device), free + 1, 0, new PendingWrites())).toThrow(expect.objectContaining({ code: "volume-full" }));
  });

  it("takes the same clusters as a bit by bit first fit, on random bitmaps, hints, counts and zones", () => {
    const { device, vol } = writableVolume();
    const total = vol.geometry.totalClusters;
    const bytes = Math.ceil(total / 8);
    const original = readBitmap(vol);
    // Bytes that are whole free, whole used, or mixed, so the whole-byte step and the bit walk both run.
    const byte = fc.oneof(fc.constant(0), fc.constant(0xff), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes - 1), fc.integer({ min: 1, max: 64 }), byte), { maxLength: 40 }),
        fc.nat(total + 8),
        fc.integer({ min: 1, max: 600 }),
        fc.option(fc.tuple(fc.nat(total), fc.nat(total)), { nil: undefined }),
        (stretches, hint, count, zoneEnds) => {
          const bitmap = original.slice();
          bitmap.fill(0xff, 0, bytes);
          for (const [at, length, value] of stretches) bitmap.fill(value, at, Math.min(bytes, at + length));
          setBitmap(device, vol, bitmap);
          const zone = zoneEnds && { start: Math.min(...zoneEnds), end: Math.max(...zoneEnds) };
          const expected = firstFit(bitmap, total, count, hint, zone);
          const pending = new PendingWrites();
          const allocate = () => allocateClusters(openNtfs(device), count, hint, pending, zone);
          if (expected === undefined) {
            expect(allocate).toThrow(expect.objectContaining({ code: "volume-full" }));
            return;
          }
          expect(allocate()).toEqual(expected.runs);
          pending.apply(device);
          expect(readBitmap(openNtfs(device)).subarray(0, bytes)).toEqual(expected.bitmap.subarray(0, bytes));
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** The allocation rule stated plainly, one bit at a time: outside the zone first, each round from the hint to the end, then from 0 to the hint. */
function firstFit(original: Uint8Array, total: number, count: number, hint: number, zone: { start: number; end: number } | undefined): { runs: Array<{ lcn: number; length: number }>; bitmap: Uint8Array } | undefined {
  const bitmap = original.slice();
  const runs: Array<{ lcn: number; length: number }> = [];
  let remaining = count;
  const start = hint >= 0 && hint < total ? hint : 0;
  const rounds = zone && zone.end > zone.start ? [zone, undefined] : [undefined];
  for (const skip of rounds) {
    for (const [from, to] of [[start, total], [0, start]]) {
      for (let lcn = from; lcn < to && remaining > 0; lcn++) {
        if (skip && lcn >= skip.start && lcn < skip.end) continue;
        if (bitmap[lcn >> 3] & (1 << (lcn & 7))) continue;
        bitmap[lcn >> 3] |= 1 << (lcn & 7);
        const last = runs[runs.length - 1];
        if (last && last.lcn + last.length === lcn) last.length++;
        else runs.push({ lcn, length: 1 });
        remaining--;
      }
    }
  }
  return remaining > 0 ? undefined : { runs, bitmap };
}
