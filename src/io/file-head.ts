/** The first bytes of a host file, read without reading the rest (disk images are large). */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { notADiskError, unreadableKind } from "./node-kind.js";

/** Up to `length` bytes from the start of `path` (fewer when the file is shorter); fs errors propagate; a FIFO, socket or character device is refused (typed), never waited on. */
export function readFileHead(path: string, length: number): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const unreadable = unreadableKind(fstatSync(fd));
    if (unreadable) throw notADiskError(path, unreadable);
    const buf = new Uint8Array(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}
