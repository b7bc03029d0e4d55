/**
 * Cluster allocation from $Bitmap (record 6: one bit per cluster, least significant bit
 * first, 1 = in use). First fit from a hint (the cluster after the file's last one), wrapping
 * around once; only clusters inside the volume and marked free are taken. The bitmap is read
 * in windows of CHUNK_BYTES, so a large volume's bitmap is never held whole.
 */
import { RefusedError } from "../../../errors.js";
import { AttributeType } from "../attribute.js";
import type { DataStream } from "../data-stream.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";
import type { PendingWrites } from "./pending-writes.js";

const BITMAP_RECORD = 6;
/** 1 MiB of bitmap = 8 Mi clusters per window. */
const CHUNK_BYTES = 1024 * 1024;

export interface ClusterRun {
  lcn: number;
  length: number;
}

/** Queues bytes [offset, offset + bytes.length) of a bitmap stream ($Bitmap, $MFT's $BITMAP). */
export function queueBitmapBytes(stream: DataStream, offset: number, bytes: Uint8Array, pending: PendingWrites, what = "$Bitmap"): void {
  for (const piece of stream.mapRange(offset, bytes.length)) {
    if (piece.deviceOffset === null) throw new RefusedError("bitmap-sparse", `${what} is sparse where bits would change; nothing was written`);
    pending.add(piece.deviceOffset, bytes.slice(piece.offset - offset, piece.offset - offset + piece.length), what);
  }
}

/** Queues changed bitmap bytes (offset → value), one write per stretch of consecutive offsets. */
export function queueChangedBytes(stream: DataStream, changed: Map<number, number>, pending: PendingWrites): void {
  const offsets = [...changed.keys()].sort((a, b) => a - b);
  for (let i = 0; i < offsets.length; ) {
    let runEnd = i + 1;
    while (runEnd < offsets.length && offsets[runEnd] === offsets[runEnd - 1] + 1) runEnd++;
    queueBitmapBytes(stream, offsets[i], Uint8Array.from(offsets.slice(i, runEnd), (offset) => changed.get(offset)!), pending);
    i = runEnd;
  }
}

/** Clusters kept for $MFT to grow into, used only when everything else is taken. */
export interface ReservedZone {
  start: number;
  end: number;
}

/**
 * The MFT zone: NTFS keeps the space after $MFT free for the MFT to grow into, 12.5% of the
 * volume by default (Microsoft, "fsutil behavior" mftzone: 1 = 12.5%). Files get clusters
 * there only when the rest of the volume is full.
 */
export function mftZone(vol: ReadableNtfsVolume): ReservedZone {
  const total = vol.geometry.totalClusters;
  return { start: vol.boot.mftLcn, end: Math.min(total, vol.boot.mftLcn + Math.floor(total / 8)) };
}

/**
 * Picks `count` free clusters (contiguous when the space after `hint` allows), outside
 * `reserved` unless nothing else is left, and queues the $Bitmap bytes that mark them used.
 * Throws RefusedError when the volume is too full.
 */
export function allocateClusters(vol: ReadableNtfsVolume, count: number, hint: number, pending: PendingWrites, reserved?: ReservedZone): ClusterRun[] {
  const stream = vol.stream(BITMAP_RECORD, AttributeType.data, "");
  const total = vol.geometry.totalClusters;
  const needed = Math.ceil(total / 8);
  if (stream.resident || stream.size < needed) {
    throw new RefusedError("bitmap-too-small", `$Bitmap holds ${stream.size} bytes, fewer than the ${needed} the volume's ${total} clusters need; nothing was written`);
  }
  const runs: ClusterRun[] = [];
  // Changed bitmap bytes by offset: the wrap-around pass may re-read the byte holding the hint.
  const changed = new Map<number, number>();
  let remaining = count;
  const start = hint >= 0 && hint < total ? hint : 0;
  // Outside the reserved zone first, then anywhere; each round from the hint to the end, then
  // from 0 to the hint.
  const rounds = reserved && reserved.end > reserved.start ? [reserved, undefined] : [undefined];
  for (const skip of rounds) {
    for (const [from, to] of [[start, total], [0, start]] as const) {
      for (let chunkStart = from; chunkStart < to && remaining > 0; ) {
        const byteStart = chunkStart >> 3;
        const chunkEnd = Math.min(to, (byteStart + CHUNK_BYTES) * 8);
        const byteEnd = Math.ceil(chunkEnd / 8);
        const bitmap = stream.read(byteStart, byteEnd - byteStart);
        for (const [offset, value] of changed) if (offset >= byteStart && offset < byteEnd) bitmap[offset - byteStart] = value;
        for (let lcn = chunkStart; lcn < chunkEnd && remaining > 0; lcn++) {
          if (skip && lcn >= skip.start && lcn < skip.end) {
            lcn = Math.min(chunkEnd, skip.end) - 1;
            continue;
          }
          const byteIndex = (lcn >> 3) - byteStart;
          if ((lcn & 7) === 0 && lcn + 8 <= chunkEnd) {
            if (bitmap[byteIndex] === 0xff) {
              lcn += 7; // a whole byte in use
              continue;
            }
            if (bitmap[byteIndex] === 0 && remaining >= 8 && !(skip && lcn + 8 > skip.start && lcn < skip.end)) {
              // A whole byte free and wanted: its eight clusters at once, as the bit by bit walk
              // would take them (a 40 MiB file is 10,240 clusters of 4 KiB).
              bitmap[byteIndex] = 0xff;
              changed.set(byteStart + byteIndex, 0xff);
              const last = runs[runs.length - 1];
              if (last && last.lcn + last.length === lcn) last.length += 8;
              else runs.push({ lcn, length: 8 });
              remaining -= 8;
              lcn += 7;
              continue;
            }
          }
          if (bitmap[byteIndex] & (1 << (lcn & 7))) continue;
          bitmap[byteIndex] |= 1 << (lcn & 7);
          changed.set(byteStart + byteIndex, bitmap[byteIndex]);
          const last = runs[runs.length - 1];
          if (last && last.lcn + last.length === lcn) last.length++;
          else runs.push({ lcn, length: 1 });
          remaining--;
        }
        chunkStart = chunkEnd;
      }
    }
  }
  if (remaining > 0) throw new RefusedError("volume-full", `the volume has fewer than ${count} free clusters; nothing was written`);
  queueChangedBytes(stream, changed, pending);
  return runs;
}
