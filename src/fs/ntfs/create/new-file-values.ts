/**
 * The values of a new file's $STANDARD_INFORMATION (NTFS 3.x, 72 bytes) and $FILE_NAME
 * (libfsntfs "Standard information attribute" and "File name attribute"): four times as
 * FILETIME (100 ns units since 1601-01-01 UTC), file attributes, security id; the parent's
 * file reference, sizes, name length, namespace and the UTF-16LE name. Built once per file,
 * so 64-bit fields that are plain numbers are written as two 32-bit halves (no BigInt).
 */
import { utf16le } from "./record-layout.js";

const EPOCH_DIFF_100NS = 116444736000000000n;
const TWO_32 = 2 ** 32;

/** The 8 bytes of `date` as a FILETIME. */
export function fileTimeBytes(date: Date): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(date.getTime()) * 10000n + EPOCH_DIFF_100NS, true);
  return out;
}

/** A non-negative safe integer as a little-endian u64. */
function putU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % TWO_32, true);
  view.setUint32(at + 4, Math.floor(value / TWO_32), true);
}

export function standardInformationValue(time: Uint8Array, attributes: number, securityId: number): Uint8Array {
  const value = new Uint8Array(72);
  for (let i = 0; i < 4; i++) value.set(time, i * 8);
  const view = new DataView(value.buffer);
  view.setUint32(32, attributes, true);
  view.setUint32(52, securityId, true);
  return value;
}

export interface FileNameFields {
  parent: { record: number; sequence: number };
  name: string;
  namespace: number;
  time: Uint8Array;
  allocatedSize: number;
  dataSize: number;
  attributes: number;
}

export function fileNameValue(fields: FileNameFields): Uint8Array {
  const { name } = fields;
  const value = new Uint8Array(66 + name.length * 2);
  const view = new DataView(value.buffer);
  // File reference: 48-bit record number, 16-bit sequence number.
  putU64(view, 0, fields.parent.record);
  view.setUint16(6, fields.parent.sequence, true);
  for (let i = 0; i < 4; i++) value.set(fields.time, 8 + i * 8);
  putU64(view, 40, fields.allocatedSize);
  putU64(view, 48, fields.dataSize);
  view.setUint32(56, fields.attributes, true);
  value[64] = name.length;
  value[65] = fields.namespace;
  value.set(utf16le(name), 66);
  return value;
}
