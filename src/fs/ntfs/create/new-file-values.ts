/**
 * The values of a new file's $STANDARD_INFORMATION (NTFS 3.x, 72 bytes) and $FILE_NAME
 * (libfsntfs "Standard information attribute" and "File name attribute"): four times as
 * FILETIME (100 ns units since 1601-01-01 UTC), file attributes, security id; the parent's
 * file reference, sizes, name length, namespace and the UTF-16LE name. Built once per file,
 * so 64-bit fields that are plain numbers are written as two 32-bit halves (no BigInt).
 */
import { putU16, putU32, putUtf16le } from "./record-layout.js";

const EPOCH_DIFF_100NS = 116444736000000000n;
const TWO_32 = 2 ** 32;

/** The last FILETIME made: the files of one copy mostly share their millisecond. */
let lastTime: { ms: number; bytes: Uint8Array } | undefined;

/** The 8 bytes of `date` as a FILETIME (the array is shared: copy it, never change it). */
export function fileTimeBytes(date: Date): Uint8Array {
  const ms = date.getTime();
  if (lastTime?.ms === ms) return lastTime.bytes;
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(ms) * 10000n + EPOCH_DIFF_100NS, true);
  lastTime = { ms, bytes };
  return bytes;
}

/** A non-negative safe integer as a little-endian u64. */
function putU64(bytes: Uint8Array, at: number, value: number): void {
  putU32(bytes, at, value % TWO_32);
  putU32(bytes, at + 4, Math.floor(value / TWO_32));
}

export function standardInformationValue(time: Uint8Array, attributes: number, securityId: number): Uint8Array {
  const value = new Uint8Array(72);
  for (let i = 0; i < 4; i++) value.set(time, i * 8);
  putU32(value, 32, attributes);
  putU32(value, 52, securityId);
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
  // File reference: 48-bit record number, 16-bit sequence number.
  putU64(value, 0, fields.parent.record);
  putU16(value, 6, fields.parent.sequence);
  for (let i = 0; i < 4; i++) value.set(fields.time, 8 + i * 8);
  putU64(value, 40, fields.allocatedSize);
  putU64(value, 48, fields.dataSize);
  putU32(value, 56, fields.attributes);
  value[64] = name.length;
  value[65] = fields.namespace;
  putUtf16le(value, 66, name);
  return value;
}
