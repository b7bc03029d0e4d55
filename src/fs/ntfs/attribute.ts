/**
 * Attribute records inside an MFT record: the common header, then either a resident value
 * or the non-resident header with sizes and data runs. (libfsntfs, "MFT attribute".)
 */
import { NtfsError } from "../../errors.js";
import { type ByteReader, u16le, u32le } from "../../util/byte-reader.js";

export const AttributeType = {
  standardInformation: 0x10,
  attributeList: 0x20,
  fileName: 0x30,
  objectId: 0x40,
  securityDescriptor: 0x50,
  volumeName: 0x60,
  volumeInformation: 0x70,
  data: 0x80,
  indexRoot: 0x90,
  indexAllocation: 0xa0,
  bitmap: 0xb0,
  reparsePoint: 0xc0,
  end: 0xffffffff,
} as const;

const FLAG_COMPRESSION_MASK = 0x00ff;
const FLAG_ENCRYPTED = 0x4000;
const FLAG_SPARSE = 0x8000;

export interface AttributeBase {
  type: number;
  /** "" for the unnamed attribute. */
  name: string;
  flags: number;
  id: number;
  compressed: boolean;
  encrypted: boolean;
  sparse: boolean;
  /** Absolute offset of the attribute header (for errors and for a later writer). */
  offset: number;
  /** Record number of the MFT record holding this attribute. */
  recordNumber: number;
}

export interface ResidentAttribute extends AttributeBase {
  resident: true;
  value: Uint8Array;
}

export interface NonResidentAttribute extends AttributeBase {
  resident: false;
  lowestVcn: number;
  /** -1 for an empty attribute. */
  highestVcn: number;
  /** Compression unit size as a power of two of clusters (0 = not compressed). */
  compressionUnit: number;
  /** Only meaningful in the extent whose lowestVcn is 0. */
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
  /** The raw mapping pairs (decode with runlist.ts). */
  mappingPairs: Uint8Array;
  /** Absolute offset of the mapping pairs. */
  mappingPairsOffset: number;
}

export type Attribute = ResidentAttribute | NonResidentAttribute;

/**
 * Parses the attributes of a fixed-up record from `firstOffset` until the end marker, staying
 * inside `bytesInUse`. At most one attribute per 16 bytes, so the loop is bounded.
 */
export function parseAttributes(byteReader: ByteReader, firstOffset: number, bytesInUse: number, recordNumber: number): Attribute[] {
  const attributes: Attribute[] = [];
  // Every attribute ends inside bytesInUse, so inside the buffer (parseAttribute reads headers unchecked).
  byteReader.check(0, bytesInUse, "attributes");
  let pos = firstOffset;
  while (true) {
    if (pos + 4 > bytesInUse) throw new NtfsError("bad-attribute", `record ${recordNumber}: attributes run past the used size without an end marker`, { offset: byteReader.base + pos });
    const type = byteReader.u32(pos);
    if (type === AttributeType.end) break;
    const length = byteReader.u32(pos + 4);
    if (length < 24 || length % 8 !== 0 || pos + length > bytesInUse) {
      throw new NtfsError("bad-attribute", `record ${recordNumber}: attribute 0x${type.toString(16)} has invalid length ${length}`, { offset: byteReader.base + pos + 4 });
    }
    attributes.push(parseAttribute(byteReader, pos, length, type, recordNumber));
    pos += length;
  }
  return attributes;
}

/**
 * Every read stays inside the attribute [at, at+length): a field past it is refused with the
 * error a reader over the attribute alone gives (made only then: records are read by the
 * thousand, and one reader per attribute is most of a small record's parse).
 */
function checkInside(record: ByteReader, at: number, length: number, offset: number, size: number, what: string): void {
  if (offset < 0 || offset + size > length) record.sub(at, length, "attribute").check(offset, size, what);
}

function parseAttribute(record: ByteReader, at: number, length: number, type: number, recordNumber: number): Attribute {
  // The common header's 16 bytes (and a resident header's 24) lie inside: parseAttributes made
  // sure length >= 24 and the attribute ends inside the record. So they are read straight from the
  // bytes, with no bounds check per field (records are parsed by the thousand, in cold code).
  const bytes = record.bytes;
  const nonResident = bytes[at + 8];
  const nameLength = bytes[at + 9];
  const nameOffset = u16le(bytes, at + 10);
  const flags = u16le(bytes, at + 12);
  const id = u16le(bytes, at + 14);
  if (nameLength > 0) checkInside(record, at, length, nameOffset, nameLength * 2, "structure");
  const name = nameLength > 0 ? record.utf16(at + nameOffset, nameLength * 2) : "";
  const compressed = (flags & FLAG_COMPRESSION_MASK) !== 0;
  const encrypted = (flags & FLAG_ENCRYPTED) !== 0;
  const sparse = (flags & FLAG_SPARSE) !== 0;
  const offset = record.base + at;
  if (nonResident === 0) {
    const valueLength = u32le(bytes, at + 16);
    const valueOffset = u16le(bytes, at + 20);
    checkInside(record, at, length, valueOffset, valueLength, "resident attribute value");
    // Spelled out rather than spread from a base object: every record read builds several.
    return { type, name, flags, id, compressed, encrypted, sparse, offset, recordNumber, resident: true, value: record.slice(at + valueOffset, valueLength, "resident attribute value") };
  }
  if (nonResident !== 1) throw new NtfsError("bad-attribute", `record ${recordNumber}: non-resident flag is ${nonResident}`, { offset: offset + 8 });
  checkInside(record, at, length, 0, 64, "non-resident attribute header");
  const byteReader = record.sub(at, length, "attribute");
  const lowestVcn = Number(byteReader.u64big(16));
  const highestRaw = byteReader.u64big(24);
  const highestVcn = highestRaw === 0xffffffffffffffffn ? -1 : Number(highestRaw);
  const mappingOffset = byteReader.u16(32);
  if (mappingOffset < 64 || mappingOffset > byteReader.length) {
    throw new NtfsError("bad-attribute", `record ${recordNumber}: mapping pairs offset ${mappingOffset} is outside the attribute`, { offset: byteReader.base + 32 });
  }
  const attribute: NonResidentAttribute = {
    type,
    name,
    flags,
    id,
    compressed,
    encrypted,
    sparse,
    offset,
    recordNumber,
    resident: false,
    lowestVcn,
    highestVcn,
    compressionUnit: byteReader.u8(34),
    allocatedSize: byteReader.u64(40),
    dataSize: byteReader.u64(48),
    initializedSize: byteReader.u64(56),
    mappingPairs: byteReader.slice(mappingOffset, byteReader.length - mappingOffset),
    mappingPairsOffset: byteReader.base + mappingOffset,
  };
  if (!Number.isSafeInteger(lowestVcn) || lowestVcn > Number.MAX_SAFE_INTEGER || (highestVcn !== -1 && highestVcn < lowestVcn - 1)) {
    throw new NtfsError("bad-attribute", `record ${recordNumber}: VCN range ${lowestVcn}..${highestVcn} is invalid`, { offset: byteReader.base + 16 });
  }
  if (lowestVcn === 0 && (attribute.initializedSize > attribute.dataSize || attribute.dataSize > attribute.allocatedSize) && !attribute.compressed && !attribute.sparse) {
    throw new NtfsError("bad-attribute", `record ${recordNumber}: sizes are inconsistent (allocated ${attribute.allocatedSize}, data ${attribute.dataSize}, initialized ${attribute.initializedSize})`, { offset: byteReader.base + 40 });
  }
  if (attribute.compressionUnit > 16) throw new NtfsError("bad-attribute", `record ${recordNumber}: compression unit 2^${attribute.compressionUnit} clusters is too large`, { offset: byteReader.base + 34 });
  return attribute;
}
