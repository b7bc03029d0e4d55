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
  private currentSize: number;
  /** How much of the base still shows through: shrinking hides the base's tail for good. */
  private baseVisible: number;

  constructor(readonly base: BlockDevice) {
    if (base.sectorSize !== undefined) this.sectorSize = base.sectorSize;
    this.currentSize = base.size;
    this.baseVisible = base.size;
  }
  get size(): number {
    return this.currentSize;
  }

  /**
   * Grows or shrinks the overlay's size without touching the base. Bytes past the base's end
   * read as zeros until written; shrinking drops written bytes past the new end.
   */
  resize(newSize: number): void {
    if (!Number.isSafeInteger(newSize) || newSize < 0) throw new RangeError(`invalid size ${newSize}`);
    if (newSize < this.currentSize) {
      this.ranges = this.ranges
        .filter((range) => range.offset < newSize)
        .map((range) => (range.offset + range.data.length <= newSize ? range : { offset: range.offset, data: range.data.slice(0, newSize - range.offset) }));
    }
    this.currentSize = newSize;
    this.baseVisible = Math.min(this.baseVisible, newSize);
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size, "overlay");
    // Base bytes where the base has them (and it was not shrunk below), zeros past its end.
    const out = new Uint8Array(length);
    const baseEnd = this.baseVisible;
    if (offset < baseEnd) out.set(this.base.read(offset, Math.min(length, baseEnd - offset)), 0);
    const end = offset + length;
    for (const range of this.ranges) {
      const rEnd = range.offset + range.data.length;
      if (rEnd <= offset) continue;
      if (range.offset >= end) break;
      const from = Math.max(offset, range.offset);
      const to = Math.min(end, rEnd);
      out.set(range.data.subarray(from - range.offset, to - range.offset), from - offset);
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
    for (const range of this.ranges) {
      const rEnd = range.offset + range.data.length;
      if (rEnd < start || range.offset > end) kept.push(range);
      else {
        touching.push(range);
        start = Math.min(start, range.offset);
        end = Math.max(end, rEnd);
      }
    }
    const merged = new Uint8Array(end - start);
    for (const writtenRange of touching) merged.set(writtenRange.data, writtenRange.offset - start);
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
