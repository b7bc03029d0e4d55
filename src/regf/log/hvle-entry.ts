/**
 * One new-format log entry ("HvLE", Windows 8.1+), stored at a 512-byte boundary of a .LOG1/.LOG2
 * file from offset 512 on. Layout per the regf specification (M. Suhanov):
 *
 *   0  "HvLE"            20  dirty page count
 *   4  entry size        24  Hash-1: Marvin32 of bytes [40, size)
 *   8  base block flags  32  Hash-2: Marvin32 of bytes [0, 32)
 *  12  sequence number   40  dirty page references (offset, size: 8 bytes each), then the pages
 *  16  hive bins data size
 *
 * An entry that fails any check is not an error of the file: it is where replay stops (a torn
 * write, or an old entry left over), so `readHvleEntry` returns the reason instead of throwing.
 */
import { marvin32 } from "./marvin32.js";

export const HVLE_HEADER_SIZE = 40;
const PAGE_REFERENCE_SIZE = 8;
const SECTOR = 512;
const HBIN_ALIGNMENT = 4096;

export interface DirtyPage {
  /** Offset relative to the start of the hive bins data (file offset - 4096). */
  hbinsOffset: number;
  /** The page bytes, a view into the log file. */
  data: Uint8Array;
}

export interface HvleEntry {
  /** Offset of the entry in the log file. */
  fileOffset: number;
  size: number;
  flags: number;
  sequence: number;
  hiveBinsDataSize: number;
  pages: DirtyPage[];
}

/** On failure, `sequence` is set when the entry had an HvLE header whose sequence number could be read. */
export type HvleReadResult = { ok: true; entry: HvleEntry } | { ok: false; reason: string; sequence?: number };

function hashMatches(view: DataView, at: number, data: Uint8Array): boolean {
  const marvin32Hash = marvin32(data);
  return view.getUint32(at, true) === marvin32Hash.low && view.getUint32(at + 4, true) === marvin32Hash.high;
}

/** Reads and validates the entry at `offset` (a multiple of 512) of `log`. */
export function readHvleEntry(log: Uint8Array, offset: number): HvleReadResult {
  const where = `log entry at 0x${offset.toString(16)}`;
  if (offset + HVLE_HEADER_SIZE > log.length) return { ok: false, reason: `${where}: end of file` };
  const view = new DataView(log.buffer, log.byteOffset, log.byteLength);
  if (view.getUint32(offset, true) !== 0x454c7648) return { ok: false, reason: `${where}: no "HvLE" signature` };
  const sequence = view.getUint32(offset + 12, true);
  const bad = (reason: string): HvleReadResult => ({ ok: false, reason, sequence });
  const size = view.getUint32(offset + 4, true);
  if (size < HVLE_HEADER_SIZE || size % SECTOR !== 0) return bad(`${where}: size ${size} is not a positive multiple of 512`);
  if (offset + size > log.length) return bad(`${where}: size ${size} runs past the end of the log (${log.length} bytes)`);
  const flags = view.getUint32(offset + 8, true);
  const hiveBinsDataSize = view.getUint32(offset + 16, true);
  const pageCount = view.getUint32(offset + 20, true);
  if (hiveBinsDataSize === 0 || hiveBinsDataSize % HBIN_ALIGNMENT !== 0) {
    return bad(`${where}: hive bins data size ${hiveBinsDataSize} is not a multiple of 4096`);
  }
  // The page count must fit the references themselves before anything is allocated for it.
  if (pageCount > (size - HVLE_HEADER_SIZE) / PAGE_REFERENCE_SIZE) {
    return bad(`${where}: ${pageCount} dirty pages cannot fit in ${size} bytes`);
  }
  // Hashes before content: a torn or stale entry must not be interpreted any further.
  if (!hashMatches(view, offset + 24, log.subarray(offset + HVLE_HEADER_SIZE, offset + size))) {
    return bad(`${where} (sequence ${sequence}): Hash-1 does not match`);
  }
  if (!hashMatches(view, offset + 32, log.subarray(offset, offset + 32))) {
    return bad(`${where} (sequence ${sequence}): Hash-2 does not match`);
  }
  const pages: DirtyPage[] = [];
  let dataAt = offset + HVLE_HEADER_SIZE + pageCount * PAGE_REFERENCE_SIZE;
  const end = offset + size;
  for (let i = 0; i < pageCount; i++) {
    const ref = offset + HVLE_HEADER_SIZE + i * PAGE_REFERENCE_SIZE;
    const hbinsOffset = view.getUint32(ref, true);
    const pageSize = view.getUint32(ref + 4, true);
    if (pageSize === 0 || pageSize % SECTOR !== 0 || hbinsOffset % SECTOR !== 0) {
      return bad(`${where}: dirty page ${i} (offset 0x${hbinsOffset.toString(16)}, size ${pageSize}) is not sector aligned`);
    }
    if (hbinsOffset + pageSize > hiveBinsDataSize) {
      return bad(`${where}: dirty page ${i} ends at 0x${(hbinsOffset + pageSize).toString(16)}, past the hive bins data size ${hiveBinsDataSize}`);
    }
    if (dataAt + pageSize > end) return bad(`${where}: dirty page ${i} runs past the end of the entry`);
    pages.push({ hbinsOffset, data: log.subarray(dataAt, dataAt + pageSize) });
    dataAt += pageSize;
  }
  return { ok: true, entry: { fileOffset: offset, size, flags, sequence, hiveBinsDataSize, pages } };
}
