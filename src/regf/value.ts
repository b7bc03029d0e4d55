/** A registry value: a view over its vk cell; the data is read when asked for. */
import { RegfError } from "../errors.js";
import { BIG_DATA_MIN_MINOR_VERSION, BIG_DATA_SEGMENT_SIZE, isBigDataCell, readBigData } from "./cells/big-data.js";
import { decodeName, type CellSpace } from "./cells/cell.js";
import { ValueFlags, VK, VK_DATA_INLINE, VK_INLINE_MAX, type VkRecord } from "./cells/vk.js";
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
    const span = locateValueData(this.space, this.record.pos, SPAN);
    const { bytes, start, length } = span;
    if (bytes !== this.space.bytes) return bytes; // big data: already a fresh array
    // Inline data is tiny: always a copy.
    return copy || this.record.inline ? bytes.slice(start, start + length) : bytes.subarray(start, start + length);
  }

  /** UTF-16LE text up to the first NUL (an odd last byte is ignored). */
  string(): string {
    return stringAt(this.space, this.record.pos);
  }

  /**
   * REG_MULTI_SZ items: the text split at NULs, without the item terminator and the list
   * terminator at the end; empty items in the middle are kept.
   */
  multiString(): string[] {
    return multiStringAt(this.space, this.record.pos);
  }

  /** REG_DWORD (little-endian) or REG_DWORD_BIG_ENDIAN of exactly 4 bytes; otherwise undefined. */
  dword(): number | undefined {
    return dwordOf(this.space, this.record.pos, this.type, this.dataSize);
  }

  /** REG_QWORD of exactly 8 bytes; otherwise undefined. */
  qword(): bigint | undefined {
    return qwordOf(this.space, this.record.pos, this.type, this.dataSize);
  }
}

/*
 * The typed reads of a value by the file position of its checked vk (`vkPosition`): what the
 * RegValue methods do, for callers that look a value up only to read its data (no RegValue,
 * no record, no copy or view of the data).
 */

/** Type of the value whose vk is at `vkPos`. */
export function typeAt(space: CellSpace, vkPos: number): number {
  return space.u32(vkPos + VK.type);
}

/** `RegValue.string()` of the value whose vk is at `vkPos`. */
export function stringAt(space: CellSpace, vkPos: number): string {
  // Decoded where the data lies: no view or copy of it per value.
  const { bytes, start, length } = locateValueData(space, vkPos, SPAN);
  return utf16UpToNulAt(bytes, start, length);
}

/** `RegValue.multiString()` of the value whose vk is at `vkPos`. */
export function multiStringAt(space: CellSpace, vkPos: number): string[] {
  const { bytes, start, length } = locateValueData(space, vkPos, SPAN);
  const items = unitsToString(bytes, length >>> 1, start).split("\0");
  if (items.length > 0 && items[items.length - 1] === "") items.pop();
  if (items.length > 0 && items[items.length - 1] === "") items.pop();
  return items;
}

/** `RegValue.dword()` of the value whose vk is at `vkPos`. */
export function dwordAt(space: CellSpace, vkPos: number): number | undefined {
  return dwordOf(space, vkPos, space.u32(vkPos + VK.type), space.u32(vkPos + VK.dataSize) & 0x7fffffff);
}

/** `RegValue.qword()` of the value whose vk is at `vkPos`. */
export function qwordAt(space: CellSpace, vkPos: number): bigint | undefined {
  return qwordOf(space, vkPos, space.u32(vkPos + VK.type), space.u32(vkPos + VK.dataSize) & 0x7fffffff);
}

function dwordOf(space: CellSpace, vkPos: number, type: number, dataSize: number): number | undefined {
  if ((type !== RegType.DWORD && type !== RegType.DWORD_BIG_ENDIAN) || dataSize !== 4) return undefined;
  // Read where the data lies (4 bytes are never big data): no copy of it per value.
  const { bytes: bytes, start: start } = locateValueData(space, vkPos, SPAN);
  return type === RegType.DWORD
    ? (bytes[start] | (bytes[start + 1] << 8) | (bytes[start + 2] << 16) | (bytes[start + 3] << 24)) >>> 0
    : ((bytes[start] << 24) | (bytes[start + 1] << 16) | (bytes[start + 2] << 8) | bytes[start + 3]) >>> 0;
}

function qwordOf(space: CellSpace, vkPos: number, type: number, dataSize: number): bigint | undefined {
  if (type !== RegType.QWORD || dataSize !== 8) return undefined;
  const { bytes, start } = locateValueData(space, vkPos, SPAN);
  return new DataView(bytes.buffer, bytes.byteOffset + start, 8).getBigUint64(0, true);
}

/** Where a value's data lies: `bytes[start, start + length)`. */
export interface DataSpan {
  /** The hive's own bytes, or a fresh array (big data, which is stored in segments). */
  bytes: Uint8Array;
  start: number;
  length: number;
}

const SPAN: DataSpan = { bytes: new Uint8Array(0), start: 0, length: 0 };

/**
 * Locates the data of the value whose vk signature is at file position `vkPos` (checked by
 * `vkPosition`), with every check `RegValue.data()` makes; fills and returns `out`, so that a
 * whole-hive export allocates nothing per value.
 */
export function locateValueData(space: CellSpace, vkPos: number, out: DataSpan): DataSpan {
  const rawSize = space.u32(vkPos + VK.dataSize);
  const size = rawSize & 0x7fffffff;
  out.bytes = space.bytes;
  if ((rawSize & VK_DATA_INLINE) !== 0) {
    if (size > VK_INLINE_MAX) {
      throw new RegfError("bad-value-data", `value ${JSON.stringify(nameAt(space, vkPos))} claims ${size} inline bytes (at most 4 fit)`, {
        offset: vkPos + VK.dataSize,
      });
    }
    out.start = vkPos + VK.dataOffset;
    out.length = size;
    return out;
  }
  out.start = 0;
  out.length = 0;
  if (size === 0) return out;
  const dataOffset = space.u32(vkPos + VK.dataOffset);
  let pos = space.tryCell(dataOffset);
  if (pos < 0) pos = space.cell(dataOffset, `data of value ${JSON.stringify(nameAt(space, vkPos))}`);
  const length = space.dataLength(pos);
  // Big data only exists from format 1.4 and only for data over one segment; older hives
  // (and Windows itself below that size) keep the data in one cell.
  if (space.minorVersion >= BIG_DATA_MIN_MINOR_VERSION && size > BIG_DATA_SEGMENT_SIZE && isBigDataCell(space, pos, length)) {
    out.bytes = readBigData(space, pos, size);
    out.length = size;
    return out;
  }
  if (size > length) {
    throw new RegfError("bad-value-data", `value ${JSON.stringify(nameAt(space, vkPos))} has ${size} bytes of data but its data cell holds ${length}`, {
      offset: vkPos + VK.dataSize,
    });
  }
  out.start = pos;
  out.length = size;
  return out;
}

function nameAt(space: CellSpace, vkPos: number): string {
  const nameLength = space.u16(vkPos + VK.nameLength);
  return decodeName(space.bytes, vkPos + VK.name, nameLength, (space.u16(vkPos + VK.flags) & ValueFlags.COMP_NAME) !== 0);
}

/**
 * Node's own UTF-16LE decoder (what `buffer.toString("utf16le", start, end)` ends in, without
 * its argument handling, a measurable share of decoding short values), which takes any
 * Uint8Array. Not documented: when a Node lacks it, toString on a Buffer view is used.
 */
const ucs2Slice = (Buffer.prototype as unknown as { ucs2Slice?: (this: Uint8Array, start: number, end: number) => string }).ucs2Slice;

/** `units` UTF-16LE code units from `bytes[start]`, each as it is (lone surrogates kept). */
function unitsToString(bytes: Uint8Array, units: number, start = 0): string {
  // Node decodes UTF-16LE by copying the units (no replacement character), at any alignment.
  if (ucs2Slice !== undefined) return ucs2Slice.call(bytes, start, start + 2 * units);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf16le", start, start + 2 * units);
}

/** Decodes UTF-16LE unit by unit (lone surrogates kept) up to the first NUL unit. */
export function utf16UpToNul(bytes: Uint8Array): string {
  return utf16UpToNulAt(bytes, 0, bytes.length);
}

/** `utf16UpToNul` of `bytes[start, start + length)`, without a view of it. */
function utf16UpToNulAt(bytes: Uint8Array, start: number, length: number): string {
  // Decoded whole, then cut at the first NUL: the search in the string is native. Nearly
  // every string ends with its one NUL, which is left out (one string made, not two).
  let units = length >>> 1;
  if (units > 0 && (bytes[start + 2 * units - 2] | bytes[start + 2 * units - 1]) === 0) units--;
  const text = unitsToString(bytes, units, start);
  const nul = text.indexOf("\0");
  return nul < 0 ? text : text.slice(0, nul);
}

export function utf16All(bytes: Uint8Array): string {
  return unitsToString(bytes, bytes.length >>> 1);
}
