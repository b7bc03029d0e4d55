/** The first bytes of a host file, read without reading the rest (disk images are large). */
import { closeSync, openSync, readSync } from "node:fs";

/** Up to `length` bytes from the start of `path` (fewer when the file is shorter); fs errors propagate. */
export function readFileHead(path: string, length: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}
