import { describe, expect, it } from "vitest";
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
});
