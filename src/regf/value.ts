/** A registry value: a view over its vk cell; the data is read when asked for. */
import { RegfError } from "../errors.js";
import { BIG_DATA_MIN_MINOR_VERSION, BIG_DATA_SEGMENT_SIZE, isBigDataCell, readBigData } from "./cells/big-data.js";
import type { CellSpace } from "./cells/cell.js";
import { VK, VK_INLINE_MAX, type VkRecord } from "./cells/vk.js";
import { RegType } from "./value-types.js";

export class RegValue {
  readonly name: string;
  readonly type: number;
  /** Data length in bytes as stored (the inline flag removed). */
  readonly dataSize: number;
  /** Cell offset of the vk record. */
  readonly offset: number;
  readonly flags: number;
  private readonly space: CellSpace;
  private readonly record: VkRecord;

  constructor(space: CellSpace, record: VkRecord) {
    this.space = space;
    this.record = record;
    this.name = record.name;
    this.type = record.type;
    this.dataSize = record.dataSize;
    this.offset = record.offset;
    this.flags = record.flags;
  }

  /** True when the data sits in the vk record's data offset field (at most 4 bytes). */
  get inline(): boolean {
    return this.record.inline;
  }

  /** The exact stored bytes (a copy), whether inline, in one cell or in big data segments. */
  data(): Uint8Array {
    return this.read(true);
  }

  /**
   * The same bytes without copying where possible: a view into the hive buffer that changes
   * if the hive is edited. For exports and other read-once uses; never modify it.
   */
  dataView(): Uint8Array {
    return this.read(false);
  }

  private read(copy: boolean): Uint8Array {
    const { space, record } = this;
    const size = record.dataSize;
    if (record.inline) {
      if (size > VK_INLINE_MAX) {
        throw new RegfError("bad-value-data", `value ${JSON.stringify(record.name)} claims ${size} inline bytes (at most 4 fit)`, {
          offset: record.pos + VK.dataSize,
        });
      }
      return space.bytes.slice(record.pos + VK.dataOffset, record.pos + VK.dataOffset + size); // tiny: always a copy
    }
    if (size === 0) return new Uint8Array(0);
    const pos = space.cell(record.dataOffset, `data of value ${JSON.stringify(record.name)}`);
    const length = space.lastLength;
    // Big data only exists from format 1.4 and only for data over one segment; older hives
    // (and Windows itself below that size) keep the data in one cell.
    if (space.minorVersion >= BIG_DATA_MIN_MINOR_VERSION && size > BIG_DATA_SEGMENT_SIZE && isBigDataCell(space, pos, length)) {
      return readBigData(space, pos, size);
    }
    if (size > length) {
      throw new RegfError("bad-value-data", `value ${JSON.stringify(record.name)} has ${size} bytes of data but its data cell holds ${length}`, {
        offset: record.pos + VK.dataSize,
      });
    }
    return copy ? space.bytes.slice(pos, pos + size) : space.bytes.subarray(pos, pos + size);
  }

  /** UTF-16LE text up to the first NUL (an odd last byte is ignored). */
  string(): string {
    return utf16UpToNul(this.dataView());
  }

  /**
   * REG_MULTI_SZ items: the text split at NULs, without the item terminator and the list
   * terminator at the end; empty items in the middle are kept.
   */
  multiString(): string[] {
    const text = utf16All(this.dataView());
    const items = text.split("\0");
    if (items.length > 0 && items[items.length - 1] === "") items.pop();
    if (items.length > 0 && items[items.length - 1] === "") items.pop();
    return items;
  }

  /** REG_DWORD (little-endian) or REG_DWORD_BIG_ENDIAN of exactly 4 bytes; otherwise undefined. */
  dword(): number | undefined {
    if ((this.type !== RegType.DWORD && this.type !== RegType.DWORD_BIG_ENDIAN) || this.dataSize !== 4) return undefined;
    const d = this.dataView();
    const view = new DataView(d.buffer, d.byteOffset, 4);
    return view.getUint32(0, this.type === RegType.DWORD);
  }

  /** REG_QWORD of exactly 8 bytes; otherwise undefined. */
  qword(): bigint | undefined {
    if (this.type !== RegType.QWORD || this.dataSize !== 8) return undefined;
    const d = this.dataView();
    return new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0, true);
  }
}

function unitsToString(bytes: Uint8Array, units: number): string {
  let s = "";
  for (let i = 0; i < units; i += 4096) {
    const end = Math.min(units, i + 4096);
    const codes = new Array<number>(end - i);
    for (let j = i; j < end; j++) codes[j - i] = bytes[2 * j] | (bytes[2 * j + 1] << 8);
    s += String.fromCharCode(...codes);
  }
  return s;
}

/** Decodes UTF-16LE unit by unit (lone surrogates kept) up to the first NUL unit. */
export function utf16UpToNul(bytes: Uint8Array): string {
  const units = bytes.length >>> 1;
  let n = 0;
  while (n < units && (bytes[2 * n] | bytes[2 * n + 1]) !== 0) n++;
  return unitsToString(bytes, n);
}

export function utf16All(bytes: Uint8Array): string {
  return unitsToString(bytes, bytes.length >>> 1);
}
