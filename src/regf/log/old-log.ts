/**
 * An old-format transaction log (.LOG, Windows XP to 8; file type 1 or 2), per the regf
 * specification: a partial copy of the base block (first sector), then at offset 512 the dirty
 * vector "DIRT" + a bitmap with one bit per 512-byte page of the hive bins data (bit 0 of byte 0
 * is the first page), then from the next sector boundary one 512-byte copy of each dirty page,
 * in bitmap order. Bytes after the last announced page are remnants and are not read.
 */
import { RegfError } from "../../errors.js";
import { FileType, checksumOk, parseBaseBlock, type BaseBlock } from "../base-block.js";
import type { DirtyPage } from "./hvle-entry.js";

const SECTOR = 512;
const DIRT_OFFSET = 512;
const DIRT_SIGNATURE = 0x54524944; // "DIRT"

export interface OldLog {
  base: BaseBlock;
  /** The base block copy kept in the log: its first sector (the dirty vector follows it). */
  baseBlockCopy: Uint8Array;
  /** Dirty pages in bitmap order, each 512 bytes, with their place in the hive bins data. */
  pages: DirtyPage[];
  /** Offset of the first dirty page in the log file. */
  pagesOffset: number;
}

const fail = (code: string, message: string, name: string, offset: number) => new RegfError(code, message, { offset, path: name });

/**
 * Parses an old-format log. Throws RegfError when it is not one, when its base block copy is
 * invalid (checksum, sequence numbers not equal: a log write that did not finish) or when it is
 * shorter than its dirty vector says: such a log cannot be applied.
 */
export function parseOldLog(bytes: Uint8Array, name = "log"): OldLog {
  const base = parseBaseBlock(bytes, name);
  if (base.fileType !== FileType.oldLog && base.fileType !== FileType.oldLogAlt) {
    throw fail("not-an-old-log", `${name} has file type ${base.fileType}, not 1 or 2 (old-format log)`, name, 28);
  }
  if (!checksumOk(base)) {
    throw fail("bad-log-checksum", `${name}: base block checksum is 0x${base.storedChecksum.toString(16)}, expected 0x${base.computedChecksum.toString(16)}`, name, 508);
  }
  if (base.primarySequence !== base.secondarySequence) {
    throw fail("incomplete-log", `${name}: sequence numbers differ (${base.primarySequence}/${base.secondarySequence}): the log write did not finish`, name, 4);
  }
  if (base.hiveBinsDataSize === 0 || base.hiveBinsDataSize % 4096 !== 0) {
    throw fail("bad-hbins-size", `${name}: hive bins data size ${base.hiveBinsDataSize} is not a positive multiple of 4096`, name, 40);
  }
  const bitmapBits = base.hiveBinsDataSize / SECTOR;
  const bitmapBytes = Math.ceil(bitmapBits / 8);
  const vectorEnd = DIRT_OFFSET + 4 + bitmapBytes;
  if (bytes.length < vectorEnd) {
    throw fail("truncated", `${name} is ${bytes.length} bytes: its dirty vector needs ${vectorEnd}`, name, DIRT_OFFSET);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(DIRT_OFFSET, true) !== DIRT_SIGNATURE) {
    throw fail("bad-dirty-vector", `${name}: no "DIRT" signature at offset 512`, name, DIRT_OFFSET);
  }
  const pagesOffset = Math.ceil(vectorEnd / SECTOR) * SECTOR;
  const bitmap = bytes.subarray(DIRT_OFFSET + 4, vectorEnd);
  let count = 0;
  for (let bit = 0; bit < bitmapBits; bit++) if (bitmap[bit >> 3] & (1 << (bit & 7))) count++;
  // Checked before any page is taken: a cut log announces pages it does not hold.
  if (pagesOffset + count * SECTOR > bytes.length) {
    throw fail(
      "truncated",
      `${name}: the dirty vector marks ${count} pages (${count * SECTOR} bytes from 0x${pagesOffset.toString(16)}) but the file is ${bytes.length} bytes`,
      name,
      pagesOffset,
    );
  }
  const pages: DirtyPage[] = [];
  let at = pagesOffset;
  for (let bit = 0; bit < bitmapBits; bit++) {
    if (!(bitmap[bit >> 3] & (1 << (bit & 7)))) continue;
    pages.push({ hbinsOffset: bit * SECTOR, data: bytes.subarray(at, at + SECTOR) });
    at += SECTOR;
  }
  return { base, baseBlockCopy: bytes.subarray(0, DIRT_OFFSET), pages, pagesOffset };
}
