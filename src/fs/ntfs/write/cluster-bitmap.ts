/**
 * Cluster allocation from $Bitmap (record 6: one bit per cluster, least significant bit
 * first, 1 = in use). First fit from a hint (the cluster after the file's last one), wrapping
 * around once; only clusters inside the volume and marked free are taken.
 */
import { RefusedError } from "../../../errors.js";
import { AttributeType } from "../attribute.js";
import type { NtfsVolume } from "../volume.js";
import type { PendingWrites } from "./pending-writes.js";

const BITMAP_RECORD = 6;

export interface ClusterRun {
  lcn: number;
  length: number;
}

export interface Allocation {
  runs: ClusterRun[];
  /** Byte range of $Bitmap's data that changed. */
  bitmapBytes: { offset: number; length: number };
}

/**
 * Picks `count` free clusters (contiguous when the space after `hint` allows) and queues the
 * $Bitmap bytes that mark them used. Throws RefusedError when the volume is too full.
 */
export function allocateClusters(vol: NtfsVolume, count: number, hint: number, pending: PendingWrites): Allocation {
  const stream = vol.stream(BITMAP_RECORD, AttributeType.data, "");
  const total = vol.geometry.totalClusters;
  const needed = Math.ceil(total / 8);
  if (stream.size < needed || stream.resident) {
    throw new RefusedError("bitmap-too-small", `$Bitmap holds ${stream.size} bytes, fewer than the ${needed} the volume's ${total} clusters need; nothing was written`);
  }
  const bitmap = stream.read(0, needed);
  const used = (lcn: number) => (bitmap[lcn >> 3] & (1 << (lcn & 7))) !== 0;
  const runs: ClusterRun[] = [];
  let remaining = count;
  const start = hint >= 0 && hint < total ? hint : 0;
  // One pass from the hint to the end, then from 0 to the hint.
  for (const [from, to] of [[start, total], [0, start]] as const) {
    for (let lcn = from; lcn < to && remaining > 0; lcn++) {
      if ((lcn & 7) === 0 && bitmap[lcn >> 3] === 0xff && lcn + 8 <= to) {
        lcn += 7; // a whole byte in use
        continue;
      }
      if (used(lcn)) continue;
      const last = runs[runs.length - 1];
      if (last && last.lcn + last.length === lcn) last.length++;
      else runs.push({ lcn, length: 1 });
      remaining--;
    }
  }
  if (remaining > 0) {
    throw new RefusedError("volume-full", `the volume has fewer than ${count} free clusters; nothing was written`);
  }
  let low = Infinity;
  let high = -1;
  for (const run of runs) {
    for (let lcn = run.lcn; lcn < run.lcn + run.length; lcn++) bitmap[lcn >> 3] |= 1 << (lcn & 7);
    low = Math.min(low, run.lcn >> 3);
    high = Math.max(high, (run.lcn + run.length - 1) >> 3);
  }
  const changed = bitmap.subarray(low, high + 1);
  let at = 0;
  for (const piece of stream.mapRange(low, changed.length)) {
    if (piece.deviceOffset === null) throw new RefusedError("bitmap-sparse", "$Bitmap is sparse where clusters would be marked; nothing was written");
    pending.add(piece.deviceOffset, changed.slice(at, at + piece.length), "$Bitmap");
    at += piece.length;
  }
  return { runs, bitmapBytes: { offset: low, length: changed.length } };
}
