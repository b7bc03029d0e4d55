/**
 * $STANDARD_INFORMATION (0x10): four FILETIMEs then the DOS-style file attribute flags.
 * (libfsntfs, "Standard information attribute".)
 */
import { ntfsReader } from "./ntfs-reader.js";

export const FileAttributeFlag = {
  readOnly: 0x0001,
  hidden: 0x0002,
  system: 0x0004,
  directory: 0x0010,
  archive: 0x0020,
  sparse: 0x0200,
  reparsePoint: 0x0400,
  compressed: 0x0800,
  encrypted: 0x4000,
  /** Set in $FILE_NAME copies for directories (ntfs "DUP_FILE_NAME_INDEX_PRESENT"). */
  directoryIndex: 0x10000000,
} as const;

export interface StandardInformation {
  created: Date;
  modified: Date;
  mftModified: Date;
  accessed: Date;
  fileAttributes: number;
}

const EPOCH_DIFF_100NS = 116444736000000000n;

/** FILETIME (100 ns since 1601-01-01 UTC) to Date, kept to milliseconds. */
export function fileTimeToDate(value: bigint): Date {
  return new Date(Number((value - EPOCH_DIFF_100NS) / 10000n));
}

export function parseStandardInformation(value: Uint8Array, base = 0): StandardInformation {
  const byteReader = ntfsReader(value, base);
  return {
    created: fileTimeToDate(byteReader.u64big(0)),
    modified: fileTimeToDate(byteReader.u64big(8)),
    mftModified: fileTimeToDate(byteReader.u64big(16)),
    accessed: fileTimeToDate(byteReader.u64big(24)),
    fileAttributes: byteReader.u32(32),
  };
}
