/**
 * Every error p2vfix raises on purpose is a P2vfixError: it has a stable `code`, a clear
 * message, and where known the byte offset or path it is about. The CLI maps `exitCode`
 * to the process exit status (documented in README.md).
 */
export interface ErrorDetails {
  /** Byte offset in the file or structure the error is about. */
  offset?: number;
  /** File, image path or registry key path the error is about. */
  path?: string;
  /** 1-based line in a text input (.reg file, plan, VM definition). */
  line?: number;
  /** Where the error compares: what the format or the request says should be there... */
  expected?: string | number;
  /** ...and what was found. */
  actual?: string | number;
  cause?: unknown;
}

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  badInput: 3,
  refused: 4,
  verifyFailed: 5,
  notFound: 6,
  recoveryFailed: 7,
  /** The operating system refused a read or write (disk full, permission, missing folder). */
  io: 8,
} as const;

export abstract class P2vfixError extends Error {
  readonly code: string;
  readonly offset?: number;
  readonly path?: string;
  readonly line?: number;
  readonly expected?: string | number;
  readonly actual?: string | number;
  abstract readonly exitCode: number;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.path !== undefined) this.path = details.path;
    if (details.line !== undefined) this.line = details.line;
    if (details.expected !== undefined) this.expected = details.expected;
    if (details.actual !== undefined) this.actual = details.actual;
  }

  /** One line for a person: code, message, and where. */
  describe(): string {
    const where: string[] = [];
    // A message that already names the path says it once ("/a.txt: ... already exists", not "... (/a.txt)" again).
    if (this.path !== undefined && this.line !== undefined) where.push(`${this.path}:${this.line}`);
    else if (this.path !== undefined && !this.message.includes(this.path)) where.push(this.path);
    else if (this.line !== undefined) where.push(`line ${this.line}`);
    if (this.offset !== undefined) where.push(`offset 0x${this.offset.toString(16)}`);
    return `${this.code}: ${this.message}${where.length ? ` (${where.join(", ")})` : ""}`;
  }
}

/** The bytes are not a valid registry hive or transaction log. */
export class RegfError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** A .reg file is malformed (the error names the line). */
export class RegFileError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** A disk image container (VHD, VHDX, VMDK, qcow2) is invalid or unsupported. */
export class ImageError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** A partition table is invalid. */
export class PartitionError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** A filesystem (NTFS, FAT) structure is invalid or unsupported. */
export class FsError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** NTFS-specific structural error. */
export class NtfsError extends FsError {}

/** A VM definition file is malformed or unsupported. */
export class VmConfigError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** A plan file is invalid. */
export class PlanError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** Something asked for does not exist (a key, a value, a file in an image). */
export class NotFoundError extends P2vfixError {
  readonly exitCode = ExitCode.notFound;
}

/** The user asked for something malformed (bad arguments, bad value syntax). */
export class UsageError extends P2vfixError {
  readonly exitCode = ExitCode.usage;
}

/** A write was refused because it is not safe; nothing was written. */
export class RefusedError extends P2vfixError {
  readonly exitCode = ExitCode.refused;
}

/** A write was made but reading it back did not give what was written. */
export class VerifyError extends P2vfixError {
  readonly exitCode = ExitCode.verifyFailed;
}

/** A dirty hive's transaction logs could not be applied (the message names each log and why). */
export class RecoveryError extends P2vfixError {
  readonly exitCode = ExitCode.recoveryFailed;
}

/** The operating system refused a read or write (ENOSPC, EACCES, ENOENT, EROFS...); the message says what to do. */
export class IoError extends P2vfixError {
  readonly exitCode = ExitCode.io;
}

/** An ISO 9660 image (a driver ISO) is invalid or unsupported (UDF-only). */
export class IsoError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** A driver INF file is malformed (the error names the file and line). */
export class InfError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}

/** A driver package cannot be used for this image (no build for its Windows, a file missing). */
export class DriverError extends P2vfixError {
  readonly exitCode = ExitCode.badInput;
}
