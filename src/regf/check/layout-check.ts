/**
 * The hive's layout, checked before its tree: the base block (signature, checksum, sequence
 * numbers, version, hive bins size, root offset) and every hive bin and cell header.
 */
import { P2vfixError, RegfError } from "../../errors.js";
import { baseBlockChecksum, BASE_BLOCK_SIZE, HBINS_START, parseBaseBlock, type BaseBlock } from "../base-block.js";
import { CELL_NONE } from "../cells/cell.js";
import { HBIN, HBIN_ALIGNMENT, HBIN_HEADER_SIZE, HBIN_SIGNATURE } from "../hbin.js";
import { hiveBinsExtent } from "../hive-bins-extent.js";
import { hex, type CheckStats, type Report } from "./report.js";

/** The base block and the hive bins data size the reader would use (undefined: nothing more to check). */
export function checkBaseBlock(bytes: Uint8Array, report: Report): { base: BaseBlock; dataSize: number } | undefined {
  if (bytes.length < BASE_BLOCK_SIZE + HBIN_ALIGNMENT) {
    report.error("truncated", `file is ${bytes.length} bytes: too short for a base block and one hive bin`, { offset: 0 });
    return undefined;
  }
  let base: BaseBlock;
  try {
    base = parseBaseBlock(bytes);
  } catch (err) {
    report.error(err instanceof P2vfixError ? err.code : "bad-base-block", (err as Error).message, { offset: 0 });
    return undefined;
  }
  if (base.storedChecksum !== baseBlockChecksum(bytes)) {
    report.error("bad-checksum", `base block checksum is ${hex(base.storedChecksum)}, computed ${hex(base.computedChecksum)}`, { offset: 508 });
  }
  if (base.primarySequence !== base.secondarySequence) {
    report.error("dirty", `sequence numbers differ (${base.primarySequence}/${base.secondarySequence}): the hive is dirty`, { offset: 4 });
  }
  if (base.majorVersion !== 1 || base.minorVersion < 2 || base.minorVersion > 6) {
    report.error("unsupported-version", `regf ${base.majorVersion}.${base.minorVersion} is not a known format`, { offset: 20 });
  }
  if (base.fileType !== 0) report.error("not-a-primary", `file type is ${base.fileType}, not a primary hive (0)`, { offset: 28 });
  if (base.fileFormat !== 1) report.warn("file-format", `file format field is ${base.fileFormat} (1 expected)`, { offset: 32 });
  // The reader's own rule (hive-bins-extent.ts): the field when the base block is sound, else the bins walked.
  let size: number;
  try {
    const extent = hiveBinsExtent(bytes, base, "file");
    size = extent.size;
    if (extent.warning) report.warn("hive-bins-size-from-bins", extent.warning, { offset: 40 });
  } catch (err) {
    if (!(err instanceof RegfError)) throw err;
    report.error(err.code, err.message, { offset: err.offset ?? 40 });
    return undefined;
  }
  if (HBINS_START + size < bytes.length) {
    report.warn("trailing-data", `${bytes.length - HBINS_START - size} bytes follow the hive bins`, { offset: HBINS_START + size });
  }
  if (base.rootCellOffset === CELL_NONE || base.rootCellOffset % 8 !== 0 || base.rootCellOffset >= size) {
    report.error("bad-root-offset", `root cell offset ${hex(base.rootCellOffset)} is outside the hive bins`, { offset: 36 });
    return undefined;
  }
  return { base, dataSize: size };
}

/** Cell sizes by cell offset / 8: the size of the allocated cell starting there, else 0. */
export type CellTable = Int32Array;

/** Walks the bins and their cells; returns the allocated cells' sizes. */
export function walkCells(bytes: Uint8Array, dataSize: number, report: Report, stats: CheckStats): CellTable | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const allocated: CellTable = new Int32Array(dataSize / 8);
  let rel = 0;
  while (rel < dataSize) {
    const pos = HBINS_START + rel;
    const size = view.getUint32(pos + HBIN.size, true);
    if (view.getUint32(pos + HBIN.signature, true) !== HBIN_SIGNATURE) {
      report.error("bad-hbin", `no "hbin" signature at relative offset ${hex(rel)}`, { offset: pos });
      return undefined;
    }
    if (view.getUint32(pos + HBIN.offset, true) !== rel) {
      report.error("bad-hbin", `hive bin at ${hex(rel)} says it is at ${hex(view.getUint32(pos + HBIN.offset, true))}`, { offset: pos + HBIN.offset });
    }
    if (size < HBIN_ALIGNMENT || size % HBIN_ALIGNMENT !== 0 || rel + size > dataSize) {
      report.error("bad-hbin", `hive bin at ${hex(rel)} has size ${size} (a multiple of 4096 within the hive bins data expected)`, { offset: pos + HBIN.size });
      return undefined;
    }
    stats.hiveBins++;
    const end = rel + size;
    let off = rel + HBIN_HEADER_SIZE;
    while (off < end) {
      const raw = view.getInt32(HBINS_START + off, true);
      const cellSize = Math.abs(raw);
      if (cellSize < 8 || cellSize % 8 !== 0 || off + cellSize > end) {
        report.error("bad-cell-size", `cell at ${hex(off)} has size ${raw}: not a multiple of 8 inside its hive bin (ends at ${hex(end)})`, { offset: HBINS_START + off });
        break;
      }
      if (raw < 0) {
        allocated[off / 8] = cellSize;
        stats.allocatedCells++;
        stats.allocatedBytes += cellSize;
      } else {
        stats.freeCells++;
        stats.freeBytes += cellSize;
      }
      off += cellSize;
    }
    rel = end;
  }
  return allocated;
}

