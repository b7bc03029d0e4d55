/**
 * Creating files safely in folders other people can write to. p2vfix runs as root beside
 * images that came from elsewhere: a symlink or file planted at a name we are about to create
 * must never be followed or reused.
 *
 * - every new file is created exclusively (O_CREAT|O_EXCL, plus O_NOFOLLOW where the platform
 *   has it): a name that already exists, symlink or not, is an error, never opened;
 * - temp names carry random bytes, so a planted name cannot be guessed in advance;
 * - a rename target that is a symlink (or not a regular file) is refused: rename would replace
 *   the link itself, but a caller that then reads or keeps "the file" would be tricked;
 * - new files holding an image's bytes get the image's permission bits, never wider, 0600 when
 *   the image cannot be looked at.
 */
import { closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { RefusedError } from "../errors.js";

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

/** 0 where the platform has no O_NOFOLLOW (Windows): O_EXCL alone already refuses any existing name there. */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;

/** Permission bits for a file that holds (part of) `imagePath`'s bytes: the image's own read/write bits, 0600 when in doubt. */
export function privateModeFor(imagePath: string): number {
  try {
    const st = lstatSync(imagePath);
    return st.isFile() ? st.mode & 0o666 & ~0o111 : 0o600;
  } catch {
    return 0o600;
  }
}

/** Opens a brand-new file for writing (`readBack`: and reading, e.g. a spool file); refuses (typed) when anything at all exists at `path`. */
export function createExclusive(path: string, mode = 0o600, readBack = false): number {
  try {
    return openSync(path, readBack ? (CREATE_EXCLUSIVE & ~constants.O_WRONLY) | constants.O_RDWR : CREATE_EXCLUSIVE, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ELOOP") {
      throw new RefusedError("file-exists", `${path} already exists (${isSymlink(path) ? "a symbolic link" : "a file"}): p2vfix only writes files it creates itself; move it away and run again`, {
        path,
        cause: err,
      });
    }
    throw err;
  }
}

/** True when `path` itself is a symbolic link (lstat: the link is not followed). */
export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * A temp name beside `path` that nobody can predict: `.NAME.p2vfix-PID-RANDOM.tmp`. node:crypto is
 * loaded here, when a temp file is made, not imported with this module (every command would pay
 * for it at start-up), and not through the global Web Crypto, which loads node:crypto and the Web
 * Crypto layers on top of it (~1 ms more).
 */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.p2vfix-${process.pid}-${process.getBuiltinModule("node:crypto").randomBytes(6).toString("hex")}.tmp`);
}

/** Refuses a rename/replace target that is a symlink or anything but a regular file; a missing target is fine. */
export function refuseUnsafeTarget(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) throw new RefusedError("symlink-target", `${path} is a symbolic link: p2vfix does not replace or write through links; move it away and run again`, { path });
  if (!st.isFile()) throw new RefusedError("not-a-regular-file", `${path} is not a regular file: p2vfix only replaces regular files`, { path });
}

/** writeSync until every byte is taken; a non-blocking descriptor that is full (a pipe on stdout) is waited for. */
export function writeAll(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) {
    try {
      done += writeSync(fd, data, done, data.length - done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/**
 * A file the user named for a command's output (`reg export -o FILE`): written in chunks to an
 * exclusive temp beside it, then renamed over it, never through a symbolic link or onto anything
 * but a regular file (replaceFileSafely), mode 0600 (an export can hold secrets, SAM's hashes).
 */
export function writeOutputFile(path: string, chunks: Iterable<Uint8Array>): void {
  replaceFileSafely(path, (write) => {
    for (const chunk of chunks) write(chunk);
  });
}

/**
 * Writes a file whole and durably: an exclusive random temp beside it, fsync, rename over the
 * target (refused when the target is a symlink; with noReplace, refused when anything exists
 * there), fsync the folder. A crash leaves the old file
 * or the new one, never half of one. `fill` may write in pieces (large outputs), or at
 * positions of its own through the temp's descriptor (the temp's name given too).
 */
export function replaceFileSafely(path: string, fill: Uint8Array | ((write: (bytes: Uint8Array) => void, fd: number, temp: string) => void), options: { mode?: number; beforeRename?: (temp: string) => void; noReplace?: boolean } = {}): void {
  refuseUnsafeTarget(path);
  const temp = tempPathBeside(path);
  let fd: number | undefined = createExclusive(temp, options.mode ?? 0o600);
  try {
    const handle = fd;
    if (typeof fill === "function") fill((bytes) => writeAll(handle, bytes), handle, temp);
    else writeAll(handle, fill);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    options.beforeRename?.(temp);
    // Checked again right before the rename: the folder may have changed while we wrote.
    if (options.noReplace) publishExclusive(temp, path);
    else {
      refuseUnsafeTarget(path);
      renameSync(temp, path);
    }
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already renamed
    }
    throw err;
  }
  fsyncFolder(dirname(path));
}

/** Gives the finished temp its final name only if that name is free (link(2) never replaces), else refuses. */
function publishExclusive(temp: string, path: string): void {
  try {
    linkSync(temp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new RefusedError("file-exists", `${path} already exists: p2vfix only writes files it creates itself; move it away and run again`, { path, cause: err });
    // No hard links on this filesystem: the name was checked free just before.
    refuseUnsafeTarget(path);
    renameSync(temp, path);
    return;
  }
  unlinkSync(temp);
}
