/**
 * Hive bins ("hbin"): the 4096-byte-multiple blocks after the base block that hold the cells.
 * Header (32 bytes): signature, offset of this bin relative to the first bin, its size,
 * 8 reserved bytes, a FILETIME (meaningful only in the first bin), 4 spare bytes.
 */
import { RegfError } from "../errors.js";
import { HBINS_START } from "./base-block.js";

export const HBIN_SIGNATURE = 0x6e696268; // "hbin" read as a little-endian u32
export const HBIN_HEADER_SIZE = 32;
export const HBIN_ALIGNMENT = 4096;
export const HBIN = { signature: 0, offset: 4, size: 8, reserved: 12, timestamp: 20, spare: 28 } as const;

export interface HbinHeader {
  /** Offset relative to the start of the hive bins data (file offset - 4096). */
  offset: number;
  size: number;
}

/** Reads the bin header at `relOffset` (relative to the hive bins data); undefined if none is valid there. */
export function readHbinHeader(bytes: Uint8Array, relOffset: number): HbinHeader | undefined {
  const pos = HBINS_START + relOffset;
  if (pos + HBIN_HEADER_SIZE > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + pos, HBIN_HEADER_SIZE);
  if (view.getUint32(HBIN.signature, true) !== HBIN_SIGNATURE) return undefined;
  if (view.getUint32(HBIN.offset, true) !== relOffset) return undefined;
  const size = view.getUint32(HBIN.size, true);
  if (size < HBIN_ALIGNMENT || size % HBIN_ALIGNMENT !== 0 || pos + size > bytes.length) return undefined;
  return { offset: relOffset, size };
}

/**
 * Walks consecutive valid bins from the first one and returns how many bytes of hive bins data
 * they cover (0 when not even the first bin is valid). Bounded by the buffer length.
 */
export function walkHbins(bytes: Uint8Array, limit = bytes.length - HBINS_START): number {
  let rel = 0;
  while (rel < limit) {
    const bin = readHbinHeader(bytes, rel);
    if (!bin || rel + bin.size > limit) break;
    rel += bin.size;
  }
  return rel;
}

/** Every bin header in [0, dataSize): for `reg info` and the structural check. */
export function listHbins(bytes: Uint8Array, dataSize: number): HbinHeader[] {
  const bins: HbinHeader[] = [];
  let rel = 0;
  while (rel < dataSize) {
    const bin = readHbinHeader(bytes, rel);
    if (!bin || rel + bin.size > dataSize) {
      throw new RegfError("bad-hbin", `no valid hive bin at relative offset 0x${rel.toString(16)}`, { offset: HBINS_START + rel });
    }
    bins.push(bin);
    rel += bin.size;
  }
  return bins;
}
