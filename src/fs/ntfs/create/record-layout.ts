/**
 * Laying out an MFT file record from attributes: the header (libfsntfs "MFT entry header",
 * NTFS 3.1 layout: update sequence array at 0x30, record number at 44), then the attributes
 * sorted by type and name, then the end marker. Attribute builders give the resident and
 * non-resident forms (libfsntfs "MFT attribute"). Records are built fixed-up (plain bytes);
 * record-edit.ts protects them with the update sequence before they are written.
 */
import { NtfsError, RefusedError } from "../../../errors.js";
import { encodeRunlist, type DataRun } from "../runlist.js";

export const align8 = (length: number): number => Math.ceil(length / 8) * 8;
const END_MARKER = 0xffffffff;
const USA_OFFSET = 0x30;

/** An attribute ready to place: its full bytes (header included); the id is set when placed. */
export interface AttributeBytes {
  type: number;
  name: string;
  bytes: Uint8Array;
  /** Keep this attribute id (instance); undefined = take the record's next id. */
  id?: number;
}

/** Little-endian stores into a byte array: the builders of every new file's small buffers use them instead of a DataView each. */
export function putU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
}

export function putU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}

/** `text` as UTF-16LE code units into `out` at `at`. */
export function putUtf16le(out: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) putU16(out, at + 2 * i, text.charCodeAt(i));
}

export function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  putUtf16le(out, 0, text);
  return out;
}

/** A resident attribute; `indexed` marks a $FILE_NAME that an index refers to (flag @22). */
export function residentAttribute(type: number, name: string, value: Uint8Array, indexed = false): AttributeBytes {
  const valueOffset = align8(24 + name.length * 2);
  const length = align8(valueOffset + value.length);
  const bytes = new Uint8Array(length);
  putU32(bytes, 0, type);
  putU32(bytes, 4, length);
  bytes[9] = name.length;
  putU16(bytes, 10, 24);
  putU32(bytes, 16, value.length);
  putU16(bytes, 20, valueOffset);
  bytes[22] = indexed ? 1 : 0;
  putUtf16le(bytes, 24, name);
  bytes.set(value, valueOffset);
  return { type, name, bytes };
}

export interface NonResidentSizes {
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
}

/** A non-resident attribute with one extent holding all `runs` (VCNs from 0). */
export function nonResidentAttribute(type: number, name: string, runs: readonly DataRun[], sizes: NonResidentSizes): AttributeBytes {
  const pairsOffset = align8(64 + name.length * 2);
  const pairs = encodeRunlist(runs);
  const length = align8(pairsOffset + pairs.length);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, length, true);
  bytes[8] = 1;
  bytes[9] = name.length;
  view.setUint16(10, 64, true);
  const clusters = runs.reduce((sum, run) => sum + run.length, 0);
  view.setBigUint64(16, 0n, true);
  view.setBigInt64(24, BigInt(clusters - 1), true);
  view.setUint16(32, pairsOffset, true);
  view.setBigUint64(40, BigInt(sizes.allocatedSize), true);
  view.setBigUint64(48, BigInt(sizes.dataSize), true);
  view.setBigUint64(56, BigInt(sizes.initializedSize), true);
  putUtf16le(bytes, 64, name);
  bytes.set(pairs, pairsOffset);
  return { type, name, bytes };
}

/** The attributes of a fixed-up record, as bytes that can be placed again (ids kept). */
export function existingAttributes(record: Uint8Array): AttributeBytes[] {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const out: AttributeBytes[] = [];
  const inUse = view.getUint32(24, true);
  for (let pos = view.getUint16(20, true); pos + 4 <= inUse; ) {
    const type = view.getUint32(pos, true);
    if (type === END_MARKER) return out;
    const length = view.getUint32(pos + 4, true);
    if (length < 24 || pos + length > inUse) throw new NtfsError("bad-attribute", `attribute at ${pos} has invalid length ${length}`);
    const nameLength = record[pos + 9];
    const nameOffset = view.getUint16(pos + 10, true);
    let name = "";
    for (let i = 0; i < nameLength; i++) name += String.fromCharCode(view.getUint16(pos + nameOffset + 2 * i, true));
    out.push({ type, name, bytes: record.slice(pos, pos + length), id: view.getUint16(pos + 14, true) });
    pos += length;
  }
  throw new NtfsError("bad-attribute", "attributes run past the used size without an end marker");
}

export interface RecordHeader {
  recordNumber: number;
  recordSize: number;
  sequence: number;
  linkCount: number;
  /** 0x1 in use, 0x2 directory. */
  flags: number;
  nextAttributeId: number;
  /** Update sequence number to continue from (the old record's), 0 for a never-used slot. */
  usn: number;
  /** $LogFile sequence number to keep (a rewritten record keeps its own, as ntfs-3g does). */
  lsn?: bigint;
}

/** Bytes a record's header and update sequence array take before the first attribute. */
export function firstAttributeOffset(recordSize: number): number {
  return align8(USA_OFFSET + 2 * (recordSize / 512 + 1));
}

/** Room left for attributes in a record of `recordSize` holding `used` attribute bytes. */
export function freeSpace(recordSize: number, used: number): number {
  return recordSize - firstAttributeOffset(recordSize) - used - 8;
}

/**
 * A fixed-up record with `attributes` sorted by (type, name); attributes without an id get
 * the next free one. Throws RefusedError "mft-record-full" when they do not fit.
 */
export function layoutRecord(header: RecordHeader, attributes: AttributeBytes[], what: string): Uint8Array {
  const rs = header.recordSize;
  const first = firstAttributeOffset(rs);
  const order = (left: AttributeBytes, right: AttributeBytes) => left.type - right.type || (left.name < right.name ? -1 : left.name > right.name ? 1 : 0);
  let inOrder = true;
  let total = 0;
  for (let i = 0; i < attributes.length; i++) {
    total += attributes[i].bytes.length;
    if (i > 0 && order(attributes[i - 1], attributes[i]) > 0) inOrder = false;
  }
  // A new file's attributes come in order already; the sort is stable, so either way is the same.
  const sorted = inOrder ? attributes : attributes.slice().sort(order);
  if (first + total + 8 > rs) {
    throw new RefusedError("mft-record-full", `${what}: the attributes need ${first + total + 8} bytes, more than the ${rs}-byte MFT record holds; nothing was written`);
  }
  const out = new Uint8Array(rs);
  const view = new DataView(out.buffer);
  out[0] = 0x46; // "FILE"
  out[1] = 0x49;
  out[2] = 0x4c;
  out[3] = 0x45;
  view.setUint16(4, USA_OFFSET, true);
  view.setUint16(6, rs / 512 + 1, true);
  if (header.lsn !== undefined) view.setBigUint64(8, header.lsn, true);
  view.setUint16(16, header.sequence, true);
  view.setUint16(18, header.linkCount, true);
  view.setUint16(20, first, true);
  view.setUint16(22, header.flags, true);
  view.setUint32(28, rs, true);
  view.setUint32(44, header.recordNumber, true);
  view.setUint16(USA_OFFSET, header.usn, true);
  let nextId = header.nextAttributeId;
  for (const attributeBytes of sorted) if (attributeBytes.id !== undefined && attributeBytes.id >= nextId) nextId = attributeBytes.id + 1;
  let pos = first;
  for (const attributeBytes of sorted) {
    out.set(attributeBytes.bytes, pos);
    let id = attributeBytes.id;
    if (id === undefined) {
      id = nextId++;
    }
    view.setUint16(pos + 14, id, true);
    pos += attributeBytes.bytes.length;
  }
  view.setUint32(pos, END_MARKER, true);
  view.setUint32(24, pos + 8, true);
  view.setUint16(40, nextId, true);
  return out;
}
