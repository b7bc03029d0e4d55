/**
 * Node's system errors (ENOSPC, EACCES, ...) as typed IoErrors with a sentence a person can
 * act on: the CLI shows these instead of "internal error" and a stack trace.
 */
import { IoError } from "../errors.js";
import { shellQuote } from "../apply/locks.js";

const ADVICE: Record<string, (path: string) => string> = {
  ENOSPC: (path) => `no space left on the device holding ${path}: free some space there (df -h shows it) or choose another folder (--backup-dir for the undo file), then run the command again`,
  EDQUOT: (path) => `disk quota exceeded writing ${path}: free some space or raise the quota, then run the command again`,
  EACCES: (path) => `permission denied on ${path}: check its owner and mode (ls -l ${shellQuote(path)}), or run as a user who may write there`,
  EPERM: (path) => `the system does not allow this operation on ${path} (immutable attribute, or not permitted for this user)`,
  ENOENT: (path) => `${path} does not exist: check the path (for an output file, its folder must exist already)`,
  ENOTDIR: (path) => `a part of ${path} is not a folder: check the path`,
  EISDIR: (path) => `${path} is a folder where a file was expected: give a file name`,
  EROFS: (path) => `${path} is on a read-only filesystem: copy the image to a writable place, or remount it read-write`,
  EEXIST: (path) => `${path} exists already: remove it or choose another name`,
  EBUSY: (path) => `${path} is busy (in use by another program): stop that program and run the command again`,
  EMFILE: () => `too many open files: raise the limit (ulimit -n) and run the command again`,
  ELOOP: (path) => `${path} is a symbolic link (or has too many levels of them): p2vfix does not follow links where it writes`,
  EIO: (path) => `input/output error on ${path}: the disk or the network share failed; check the system log (dmesg)`,
  EFBIG: (path) => `${path} would grow past the largest file this filesystem allows`,
  ENAMETOOLONG: (path) => `the path ${path} is too long`,
};

/**
 * The IoError for a Node system error, or undefined when `err` is not one. `where` names the
 * place for errors that carry no path (a write(2) on an open file reports none).
 */
export function toIoError(err: unknown, where?: string): IoError | undefined {
  const ioError = err as NodeJS.ErrnoException;
  if (!(ioError instanceof Error) || typeof ioError.code !== "string" || !/^E[A-Z]+$/.test(ioError.code) || typeof ioError.syscall !== "string") return undefined;
  const path = ioError.path ?? (ioError as { dest?: string }).dest ?? where ?? "the file being read or written";
  const advice = ADVICE[ioError.code];
  const message = advice ? advice(path) : `${ioError.syscall} failed on ${path}: ${ioError.message}`;
  // The message names the path already; describe() would repeat it.
  return new IoError(`io-${ioError.code.toLowerCase()}`, message, { cause: err });
}
