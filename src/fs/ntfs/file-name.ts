/**
 * $FILE_NAME (0x30): parent reference, times, a copy of the sizes, flags, and the name in
 * one of four namespaces. (libfsntfs, "File name attribute".)
 */
import { fileReferenceAt, fileReferenceIn, type FileReference } from "./mft-record.js";
import { decodeUtf16le, u32le } from "../../util/byte-reader.js";
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

/** Offset of the name in the value; its length in UTF-16 units is the byte before the namespace. */
const NAME_AT = 66;

/**
 * A parsed $FILE_NAME whose times become Dates only when asked for: a folder walk parses
 * every entry's key and almost never looks at them. The value must outlive it unchanged
 * (parsers hand fixed-up copies nobody writes to).
 */
class StoredFileName implements FileName {
  readonly parent: FileReference;
  readonly namespace: number;
  readonly name: string;

  /** `value` holds at least NAME_AT + 2 × its name length bytes (parseFileName checked). */
  constructor(private readonly value: Uint8Array) {
    // From the bytes themselves: no reader per entry. What a folder walk rarely asks for (sizes,
    // attributes, times) is read when asked.
    this.parent = fileReferenceIn(value, 0);
    this.namespace = value[65];
    this.name = decodeUtf16le(value.subarray(NAME_AT, NAME_AT + value[64] * 2));
  }

  get allocatedSize(): number {
    return u64(this.value, 40);
  }

  get dataSize(): number {
    return u64(this.value, 48);
  }

  get fileAttributes(): number {
    return u32le(this.value, 56);
  }

  get created(): Date {
    return fileTimeToDate(ntfsReader(this.value).u64big(8));
  }

  get modified(): Date {
    return fileTimeToDate(ntfsReader(this.value).u64big(16));
  }
}

/** As Number(a 64-bit bigint): exact below 2^53, rounded the same way above. */
function u64(bytes: Uint8Array, at: number): number {
  return u32le(bytes, at + 4) * 2 ** 32 + u32le(bytes, at);
}

export function parseFileName(value: Uint8Array, base = 0): FileName {
  // A value too short for its name is refused by the reader (with the offset), as before.
  if (value.length < NAME_AT || value.length < NAME_AT + value[64] * 2) return parseFileNameChecked(value, base);
  return new StoredFileName(value);
}

/** The field-by-field parse: every read bounds-checked, for a value shorter than its fields. */
function parseFileNameChecked(value: Uint8Array, base: number): FileName {
  const byteReader = ntfsReader(value, base);
  const nameLength = byteReader.u8(64);
  return {
    parent: fileReferenceAt(byteReader, 0),
    created: fileTimeToDate(byteReader.u64big(8)),
    modified: fileTimeToDate(byteReader.u64big(16)),
    allocatedSize: Number(byteReader.u64big(40)),
    dataSize: Number(byteReader.u64big(48)),
    fileAttributes: byteReader.u32(56),
    namespace: byteReader.u8(65),
    name: byteReader.utf16(NAME_AT, nameLength * 2),
  };
}

/** True for the 8.3 alias only (hidden from listings; its long name is listed instead). */
export function isDosOnlyName(name: FileName): boolean {
  return name.namespace === FileNameNamespace.dos;
}
