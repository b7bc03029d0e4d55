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

export function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && 2 ** Math.round(Math.log2(value)) === value;
}

/** Formats a 16-byte Microsoft-style GUID (Data1..3 little-endian). */
export function guidToString(bytes: Uint8Array): string {
  const hex = (index: number) => bytes[index].toString(16).padStart(2, "0");
  return (
    `${hex(3)}${hex(2)}${hex(1)}${hex(0)}-${hex(5)}${hex(4)}-${hex(7)}${hex(6)}-${hex(8)}${hex(9)}-` + `${hex(10)}${hex(11)}${hex(12)}${hex(13)}${hex(14)}${hex(15)}`
  ).toUpperCase();
}

