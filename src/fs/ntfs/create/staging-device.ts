/**
 * Where a writer session stages its writes before commit: a copy-on-write layer over a device
 * kept as 4 KiB pages, so that thousands of small neighbouring writes (one MFT record per new
 * file, the bitmaps, file data in pieces) cost what they write, and commit hands the device one
 * write per stretch of consecutive pages, in order, freeing each stretch as it goes.
 */
import type { BlockDevice } from "../../../io/block-device.js";

const PAGE = 4096;

export class StagingDevice implements BlockDevice {
  readonly writable = true;
  readonly size: number;
  readonly sectorSize?: number;
  private readonly pages = new Map<number, Uint8Array>();

  constructor(readonly base: BlockDevice) {
    this.size = base.size;
    if (base.sectorSize !== undefined) this.sectorSize = base.sectorSize;
  }

  private page(index: number): Uint8Array {
    let p = this.pages.get(index);
    if (!p) {
      const at = index * PAGE;
      p = new Uint8Array(PAGE);
      p.set(this.base.read(at, Math.min(PAGE, this.size - at)));
      this.pages.set(index, p);
    }
    return p;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new RangeError(`read of ${length} bytes at ${offset} is outside the ${this.size}-byte device`);
    const out = this.base.read(offset, length);
    if (this.pages.size === 0) return out;
    for (let index = Math.floor(offset / PAGE); index * PAGE < offset + length; index++) {
      const p = this.pages.get(index);
      if (!p) continue;
      const from = Math.max(offset, index * PAGE);
      const to = Math.min(offset + length, (index + 1) * PAGE);
      out.set(p.subarray(from - index * PAGE, to - index * PAGE), from - offset);
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset < 0 || offset + data.length > this.size) throw new RangeError(`write of ${data.length} bytes at ${offset} is outside the ${this.size}-byte device`);
    for (let at = 0; at < data.length; ) {
      const index = Math.floor((offset + at) / PAGE);
      const within = (offset + at) % PAGE;
      const n = Math.min(PAGE - within, data.length - at);
      if (within === 0 && n === PAGE && !this.pages.has(index)) this.pages.set(index, data.slice(at, at + PAGE));
      else this.page(index).set(data.subarray(at, at + n), within);
      at += n;
    }
  }

  /** Bytes staged. */
  get stagedBytes(): number {
    return this.pages.size * PAGE;
  }

  /** Writes every staged stretch to the base device in offset order, then forgets it. Returns the ranges. */
  commit(): Array<{ offset: number; length: number }> {
    const indexes = [...this.pages.keys()].sort((a, b) => a - b);
    const ranges: Array<{ offset: number; length: number }> = [];
    for (let i = 0; i < indexes.length; ) {
      let j = i + 1;
      while (j < indexes.length && indexes[j] === indexes[j - 1] + 1) j++;
      const offset = indexes[i] * PAGE;
      const length = Math.min(this.size, indexes[j - 1] * PAGE + PAGE) - offset;
      const bytes = new Uint8Array(length);
      for (let k = i; k < j; k++) {
        const at = (indexes[k] - indexes[i]) * PAGE;
        bytes.set(this.pages.get(indexes[k])!.subarray(0, Math.min(PAGE, length - at)), at);
        this.pages.delete(indexes[k]);
      }
      this.base.write(offset, bytes);
      ranges.push({ offset, length });
      i = j;
    }
    return ranges;
  }

  flush(): void {}
  close(): void {}
}
