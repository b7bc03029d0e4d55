/**
 * The writable cell space of a hive: a growable copy of the hive's bytes, the list of hive
 * bins, and a cell allocator. Allocation takes the best-fitting free cell first (splitting
 * off the rest), and only then appends a new hive bin (a 4 KiB multiple big enough for the
 * cell). Freeing merges the cell with free neighbours in the same bin. Cells nobody touches
 * keep their bytes.
 */
import { RegfError } from "../../errors.js";
import { HBINS_START } from "../base-block.js";
import { CELL_ALIGNMENT, CELL_SIZE_FIELD, CellSpace } from "../cells/cell.js";
import { HBIN, HBIN_ALIGNMENT, HBIN_HEADER_SIZE, HBIN_SIGNATURE, listHbins, type HbinHeader } from "../hbin.js";

/** Free cells up to this size are kept in exact-size buckets; larger ones in one set. */
const BUCKET_LIMIT = 4096;

export class CellAllocator {
  private buffer: Uint8Array;
  private dataView: DataView;
  /** Bytes of hive bins data in use (valid cell offsets are below this). */
  dataSize: number;
  readonly minorVersion: number;
  private readonly bins: HbinHeader[];
  /** buckets[size / 8] = offsets of free cells of exactly that size (size <= BUCKET_LIMIT). */
  private readonly buckets: Set<number>[] = [];
  private readonly largeFree = new Set<number>();
  /** Bit b set: buckets[b] is not empty (so that best fit skips empty buckets a word at a time). */
  private readonly nonEmpty = new Uint32Array(Math.ceil((BUCKET_LIMIT / CELL_ALIGNMENT + 1) / 32));
  /**
   * endToStart[end / 8] = start of the free cell ending at `end`, 0 if none (no cell starts
   * at 0: bins begin with their header), to merge a freed cell with the free one before it.
   * A typed array rather than a Map: a bulk import updates it a few hundred thousand times.
   */
  private endToStart: Int32Array;
  /**
   * The free cell at the end of the newest appended bin, kept out of the buckets (-1: none).
   * New cells are carved from it when no free cell elsewhere fits, without re-indexing its
   * shrinking rest each time: a bulk import allocates a few hundred thousand cells this way.
   */
  private tail = -1;
  private cachedSpace: CellSpace | undefined;
  /** Timestamp written into new bins' headers (FILETIME). */
  binTimestamp = 0n;

  /** Takes `bytes` (base block + hive bins, possibly longer) as its own buffer; does not copy. */
  constructor(bytes: Uint8Array, dataSize: number, minorVersion: number) {
    this.buffer = bytes;
    this.dataView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dataSize = dataSize;
    this.minorVersion = minorVersion;
    this.endToStart = new Int32Array(Math.floor(Math.max(dataSize, bytes.length - HBINS_START) / CELL_ALIGNMENT) + 1);
    this.bins = listHbins(bytes, dataSize);
    for (let i = 0; i <= BUCKET_LIMIT / CELL_ALIGNMENT; i++) this.buckets.push(new Set());
    for (const bin of this.bins) this.indexFreeCells(bin);
  }

  get bytes(): Uint8Array {
    return this.buffer;
  }
  get view(): DataView {
    return this.dataView;
  }

  /** A reader view of the current bytes (rebuilt after the buffer grows). */
  get space(): CellSpace {
    if (!this.cachedSpace || this.cachedSpace.bytes !== this.buffer || this.cachedSpace.dataSize !== this.dataSize) {
      this.cachedSpace = new CellSpace(this.buffer, this.dataSize, this.minorVersion);
    }
    return this.cachedSpace;
  }

  get hbins(): readonly HbinHeader[] {
    return this.bins;
  }

  /** File position of the data of the cell at `offset`. */
  pos(offset: number): number {
    return HBINS_START + offset + CELL_SIZE_FIELD;
  }

  /** Total size of the allocated cell at `offset` (size field included). */
  cellSize(offset: number): number {
    return Math.abs(this.dataView.getInt32(HBINS_START + offset, true));
  }

  /** Bytes of data the allocated cell at `offset` can hold. */
  capacity(offset: number): number {
    return this.cellSize(offset) - CELL_SIZE_FIELD;
  }

  private indexFreeCells(bin: HbinHeader): void {
    const end = bin.offset + bin.size;
    let off = bin.offset + HBIN_HEADER_SIZE;
    while (off < end) {
      const raw = this.dataView.getInt32(HBINS_START + off, true);
      const size = Math.abs(raw);
      if (size < CELL_ALIGNMENT || size % CELL_ALIGNMENT !== 0 || off + size > end) {
        throw new RegfError("bad-cell-size", `cannot edit: cell at 0x${off.toString(16)} has an impossible size ${raw}`, { offset: HBINS_START + off });
      }
      // Free cells are indexed as they are (adjacent ones merge when a neighbour is freed).
      if (raw > 0) this.writeFree(off, size);
      off += size;
    }
  }

  private bucketOf(size: number): Set<number> {
    return size <= BUCKET_LIMIT ? this.buckets[size / CELL_ALIGNMENT] : this.largeFree;
  }

  private writeFree(offset: number, size: number): void {
    this.dataView.setInt32(HBINS_START + offset, size, true);
    this.bucketOf(size).add(offset);
    if (size <= BUCKET_LIMIT) {
      const bucket = size / CELL_ALIGNMENT;
      this.nonEmpty[bucket >>> 5] |= 1 << (bucket & 31);
    }
    this.endToStart[(offset + size) / CELL_ALIGNMENT] = offset;
  }

  private unindex(offset: number): void {
    const size = this.dataView.getInt32(HBINS_START + offset, true);
    if (offset === this.tail) {
      this.tail = -1;
      this.endToStart[(offset + size) / CELL_ALIGNMENT] = 0;
      return;
    }
    const set = this.bucketOf(size);
    set.delete(offset);
    if (size <= BUCKET_LIMIT && set.size === 0) {
      const bucket = size / CELL_ALIGNMENT;
      this.nonEmpty[bucket >>> 5] &= ~(1 << (bucket & 31));
    }
    this.endToStart[(offset + size) / CELL_ALIGNMENT] = 0;
  }

  /** The first non-empty bucket at or above `from`, or -1. */
  private nextBucket(from: number): number {
    for (let w = from >>> 5; w < this.nonEmpty.length; w++) {
      let bits = this.nonEmpty[w];
      if (w === from >>> 5) bits &= -1 << (from & 31);
      if (bits !== 0) return w * 32 + (31 - Math.clz32(bits & -bits));
    }
    return -1;
  }

  private isFree(offset: number): boolean {
    return offset < this.dataSize && this.dataView.getInt32(HBINS_START + offset, true) > 0 && this.endToStart[(offset + this.dataView.getInt32(HBINS_START + offset, true)) / CELL_ALIGNMENT] === offset;
  }

  private binEnd(offset: number): number {
    let lo = 0;
    let hi = this.bins.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.bins[mid].offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    const bin = this.bins[lo];
    return bin.offset + bin.size;
  }

  /** Cell size (size field included, 8-aligned) for `dataLength` bytes of data. */
  static cellSizeFor(dataLength: number): number {
    return Math.max(CELL_ALIGNMENT, (dataLength + CELL_SIZE_FIELD + CELL_ALIGNMENT - 1) & ~(CELL_ALIGNMENT - 1));
  }

  /** Allocates a cell for `dataLength` bytes; its data is zeroed. Returns the cell offset. */
  alloc(dataLength: number): number {
    const need = CellAllocator.cellSizeFor(dataLength);
    const found = this.bestFit(need);
    if (found === undefined) {
      if (this.tail < 0 || this.dataView.getInt32(HBINS_START + this.tail, true) < need) this.appendBin(need);
      return this.carveTail(need);
    }
    this.unindex(found);
    const have = this.dataView.getInt32(HBINS_START + found, true);
    if (have > need) this.writeFree(found + need, have - need);
    this.dataView.setInt32(HBINS_START + found, -need, true);
    this.buffer.fill(0, HBINS_START + found + CELL_SIZE_FIELD, HBINS_START + found + need);
    return found;
  }

  /** Allocates `need` bytes from the start of the tail (which holds at least that). */
  private carveTail(need: number): number {
    const tail = this.tail;
    const have = this.dataView.getInt32(HBINS_START + tail, true);
    this.endToStart[(tail + have) / CELL_ALIGNMENT] = 0;
    this.tail = -1;
    // The rest stays the tail: no bucket to leave or join.
    if (have > need) this.setTail(tail + need, have - need);
    this.dataView.setInt32(HBINS_START + tail, -need, true);
    this.buffer.fill(0, HBINS_START + tail + CELL_SIZE_FIELD, HBINS_START + tail + need);
    return tail;
  }

  private setTail(offset: number, size: number): void {
    this.dataView.setInt32(HBINS_START + offset, size, true);
    this.endToStart[(offset + size) / CELL_ALIGNMENT] = offset;
    this.tail = offset;
  }

  private bestFit(need: number): number | undefined {
    if (need <= BUCKET_LIMIT) {
      const bucket = this.nextBucket(need / CELL_ALIGNMENT);
      if (bucket >= 0) {
        const set = this.buckets[bucket];
        // Lowest offset first keeps data packed towards the start (for short buckets).
        if (set.size > 16) return set.values().next().value as number;
        let best = Infinity;
        for (const off of set) if (off < best) best = off;
        return best;
      }
    }
    let best: number | undefined;
    let bestSize = Infinity;
    for (const off of this.largeFree) {
      const size = this.dataView.getInt32(HBINS_START + off, true);
      if (size >= need && size < bestSize) {
        best = off;
        bestSize = size;
      }
    }
    return best;
  }

  /** Appends a hive bin big enough for a cell of `need` bytes; its free cell becomes the tail. */
  private appendBin(need: number): void {
    const size = Math.ceil((need + HBIN_HEADER_SIZE) / HBIN_ALIGNMENT) * HBIN_ALIGNMENT;
    const offset = this.dataSize;
    this.ensureLength(HBINS_START + offset + size);
    const pos = HBINS_START + offset;
    this.buffer.fill(0, pos, pos + size);
    this.dataView.setUint32(pos + HBIN.signature, HBIN_SIGNATURE, true);
    this.dataView.setUint32(pos + HBIN.offset, offset, true);
    this.dataView.setUint32(pos + HBIN.size, size, true);
    this.dataView.setBigUint64(pos + HBIN.timestamp, this.binTimestamp, true);
    this.bins.push({ offset, size });
    this.dataSize += size;
    // The old tail joins the buckets; the new bin's free cell becomes the tail.
    if (this.tail >= 0) {
      const old = this.tail;
      this.tail = -1;
      this.writeFree(old, this.dataView.getInt32(HBINS_START + old, true));
    }
    this.setTail(offset + HBIN_HEADER_SIZE, size - HBIN_HEADER_SIZE);
  }

  /**
   * Makes room for about `bytes` more bytes of bins up front, so that a big batch of edits
   * (an import) does not copy the growing buffer over and over. Changes no cell.
   */
  reserve(bytes: number): void {
    this.ensureLength(HBINS_START + this.dataSize + Math.max(0, Math.ceil(bytes / HBIN_ALIGNMENT) * HBIN_ALIGNMENT));
  }

  private ensureLength(length: number): void {
    if (length <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(length, this.buffer.length * 2));
    grown.set(this.buffer);
    this.buffer = grown;
    this.dataView = new DataView(grown.buffer);
    const ends = new Int32Array(Math.floor((grown.length - HBINS_START) / CELL_ALIGNMENT) + 1);
    ends.set(this.endToStart);
    this.endToStart = ends;
  }

  /** Frees the allocated cell at `offset`, merging it with free neighbours in its bin. */
  free(offset: number): void {
    const raw = this.dataView.getInt32(HBINS_START + offset, true);
    if (raw >= 0) throw new RegfError("double-free", `internal: cell 0x${offset.toString(16)} freed twice`, { offset: HBINS_START + offset });
    let start = offset;
    let size = -raw;
    const next = offset + size;
    if (next < this.binEnd(offset) && this.isFree(next)) {
      size += this.dataView.getInt32(HBINS_START + next, true);
      this.unindex(next);
    }
    const prev = this.endToStart[offset / CELL_ALIGNMENT];
    if (prev !== 0) {
      this.unindex(prev);
      size += offset - prev;
      start = prev;
    }
    this.writeFree(start, size);
  }

  /**
   * Makes the cell at `offset` hold `dataLength` bytes: in place when it already does or when
   * the free cell after it can absorb the growth; else a new cell with the old data copied in
   * (the rest zeroed) and the old cell freed, with `headroom` extra bytes so that a growing
   * list does not move on every insertion. Returns the (possibly new) offset.
   */
  realloc(offset: number, dataLength: number, headroom = 0): number {
    const need = CellAllocator.cellSizeFor(dataLength);
    const have = this.cellSize(offset);
    if (need <= have) return offset;
    const next = offset + have;
    if (next < this.binEnd(offset) && this.isFree(next)) {
      const nextSize = this.dataView.getInt32(HBINS_START + next, true);
      if (have + nextSize >= need) {
        const wasTail = next === this.tail;
        this.unindex(next);
        const rest = have + nextSize - need;
        if (rest > 0 && wasTail) this.setTail(offset + need, rest);
        else if (rest > 0) this.writeFree(offset + need, rest);
        this.dataView.setInt32(HBINS_START + offset, -need, true);
        this.buffer.fill(0, HBINS_START + offset + have, HBINS_START + offset + need);
        return offset;
      }
    }
    const moved = this.alloc(dataLength + headroom);
    const from = HBINS_START + offset + CELL_SIZE_FIELD;
    this.buffer.copyWithin(HBINS_START + moved + CELL_SIZE_FIELD, from, from + have - CELL_SIZE_FIELD);
    this.free(offset);
    return moved;
  }

  /** Free bytes in the bins (for stats and tests). */
  freeBytes(): number {
    let total = 0;
    for (const set of [...this.buckets, this.largeFree]) for (const off of set) total += this.dataView.getInt32(HBINS_START + off, true);
    if (this.tail >= 0) total += this.dataView.getInt32(HBINS_START + this.tail, true);
    return total;
  }
}
