/**
 * Cells: a signed 32-bit size (negative = allocated) followed by the cell data. Every cell
 * reference in a hive is an offset relative to the start of the hive bins data; 0xFFFFFFFF
 * means "none". All reads go through a CellSpace, which bounds them to the hive bins data.
 */
import { RegfError } from "../../errors.js";
import { HBINS_START } from "../base-block.js";
import type { OnDemandBytes } from "../on-demand-bytes.js";

export const CELL_NONE = 0xffffffff;
export const CELL_SIZE_FIELD = 4;
export const CELL_ALIGNMENT = 8;

export class CellSpace {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Length of the hive bins data: valid cell offsets are below this. */
  readonly dataSize: number;
  readonly minorVersion: number;
  /** Set when `bytes` is filled on demand: every cell is read in before it is looked at. */
  private readonly onDemand: OnDemandBytes | undefined;

  constructor(bytes: Uint8Array, dataSize: number, minorVersion: number, onDemand?: OnDemandBytes) {
    this.bytes = bytes;
    this.onDemand = onDemand;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dataSize = dataSize;
    this.minorVersion = minorVersion;
  }

  /**
   * File position of the data of the allocated cell at `offset`, checking that the whole
   * cell lies in the hive bins data. Its data length is `dataLength(pos)`.
   */
  cell(offset: number, what: string): number {
    const pos = this.tryCell(offset);
    if (pos >= 0) return pos;
    throw this.cellError(offset, what);
  }

  /**
   * `cell()` without the error: the data position, or -1 when `cell()` would throw. Hot loops
   * use it so that they build no message for the cells that are fine.
   */
  tryCell(offset: number): number {
    if (offset === CELL_NONE || (offset & (CELL_ALIGNMENT - 1)) !== 0 || offset + CELL_SIZE_FIELD > this.dataSize) return -1;
    const pos = HBINS_START + offset;
    const onDemand = this.onDemand;
    if (onDemand !== undefined) onDemand.ensure(pos, CELL_SIZE_FIELD);
    const raw = this.view.getInt32(pos, true);
    if (raw >= 0) return -1;
    const size = -raw;
    if (size < CELL_SIZE_FIELD + 2 || offset + size > this.dataSize) return -1;
    if (onDemand !== undefined) onDemand.ensure(pos, size);
    return pos + CELL_SIZE_FIELD;
  }

  /** The error `cell()` throws for a bad offset. */
  cellError(offset: number, what: string): RegfError {
    if (offset === CELL_NONE || offset % CELL_ALIGNMENT !== 0 || offset + CELL_SIZE_FIELD > this.dataSize) {
      return new RegfError("bad-cell-offset", `${what}: cell offset 0x${offset.toString(16)} is outside the hive bins data or misaligned`, {
        offset: HBINS_START + offset,
      });
    }
    const pos = HBINS_START + offset;
    const raw = this.view.getInt32(pos, true);
    if (raw >= 0) {
      return new RegfError("unallocated-cell", `${what}: cell at 0x${offset.toString(16)} is free (size ${raw}), not allocated`, { offset: pos });
    }
    return new RegfError("bad-cell-size", `${what}: cell at 0x${offset.toString(16)} has an impossible size ${-raw}`, { offset: pos });
  }

  /** Length of the data of the allocated cell whose data starts at `pos` (a position `cell()` or `tryCell()` returned). */
  dataLength(pos: number): number {
    return -this.view.getInt32(pos - CELL_SIZE_FIELD, true) - CELL_SIZE_FIELD;
  }

  /** The two-byte signature at a file position, as a string ("nk", "lh", ...). */
  signature(pos: number): string {
    return String.fromCharCode(this.bytes[pos], this.bytes[pos + 1]);
  }

  u16(pos: number): number {
    return this.view.getUint16(pos, true);
  }
  u32(pos: number): number {
    return this.view.getUint32(pos, true);
  }
  u64(pos: number): bigint {
    return this.view.getBigUint64(pos, true);
  }
}

const SHORT_NAME_UNITS = 256;
const shortName = new Uint16Array(SHORT_NAME_UNITS);

/** Reads a name stored either as Latin-1 (compressed flag) or UTF-16LE. */
export function decodeName(bytes: Uint8Array, pos: number, length: number, compressed: boolean): string {
  if (compressed) {
    // Latin-1 proper (not TextDecoder's "latin1", which is windows-1252 for 0x80-0x9F).
    if (length <= 8192) return String.fromCharCode.apply(null, bytes.subarray(pos, pos + length) as unknown as number[]);
    let text = "";
    for (let i = 0; i < length; i += 8192) text += String.fromCharCode(...bytes.subarray(pos + i, pos + Math.min(length, i + 8192)));
    return text;
  }
  const units = length >>> 1;
  if (units <= SHORT_NAME_UNITS) {
    // One string per name (not one per character): names are decoded for every key visited.
    for (let i = 0; i < units; i++) shortName[i] = bytes[pos + 2 * i] | (bytes[pos + 2 * i + 1] << 8);
    return String.fromCharCode.apply(null, shortName.subarray(0, units) as unknown as number[]);
  }
  // Unit by unit, so that lone surrogates survive (TextDecoder would replace them).
  const codes = new Array<number>(units);
  for (let i = 0; i < units; i++) codes[i] = bytes[pos + 2 * i] | (bytes[pos + 2 * i + 1] << 8);
  let result = "";
  for (let i = 0; i < units; i += 8192) result += String.fromCharCode(...codes.slice(i, i + 8192));
  return result;
}
