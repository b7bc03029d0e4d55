/**
 * Durable small-file writes: write aside, fsync, rename over, fsync the folder. A crash leaves
 * either the old file or the new one, never half of one (POSIX rename is atomic).
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** fsync a folder so a rename or create in it survives a power cut (a no-op where folders cannot be opened, e.g. Windows). */
export function fsyncFolder(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch {
    // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeFileDurably(path: string, data: Uint8Array): void {
  const aside = `${path}.${process.pid}.tmp`;
  const fd = openSync(aside, "w");
  try {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(aside, path);
  fsyncFolder(dirname(path));
}
