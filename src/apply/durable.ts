/**
 * Durable small-file writes: an exclusive temp beside the file, fsync, rename over (never onto
 * a symlink), fsync the folder. A crash leaves either the old file or the new one, never half
 * of one (POSIX rename is atomic). The safe-create rules live in io/safe-file.ts.
 */
import { fsyncFolder, replaceFileSafely } from "../io/safe-file.js";

export { fsyncFolder };

/** `mode`: permission bits of the new file (undo files and journals take the image's, see privateModeFor). */
export function writeFileDurably(path: string, data: Uint8Array, mode = 0o600, options: { noReplace?: boolean } = {}): void {
  replaceFileSafely(path, data, { mode, ...options });
}
