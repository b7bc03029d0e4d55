/**
 * Copy-on-write overlay whose written bytes stay bounded in memory: like OverlayDevice (writes
 * land here, reads see them over the base, the base is never touched), but kept as 4 KiB pages,
 * and once the pages in memory pass a budget the oldest ones move to a spool file. Copying a
 * 120 MiB tree into an image then costs the budget in memory, not the tree.
 *
 * A long write of new whole pages (file data) goes straight to the spool: kept in memory under a
 * 64 MiB process-wide cap instead, the copy-in bench was slower on whole processes (fresh memory
 * is faulted 4 KiB at a time, the page cache takes the spool's writes in large folios; measured
 * in docs/write-path-profile.md, "Whole writes kept in memory").
 *
 * The spool file is opened by the caller (openSpoolIn: created exclusively under a random name,
 * 0600, unlinked at once where the platform allows), so this class never names a path.
 */
import { closeSync, readSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createExclusive, tempPathBeside } from "./safe-file.js";
import { readDeviceInto, type BlockDevice } from "./block-device.js";
import { checkRange } from "./range.js";

const PAGE = 4096;
/** Pages kept in memory before the oldest move to the spool (16 MiB). */
const DEFAULT_BUDGET = 4096;
/** New whole pages written in one call from which they skip memory for the spool (64 KiB: file data, not records). */
const DIRECT_PAGES = 16;
/** Pages moved to the spool per write when spilling (1 MiB). */
const SPILL_BATCH = 256;
/** Pages carved from one allocation (1 MiB). */
const SLAB_PAGES = 256;

export interface SpoolFile {
  fd: number;
  /** Called once when the overlay is done with it (close and remove the file). */
  release(): void;
}

export class SpoolOverlayDevice implements BlockDevice {
  readonly writable = true;
  readonly sectorSize?: number;
  /** Page index → its bytes (in memory) or its slot in the spool file. */
  private readonly pages = new Map<number, Uint8Array | number>();
  private inMemory = 0;
  /** In-memory page indexes, oldest first (stale entries skipped when spilling). */
  private order: number[] = [];
  private orderHead = 0;
  private spool: SpoolFile | undefined;
  private spoolSlots = 0;
  private spillBatch: Uint8Array | undefined;
  /** Page buffers spilled or dropped, for newPage() to hand out again. */
  private freePages: Uint8Array[] = [];
  /** The slab newPage() carves fresh pages from, and how many it has given. */
  private slab: Uint8Array | undefined;
  private slabUsed = 0;
  private slabsMade = 0;
  private currentSize: number;
  /** How much of the base still shows through: shrinking hides the base's tail for good. */
  private baseVisible: number;

  constructor(
    readonly base: BlockDevice,
    private readonly openSpool: () => SpoolFile,
    private readonly budgetPages = DEFAULT_BUDGET,
    /** A write of at least this many new whole pages goes straight to the spool. */
    private readonly directPages = DIRECT_PAGES,
  ) {
    if (base.sectorSize !== undefined) this.sectorSize = base.sectorSize;
    this.currentSize = base.size;
    this.baseVisible = base.size;
  }

  get size(): number {
    return this.currentSize;
  }

  /** Bytes of the slabs page buffers were carved from (each page in use or free to reuse): stays near the budget. */
  get pageBufferBytes(): number {
    return this.slabsMade * SLAB_PAGES * PAGE;
  }

  /** Bytes held in memory and in the spool file. */
  get stagedBytes(): { memory: number; spooled: number } {
    return { memory: this.inMemory * PAGE, spooled: (this.pages.size - this.inMemory) * PAGE };
  }

  resize(newSize: number): void {
    if (!Number.isSafeInteger(newSize) || newSize < 0) throw new RangeError(`invalid size ${newSize}`);
    if (newSize < this.currentSize) {
      for (const index of [...this.pages.keys()]) {
        if (index * PAGE >= newSize) this.drop(index);
        else if ((index + 1) * PAGE > newSize) {
          const bytes = this.load(index);
          bytes.fill(0, newSize - index * PAGE);
          this.store(index, bytes);
        }
      }
    }
    this.currentSize = newSize;
    this.baseVisible = Math.min(this.baseVisible, newSize);
  }

  private drop(index: number): void {
    const page = this.pages.get(index);
    if (page instanceof Uint8Array) {
      this.inMemory--;
      this.freePages.push(page);
    }
    this.pages.delete(index);
  }

  /**
   * A page buffer (old bytes in it: the caller overwrites all of it): one given back by a spill
   * or a drop, else carved from a slab of SLAB_PAGES. A fresh 4 KiB Uint8Array per page costs
   * about 2 µs to make and collect (30,000 took 70 ms, as many views of a slab 6 ms); every
   * buffer is in memory or free, so there are never more than the budget's pages plus a slab.
   */
  private newPage(): Uint8Array {
    const reused = this.freePages.pop();
    if (reused) return reused;
    if (!this.slab || this.slabUsed === SLAB_PAGES) {
      this.slab = new Uint8Array(SLAB_PAGES * PAGE);
      this.slabUsed = 0;
      this.slabsMade++;
    }
    return this.slab.subarray(this.slabUsed * PAGE, ++this.slabUsed * PAGE);
  }

  /** A page's current bytes: written ones, else the base's (zeros past what the base shows). */
  private load(index: number): Uint8Array {
    const page = this.pages.get(index);
    if (page instanceof Uint8Array) return page;
    const out = this.newPage();
    if (typeof page === "number") {
      this.readSlots(page * PAGE, out, 0, PAGE);
      return out;
    }
    const at = index * PAGE;
    const have = Math.max(0, Math.min(PAGE, this.baseVisible - at));
    // Straight into the page; zeros past what the base shows (a reused page holds old bytes).
    if (have > 0) readDeviceInto(this.base, at, out, 0, have);
    if (have < PAGE) out.fill(0, have);
    return out;
  }

  /**
   * Keeps a page's new bytes: over its spool slot when it has one, else in memory (spilling the
   * oldest past the budget). Takes `bytes` over (a buffer from load() or newPage()).
   */
  private store(index: number, bytes: Uint8Array): void {
    const page = this.pages.get(index);
    if (typeof page === "number") {
      this.writeSlot(page, bytes);
      // load() made it for this write; nothing holds it after.
      this.freePages.push(bytes);
      return;
    }
    if (page === undefined) {
      this.inMemory++;
      this.order.push(index);
    }
    this.pages.set(index, bytes);
    if (this.inMemory > this.budgetPages) this.spill();
  }

  private writeSlot(slot: number, bytes: Uint8Array): void {
    for (let at = 0; at < PAGE; ) at += writeSync(this.spool!.fd, bytes, at, PAGE - at, slot * PAGE + at);
  }

  /** Moves the oldest half of the in-memory pages to the spool file, in writes of up to SPILL_BATCH pages. */
  private spill(): void {
    this.spool ??= this.openSpool();
    let move = this.inMemory - (this.budgetPages >> 1);
    // One batch buffer for every spill of this overlay (not a fresh concatenation per batch).
    const batch = (this.spillBatch ??= new Uint8Array(SPILL_BATCH * PAGE));
    let batched = 0;
    const flush = () => {
      if (batched === 0) return;
      const at = (this.spoolSlots - batched) * PAGE;
      const length = batched * PAGE;
      for (let done = 0; done < length; ) done += writeSync(this.spool!.fd, batch, done, length - done, at + done);
      batched = 0;
    };
    while (move > 0 && this.orderHead < this.order.length) {
      const index = this.order[this.orderHead++];
      const page = this.pages.get(index);
      if (!(page instanceof Uint8Array)) continue;
      batch.set(page, batched++ * PAGE);
      this.freePages.push(page);
      this.pages.set(index, this.spoolSlots++);
      this.inMemory--;
      move--;
      if (batched === SPILL_BATCH) flush();
    }
    flush();
    this.order = this.order.slice(this.orderHead);
    this.orderHead = 0;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, out, 0, length);
    return out;
  }

  /** read() into a caller's buffer: large reads (verify, measure, commit) reuse one buffer. */
  readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): void {
    checkRange(offset, length, this.size, "overlay");
    checkRange(targetOffset, length, target.length, "read target");
    const end = offset + length;
    // Stretches of the base between staged pages are read from the base in one piece each;
    // past what the base shows, zeros.
    let gap = offset;
    const fromBase = (to: number) => {
      const visible = Math.min(to, this.baseVisible);
      if (visible > gap) readDeviceInto(this.base, gap, target, targetOffset + gap - offset, visible - gap);
      if (to > Math.max(gap, visible)) target.fill(0, targetOffset + Math.max(gap, visible) - offset, targetOffset + to - offset);
    };
    if (this.pages.size === 0) {
      fromBase(end);
      return;
    }
    for (let index = Math.floor(offset / PAGE); index * PAGE < end; index++) {
      const page = this.pages.get(index);
      if (page === undefined) continue;
      const from = Math.max(offset, index * PAGE);
      fromBase(from);
      if (typeof page === "number") {
        // Pages spilled together sit in consecutive slots: one read for the whole stretch.
        let last = index;
        while ((last + 1) * PAGE < end && this.pages.get(last + 1) === page + (last + 1 - index)) last++;
        const to = Math.min(end, (last + 1) * PAGE);
        this.readSlots(page * PAGE + (from - index * PAGE), target, targetOffset + from - offset, to - from);
        index = last;
        gap = to;
        continue;
      }
      const to = Math.min(end, (index + 1) * PAGE);
      target.set(page.subarray(from - index * PAGE, to - index * PAGE), targetOffset + from - offset);
      gap = to;
    }
    fromBase(end);
  }

  private readSlots(spoolOffset: number, into: Uint8Array, at: number, length: number): void {
    for (let done = 0; done < length; ) {
      const bytesRead = readSync(this.spool!.fd, into, at + done, length - done, spoolOffset + done);
      if (bytesRead === 0) throw new Error(`spool file: short read at ${spoolOffset + done}`);
      done += bytesRead;
    }
  }

  write(offset: number, data: Uint8Array): void {
    checkRange(offset, data.length, this.size, "overlay");
    for (let at = 0; at < data.length; ) {
      const index = Math.floor((offset + at) / PAGE);
      const within = (offset + at) % PAGE;
      const taken = Math.min(PAGE - within, data.length - at);
      if (taken === PAGE && !this.pages.has(index)) {
        // New whole pages in a row: a long stretch goes to the spool in one write, never held in memory.
        let count = 1;
        while (at + (count + 1) * PAGE <= data.length && !this.pages.has(index + count)) count++;
        if (count >= this.directPages) {
          this.spoolDirect(index, data.subarray(at, at + count * PAGE));
          at += count * PAGE;
          continue;
        }
        const page = this.newPage();
        page.set(data.subarray(at, at + PAGE));
        this.store(index, page);
      } else {
        const page = this.load(index);
        page.set(data.subarray(at, at + taken), within);
        this.store(index, page);
      }
      at += taken;
    }
  }

  /** Pages not yet staged, written straight to fresh consecutive spool slots. */
  private spoolDirect(first: number, bytes: Uint8Array): void {
    this.spool ??= this.openSpool();
    const slot = this.spoolSlots;
    for (let done = 0; done < bytes.length; ) done += writeSync(this.spool.fd, bytes, done, bytes.length - done, slot * PAGE + done);
    const count = bytes.length / PAGE;
    for (let k = 0; k < count; k++) this.pages.set(first + k, slot + k);
    this.spoolSlots += count;
  }

  /** The written stretches (consecutive pages, cut at the current size), in offset order. */
  stretches(): Array<{ offset: number; length: number }> {
    const indexes = [...this.pages.keys()].sort((a, b) => a - b);
    const out: Array<{ offset: number; length: number }> = [];
    for (let i = 0; i < indexes.length; ) {
      let runEnd = i + 1;
      while (runEnd < indexes.length && indexes[runEnd] === indexes[runEnd - 1] + 1) runEnd++;
      const offset = indexes[i] * PAGE;
      const end = Math.min(this.currentSize, indexes[runEnd - 1] * PAGE + PAGE);
      if (end > offset) out.push({ offset, length: end - offset });
      i = runEnd;
    }
    return out;
  }

  /**
   * Writes every staged stretch to the base device, in offset order and in pieces of `piece`
   * bytes, and returns the stretches: for a caller whose base may be written (an NTFS writer's
   * commit). The pages stay until dispose().
   */
  writeStretchesToBase(piece = 1 << 20): Array<{ offset: number; length: number }> {
    const stretches = this.stretches();
    const buffer = new Uint8Array(piece);
    for (const stretch of stretches) {
      for (let at = 0; at < stretch.length; at += piece) {
        const count = Math.min(piece, stretch.length - at);
        this.readInto(stretch.offset + at, buffer, 0, count);
        this.base.write(stretch.offset + at, buffer.subarray(0, count));
      }
    }
    return stretches;
  }

  flush(): void {}
  /** The stack above closes its device when done; the pages stay until dispose(). */
  close(): void {}

  /** Forgets every page and gives the spool file back. */
  dispose(): void {
    this.pages.clear();
    this.spillBatch = undefined;
    this.freePages = [];
    this.slab = undefined;
    this.slabUsed = 0;
    this.slabsMade = 0;
    this.inMemory = 0;
    this.order = [];
    this.orderHead = 0;
    const spool = this.spool;
    this.spool = undefined;
    spool?.release();
  }
}

/** A SpoolFile over an fd the caller opened: close() closes it, then runs `remove`. */
export function spoolFile(fd: number, remove: () => void): SpoolFile {
  return {
    fd,
    release() {
      closeSync(fd);
      remove();
    },
  };
}

/** A spool file created exclusively in `folder` under a random name, 0600, and unlinked at once where the platform allows. */
export function openSpoolIn(folder: string): SpoolFile {
  const path = tempPathBeside(join(folder, "spool"));
  const fd = createExclusive(path, 0o600, true);
  const remove = () => {
    try {
      unlinkSync(path);
    } catch {
      // already removed (POSIX: right after opening)
    }
  };
  remove();
  return spoolFile(fd, remove);
}
