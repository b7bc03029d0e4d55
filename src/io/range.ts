import { ImageError } from "../errors.js";

/** Throws a typed error unless [offset, offset+length) lies within a device of `size` bytes. */
export function checkRange(offset: number, length: number, size: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new ImageError(
      "out-of-range",
      `${what}: access of ${length} bytes at offset ${offset} is outside the device (${size} bytes)`,
      { offset },
    );
  }
}
