/**
 * Writing a definition back: a temp file in the same folder, flushed, then renamed over the
 * original, so a crash leaves either the old or the new file. The backup FILE.bak is a hard
 * link to the old file when the filesystem allows (no copy of a large OVA), else a copy.
 */
import { closeSync, copyFileSync, fsyncSync, linkSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VmConfigError } from "../errors.js";

export interface Writer {
  write(bytes: Uint8Array): void;
}

/** Calls `fill` with a writer on a temp file, then replaces `path` with it atomically. */
export function replaceFileAtomically(path: string, fill: (out: Writer) => void, backup: boolean): void {
  const temp = join(dirname(path), `.${basename(path)}.p2vfix-${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx");
    const handle = fd;
    fill({
      write(bytes) {
        let done = 0;
        while (done < bytes.length) done += writeSync(handle, bytes, done, bytes.length - done);
      },
    });
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (backup) {
      const bak = `${path}.bak`;
      rmSync(bak, { force: true });
      try {
        linkSync(path, bak);
      } catch {
        copyFileSync(path, bak);
      }
    }
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or never created
    }
    throw new VmConfigError("write-failed", `cannot write ${path}: ${(err as Error).message}`, { path, cause: err });
  }
}
