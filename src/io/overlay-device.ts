import type { BlockDevice } from "./block-device.js";
import { checkRange } from "./range.js";

export interface WrittenRange {
  offset: number;
  data: Uint8Array;
}

/**
 * Copy-on-write overlay: writes land in memory, reads see them over the base device, and
 * the base is never touched. Used for dry runs and for verify-before-commit: the whole
 * stack is read back through the overlay before a single byte reaches the real image.
 */
export class OverlayDevice implements BlockDevice {
  readonly writable = true;
  readonly sectorSize?: number;
  /** Non-overlapping written ranges, sorted by offset. */
  private ranges: WrittenRange[] = [];

  constructor(readonly base: BlockDevice) {
    if (base.sectorSize !== undefined) this.sectorSize = base.sectorSize;
  }
  get size(): number {
    return this.base.size;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size, "overlay");
    const out = this.base.read(offset, length);
    const end = offset + length;
    for (const r of this.ranges) {
      const rEnd = r.offset + r.data.length;
      if (rEnd <= offset) continue;
      if (r.offset >= end) break;
      const from = Math.max(offset, r.offset);
      const to = Math.min(end, rEnd);
      out.set(r.data.subarray(from - r.offset, to - r.offset), from - offset);
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    checkRange(offset, data.length, this.size, "overlay");
    if (data.length === 0) return;
    // Merge with every range it touches so the list stays non-overlapping.
    let start = offset;
    let end = offset + data.length;
    const kept: WrittenRange[] = [];
    const touching: WrittenRange[] = [];
    for (const r of this.ranges) {
      const rEnd = r.offset + r.data.length;
      if (rEnd < start || r.offset > end) kept.push(r);
      else {
        touching.push(r);
        start = Math.min(start, r.offset);
        end = Math.max(end, rEnd);
      }
    }
    const merged = new Uint8Array(end - start);
    for (const r of touching) merged.set(r.data, r.offset - start);
    merged.set(data, offset - start);
    kept.push({ offset: start, data: merged });
    kept.sort((a, b) => a.offset - b.offset);
    this.ranges = kept;
  }

  /** The written ranges, sorted and non-overlapping: what a commit must write to the base. */
  writes(): readonly WrittenRange[] {
    return this.ranges;
  }

  flush(): void {}
  close(): void {}
}
