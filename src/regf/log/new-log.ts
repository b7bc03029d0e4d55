/**
 * A new-format transaction log file (.LOG1/.LOG2, and a single .LOG on some systems): the
 * first 512 bytes of a base block with file type 6, then HvLE entries from offset 512.
 * The entries are read until the first one that is not valid or does not continue the
 * sequence (N followed by N + 1): what follows is an old cycle of the file, not data to replay.
 */
import { RegfError } from "../../errors.js";
import { FileType, checksumOk, parseBaseBlock, type BaseBlock } from "../base-block.js";
import { readHvleEntry, type HvleEntry } from "./hvle-entry.js";
import { isAllZeroBytes } from "../../util/zero-bytes.js";

const SECTOR = 512;

export interface NewLog {
  base: BaseBlock;
  /** Valid entries in file order, with consecutive sequence numbers. */
  entries: HvleEntry[];
  /** Why reading stopped before the end of the file (undefined: the entries filled it or zeros followed). */
  stopReason?: string;
  /**
   * The entry where reading stopped carries the next sequence number but is damaged (a torn
   * write): worth a warning. Otherwise what follows the entries is a left-over of an earlier
   * cycle of the file, which is normal.
   */
  torn?: boolean;
}

/** Parses a new-format log. Throws RegfError when the file is not one (then it must be ignored). */
export function parseNewLog(bytes: Uint8Array, name = "log"): NewLog {
  const base = parseBaseBlock(bytes, name);
  if (base.fileType !== FileType.newLog) {
    throw new RegfError("not-a-new-log", `${name} has file type ${base.fileType}, not 6 (new-format log)`, { offset: 28, path: name });
  }
  if (!checksumOk(base)) {
    throw new RegfError(
      "bad-log-checksum",
      `${name}: base block checksum is 0x${base.storedChecksum.toString(16)}, expected 0x${base.computedChecksum.toString(16)}`,
      { offset: 508, path: name },
    );
  }
  const entries: HvleEntry[] = [];
  let stopReason: string | undefined;
  let torn = false;
  // Each entry is at least one sector, so this loop runs at most length / 512 times.
  for (let offset = SECTOR; offset < bytes.length; ) {
    const read = readHvleEntry(bytes, offset);
    if (!read.ok) {
      // Zero-filled space after the last entry is the normal end, not worth a reason.
      if (!isAllZeroBytes(bytes.subarray(offset, Math.min(bytes.length, offset + SECTOR)))) stopReason = read.reason;
      const previous = entries[entries.length - 1];
      torn = read.sequence !== undefined && (previous === undefined || read.sequence === ((previous.sequence + 1) >>> 0));
      break;
    }
    const previous = entries[entries.length - 1];
    if (previous !== undefined && read.entry.sequence !== ((previous.sequence + 1) >>> 0)) {
      stopReason = `log entry at 0x${offset.toString(16)} has sequence ${read.entry.sequence} after ${previous.sequence}: an older entry left over`;
      break;
    }
    entries.push(read.entry);
    offset += read.entry.size;
  }
  if (stopReason === undefined) return { base, entries };
  return torn ? { base, entries, stopReason, torn } : { base, entries, stopReason };
}
