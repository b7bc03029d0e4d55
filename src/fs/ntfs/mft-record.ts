/**
 * An MFT file record ("FILE"): header, fixups, attributes. (libfsntfs, "MFT entry".)
 */
import { NtfsError } from "../../errors.js";
import { type ByteReader, u16le, u32le } from "../../util/byte-reader.js";
import { parseAttributes, type Attribute } from "./attribute.js";
import { ntfsReader } from "./ntfs-reader.js";
import { applyFixups } from "./update-sequence.js";

export const MftRecordFlag = { inUse: 0x0001, directory: 0x0002 } as const;

/** Bytes of the record header (NTFS 3.1: the record number at 44 ends it). */
const HEADER_BYTES = 48;

/** A 48-bit record number with the 16-bit sequence number that must match the record's. */
export interface FileReference {
  record: number;
  sequence: number;
}

/** The file reference at `at`: read as numbers, no BigInt arithmetic (every record and index entry has one). */
export function fileReferenceAt(byteReader: ByteReader, at: number): FileReference {
  byteReader.check(at, 8);
  return fileReferenceIn(byteReader.bytes, at);
}

/** The same from bytes the caller knows hold [at, at+8): 48-bit record number, 16-bit sequence number. */
export function fileReferenceIn(bytes: Uint8Array, at: number): FileReference {
  return { record: u32le(bytes, at) + u16le(bytes, at + 4) * 2 ** 32, sequence: u16le(bytes, at + 6) };
}

export interface MftRecord {
  recordNumber: number;
  sequence: number;
  linkCount: number;
  flags: number;
  inUse: boolean;
  isDirectory: boolean;
  /** Non-zero record number for an extension record: the base record it belongs to. */
  baseReference: FileReference;
  nextAttributeId: number;
  bytesInUse: number;
  bytesAllocated: number;
  /** The record's own number as stored at 44 (NTFS 3.1 layout), undefined in the 3.0 layout. */
  storedRecordNumber?: number;
  /** $LogFile sequence number of the last change. */
  lsn: bigint;
  attributes: Attribute[];
  /** Absolute offset of the record on the volume (or in the buffer it came from). */
  offset: number;
}

/**
 * Parses one record; `offset` is its absolute position (for errors). `fresh`: `raw` came from a
 * read and nothing else holds it, so its fixups are applied in place (the attributes then view it).
 */
export function parseMftRecord(raw: Uint8Array, recordNumber: number, offset = 0, fresh = false): MftRecord {
  const isFile = raw.length >= 4 && raw[0] === 0x46 && raw[1] === 0x49 && raw[2] === 0x4c && raw[3] === 0x45;
  // The signature is decoded (and a short buffer refused by the reader) only for the errors.
  const magic = isFile ? "FILE" : ntfsReader(raw, offset).ascii(0, 4);
  if (magic === "BAAD") throw new NtfsError("bad-record", `MFT record ${recordNumber} is marked BAAD (a torn write detected by chkdsk)`, { offset });
  if (magic !== "FILE") throw new NtfsError("bad-record", `MFT record ${recordNumber} has signature ${JSON.stringify(magic)}, expected "FILE"`, { offset, expected: "FILE", actual: magic });
  const bytes = applyFixups(raw, offset, `MFT record ${recordNumber}`, fresh);
  const byteReader = ntfsReader(bytes, offset);
  // The header's fields, read straight from the bytes once they are known to be there.
  byteReader.check(0, HEADER_BYTES, `MFT record ${recordNumber} header`);
  const firstAttribute = u16le(bytes, 20);
  const flags = u16le(bytes, 22);
  const bytesInUse = u32le(bytes, 24);
  const bytesAllocated = u32le(bytes, 28);
  if (bytesAllocated !== raw.length || bytesInUse > bytesAllocated || firstAttribute < 42 || firstAttribute >= bytesInUse) {
    throw new NtfsError(
      "bad-record",
      `MFT record ${recordNumber}: sizes are inconsistent (first attribute ${firstAttribute}, in use ${bytesInUse}, allocated ${bytesAllocated}, record ${raw.length})`,
      { offset: offset + 20 },
    );
  }
  const usaOffset = u16le(bytes, 4);
  const record: MftRecord = {
    recordNumber,
    sequence: u16le(bytes, 16),
    linkCount: u16le(bytes, 18),
    flags,
    inUse: (flags & MftRecordFlag.inUse) !== 0,
    isDirectory: (flags & MftRecordFlag.directory) !== 0,
    baseReference: fileReferenceIn(bytes, 32),
    nextAttributeId: u16le(bytes, 40),
    bytesInUse,
    bytesAllocated,
    lsn: byteReader.u64big(8),
    attributes: parseAttributes(byteReader, firstAttribute, bytesInUse, recordNumber),
    offset,
  };
  // NTFS 3.1 moved the update sequence array to 0x30 to make room for the record number.
  if (usaOffset >= 0x30) record.storedRecordNumber = u32le(bytes, 44);
  return record;
}
