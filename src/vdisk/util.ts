/** Small helpers shared by the container parsers. */
import { ImageError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { ByteReader } from "../util/byte-reader.js";

/** A ByteReader whose failures are ImageErrors naming the file. */
export function imageReader(bytes: Uint8Array, path: string, base = 0): ByteReader {
  return new ByteReader(bytes, (code, message, offset) => new ImageError(code, `${path}: ${message}`, { offset, path }), base);
}

/** Reads [offset, offset+length) of a host file, with a typed error naming the structure when it is cut short. */
export function readStructure(file: BlockDevice, offset: number, length: number, what: string, path: string): Uint8Array {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > file.size) {
    throw new ImageError("truncated", `${path}: ${what} at ${offset} (${length} bytes) lies outside the file (${file.size} bytes)`, {
      offset,
      path,
    });
  }
  return file.read(offset, length);
}

/** Throws unless a host run [offset, offset+length) lies inside the file: a table pointing outside it is corrupt. */
export function checkHostRun(file: BlockDevice, offset: number, length: number, what: string, path: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > file.size) {
    throw new ImageError("points-outside-file", `${path}: ${what} points to ${offset} (+${length}), outside the file (${file.size} bytes)`, {
      offset,
      path,
    });
  }
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** Formats a 16-byte Microsoft-style GUID (Data1..3 little-endian). */
export function guidToString(b: Uint8Array): string {
  const h = (i: number) => b[i].toString(16).padStart(2, "0");
  return (
    `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-` + `${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
  ).toUpperCase();
}

export function isAllZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
