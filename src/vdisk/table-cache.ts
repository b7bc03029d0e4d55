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
    if (offset + length > pageStart + PAGE_SIZE) {
      throw new ImageError("misaligned-table", `${this.what}: table entry at ${offset} is not aligned`, { offset });
    }
    let page = this.pages.get(pageStart);
    if (page) {
      this.pages.delete(pageStart);
    } else {
      const bytes = this.file.read(pageStart, Math.min(PAGE_SIZE, this.file.size - pageStart));
      page = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value as number);
    }
    this.pages.set(pageStart, page);
    return { view: page, at: offset - pageStart };
  }

  u8(offset: number): number {
    const { view, at } = this.view(offset, 1);
    return view.getUint8(at);
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
