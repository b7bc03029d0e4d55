/**
 * Lazily read lookup tables (BAT, grain directory/tables, L1/L2): pages are read on first use
 * and a bounded number are kept, so opening a 100 GiB image reads no table at all and memory
 * stays flat however large the tables are.
 */
import { ImageError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";

const PAGE_SIZE = 64 * 1024;
const MAX_PAGES = 64;

export class TableCache {
  private readonly pages = new Map<number, DataView>();
  /** The page of the last lookup: a read walks a table in order, so most lookups hit it again (no LRU bookkeeping then). */
  private lastStart = -1;
  private lastPage: DataView | undefined;

  constructor(
    private readonly file: BlockDevice,
    private readonly what: string,
  ) {}

  /**
   * The bytes [offset, offset+length) of the host file, length ≤ 8 and not crossing a page
   * boundary when aligned (table entries are naturally aligned). Throws a typed error when the
   * table runs past the end of the file.
   */
  view(offset: number, length: number): { view: DataView; at: number } {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.file.size) {
      throw new ImageError("table-outside-file", `${this.what}: table entry at ${offset} lies outside the file (${this.file.size} bytes)`, {
        offset,
      });
    }
    const pageStart = offset - (offset % PAGE_SIZE);
    if (pageStart === this.lastStart && offset - pageStart + length <= this.lastPage!.byteLength) return { view: this.lastPage!, at: offset - pageStart };
    if (offset + length > pageStart + PAGE_SIZE) {
      throw new ImageError("misaligned-table", `${this.what}: table entry at ${offset} is not aligned`, { offset });
    }
    let page = this.pages.get(pageStart);
    // A page cached while it was the file's short last page does not cover what a grown file now holds.
    if (page && offset - pageStart + length > page.byteLength) {
      this.pages.delete(pageStart);
      page = undefined;
    }
    if (page) {
      this.pages.delete(pageStart);
    } else {
      const bytes = this.file.read(pageStart, Math.min(PAGE_SIZE, this.file.size - pageStart));
      page = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value as number);
    }
    this.pages.set(pageStart, page);
    this.lastStart = pageStart;
    this.lastPage = page;
    return { view: page, at: offset - pageStart };
  }

  /**
   * Writes table bytes through to the file and into any cached page holding them, so the next
   * lookup sees the new entry (BAT entries, grain table entries, L2 entries, refcounts, bitmaps).
   */
  write(offset: number, bytes: Uint8Array): void {
    this.file.write(offset, bytes);
    for (const [pageStart, page] of this.pages) {
      const from = Math.max(offset, pageStart);
      const to = Math.min(offset + bytes.length, pageStart + page.byteLength);
      if (from >= to) continue;
      new Uint8Array(page.buffer, page.byteOffset, page.byteLength).set(bytes.subarray(from - offset, to - offset), from - pageStart);
    }
  }

  u8(offset: number): number {
    const { view, at } = this.view(offset, 1);
    return view.getUint8(at);
  }
  u16be(offset: number): number {
    const { view, at } = this.view(offset, 2);
    return view.getUint16(at, false);
  }
  u32le(offset: number): number {
    const { view, at } = this.view(offset, 4);
    return view.getUint32(at, true);
  }
  u32be(offset: number): number {
    const { view, at } = this.view(offset, 4);
    return view.getUint32(at, false);
  }
  u64le(offset: number): bigint {
    const { view, at } = this.view(offset, 8);
    return view.getBigUint64(at, true);
  }
  u64be(offset: number): bigint {
    const { view, at } = this.view(offset, 8);
    return view.getBigUint64(at, false);
  }
}

