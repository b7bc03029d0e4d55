/**
 * Writing a definition back: an exclusive temp file in the same folder, flushed, then renamed
 * over the original (never over a symlink), so a crash leaves either the old or the new file.
 * The backup FILE.bak is a hard link to the old file when the filesystem allows (no copy of a
 * large OVA), else an exclusive copy; a symlink or other non-file at FILE.bak is refused.
 */
import { constants, copyFileSync, linkSync, rmSync } from "node:fs";
import { P2vfixError, VmConfigError } from "../errors.js";
import { privateModeFor, refuseUnsafeTarget, replaceFileSafely } from "../io/safe-file.js";

export interface Writer {
  write(bytes: Uint8Array): void;
}

/** Calls `fill` with a writer on a temp file, then replaces `path` with it atomically. */
export function replaceFileAtomically(path: string, fill: (out: Writer) => void, backup: boolean): void {
  try {
    replaceFileSafely(path, (write) => fill({ write }), {
      mode: privateModeFor(path),
      beforeRename: () => {
        if (!backup) return;
        const bak = `${path}.bak`;
        refuseUnsafeTarget(bak);
        rmSync(bak, { force: true });
        try {
          linkSync(path, bak);
        } catch {
          copyFileSync(path, bak, constants.COPYFILE_EXCL);
        }
      },
    });
  } catch (err) {
    if (err instanceof P2vfixError) throw err;
    throw new VmConfigError("write-failed", `cannot write ${path}: ${(err as Error).message}`, { path, cause: err });
  }
}
