/**
 * $FILE_NAME (0x30): parent reference, times, a copy of the sizes, flags, and the name in
 * one of four namespaces. (libfsntfs, "File name attribute".)
 */
import { readFileReference, type FileReference } from "./mft-record.js";
import { ntfsReader } from "./ntfs-reader.js";
import { fileTimeToDate } from "./standard-information.js";

export const FileNameNamespace = { posix: 0, win32: 1, dos: 2, win32AndDos: 3 } as const;

export interface FileName {
  parent: FileReference;
  created: Date;
  modified: Date;
  /** Copies of the sizes, updated lazily by Windows: informational only. */
  allocatedSize: number;
  dataSize: number;
  fileAttributes: number;
  namespace: number;
  name: string;
}

export function parseFileName(value: Uint8Array, base = 0): FileName {
  const byteReader = ntfsReader(value, base);
  const nameLength = byteReader.u8(64);
  return {
    parent: readFileReference(byteReader.u64big(0)),
    created: fileTimeToDate(byteReader.u64big(8)),
    modified: fileTimeToDate(byteReader.u64big(16)),
    allocatedSize: Number(byteReader.u64big(40)),
    dataSize: Number(byteReader.u64big(48)),
    fileAttributes: byteReader.u32(56),
    namespace: byteReader.u8(65),
    name: byteReader.utf16(66, nameLength * 2),
  };
}

/** True for the 8.3 alias only (hidden from listings; its long name is listed instead). */
export function isDosOnlyName(name: FileName): boolean {
  return name.namespace === FileNameNamespace.dos;
}
