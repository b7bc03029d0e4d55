/**
 * A key node's u32 fields as the editor changes them: read and write by named offset (NK),
 * stamp the last-written time, and raise the "largest name / class / data" fields, which Windows
 * only ever raises (they are hints for buffer sizes, not exact).
 */
import { NK } from "../cells/nk.js";
import type { CellAllocator } from "./allocator.js";

/** The largest-name fields keep flags in their upper 16 bits (virtualization, user flags). */
const NAME_LENGTH_MASK = 0xffff;

export class KeyNodeFields {
  constructor(
    private readonly cells: CellAllocator,
    /** Now as a FILETIME (the editor's clock). */
    private readonly now: () => bigint,
  ) {}

  get(nk: number, field: number): number {
    return this.cells.view.getUint32(this.cells.pos(nk) + field, true);
  }

  set(nk: number, field: number, value: number): void {
    this.cells.view.setUint32(this.cells.pos(nk) + field, value >>> 0, true);
  }

  /** Stamps the key's last-written time with now. */
  touch(nk: number): void {
    this.cells.view.setBigUint64(this.cells.pos(nk) + NK.lastWritten, this.now(), true);
  }

  /** Raises a largest-length field to `length` if below it; `keepHighBits` for the name field's flags. */
  raiseMax(nk: number, field: number, length: number, keepHighBits = false): void {
    const current = this.get(nk, field);
    const low = keepHighBits ? current & NAME_LENGTH_MASK : current;
    if (length <= low) return;
    this.set(nk, field, keepHighBits ? ((current & ~NAME_LENGTH_MASK) | Math.min(length, NAME_LENGTH_MASK)) >>> 0 : length);
  }
}
