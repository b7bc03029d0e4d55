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
  const r = ntfsReader(value, base);
  const nameLength = r.u8(64);
  return {
    parent: readFileReference(r.u64big(0)),
    created: fileTimeToDate(r.u64big(8)),
    modified: fileTimeToDate(r.u64big(16)),
    allocatedSize: Number(r.u64big(40)),
    dataSize: Number(r.u64big(48)),
    fileAttributes: r.u32(56),
    namespace: r.u8(65),
    name: r.utf16(66, nameLength * 2),
  };
}

/** True for the 8.3 alias only (hidden from listings; its long name is listed instead). */
export function isDosOnlyName(name: FileName): boolean {
  return name.namespace === FileNameNamespace.dos;
}
