/**
 * A head start for an fsync: the file's dirty pages start for the disk while the caller goes on
 * (reads the bytes back, hashes the next piece), and the fsync the caller makes afterwards has
 * little left to wait for. It is an fsync on libuv's thread pool through a read-only descriptor
 * of its own (O_NONBLOCK, and O_NOFOLLOW for a temp file in a folder others may write: a name
 * swapped meanwhile costs at most an fsync of something else), closed by its callback; nothing
 * waits for it or reads its result.
 *
 * Only a head start: the caller's own fsync is still what makes the bytes durable and reports a
 * failed write. Linux only, from 4.13: since then a writeback error is reported to every
 * descriptor that was open when it happened, at its next fsync (errseq_t,
 * Documentation/core-api/errseq.rst), so this fsync cannot take the caller's error away (before,
 * the first fsync to see it cleared it). Node 20 needs Linux 4.18 anyway (BUILDING.md).
 */
import { closeSync, constants, fsync, openSync } from "node:fs";

/** Bytes a long write goes on between two head starts (the commit's image, the undo file's blob). */
export const WRITEBACK_EVERY = 8 << 20;

let errorsPerDescriptor: boolean | undefined;

/** Whether this kernel reports a writeback error to every descriptor (see above). */
function writebackErrorsPerDescriptor(): boolean {
  // node:os on first use, not at import: the read-only fast paths bundle this module and never
  // write (loading node:os is ~0.3 ms of a ~40 ms `cat`).
  return (errorsPerDescriptor ??= process.platform === "linux" && linuxAtLeast(process.getBuiltinModule("node:os").release(), 4, 13));
}

function linuxAtLeast(version: string, major: number, minor: number): boolean {
  const [have, haveMinor] = version.split(".").map((part) => Number.parseInt(part, 10));
  return have > major || (have === major && haveMinor >= minor);
}

/**
 * Starts writing `path`'s dirty pages to disk and returns at once (nothing where that is not
 * safe, see above). `noFollow`: for a file p2vfix created under its own name (not an image the
 * user named, which may be a link to a device).
 */
export function startWriteback(path: string, options: { noFollow?: boolean } = {}): void {
  if (!writebackErrorsPerDescriptor()) return;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0));
  } catch {
    return;
  }
  fsync(fd, () => closeSync(fd));
}
