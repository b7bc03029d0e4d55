/**
 * Writing an edited hive back to a host file safely: the bytes go to a temporary file in the
 * same folder, are read back and structurally checked, and only then renamed over the
 * original (kept as HIVE.bak unless told otherwise). A hive that fails the check is never
 * put in place.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VerifyError } from "../../errors.js";
import { privateModeFor, replaceFileSafely } from "../../io/safe-file.js";
import { FileType, hasRegfSignature } from "../base-block.js";
import { parseNewLog } from "../log/new-log.js";
import { checkHive, type CheckOptions, type CheckResult } from "../check/check-hive.js";
import { findLogNames } from "../find-logs.js";
import type { HiveEditor } from "./editor.js";

export interface SaveOptions {
  /** Keep the original as `<path>.bak` (default true). */
  backup?: boolean;
  /**
   * Read the written temporary file back and check the whole hive before the rename (default
   * true). When false the bytes are checked in memory before they are written, as `checkOnly`
   * says (the keys an edit touched, every bin and cell header) or whole when it is not given.
   */
  verify?: boolean;
  checkOnly?: CheckOptions["only"];
}

export interface SaveResult {
  path: string;
  bytes: number;
  backup?: string;
  check: CheckResult;
}

/**
 * Highest sequence number seen in the transaction logs beside `path`: their base blocks and,
 * for new-format logs, every valid HvLE entry.
 */
export function logSequenceCeiling(path: string): number {
  let max = 0;
  const dir = dirname(path);
  let names: string[];
  try {
    names = findLogNames(basename(path), readdirSync(dir));
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const bytes = readFileSync(join(dir, name));
      if (bytes.length < 512 || !hasRegfSignature(bytes)) continue;
      max = Math.max(max, bytes.readUInt32LE(4), bytes.readUInt32LE(8));
      if (bytes.readUInt32LE(28) === FileType.newLog) {
        for (const entry of parseNewLog(new Uint8Array(bytes), name).entries) max = Math.max(max, entry.sequence);
      }
    } catch {
      // An unreadable log cannot raise the ceiling.
    }
  }
  return max;
}

/** Writes `bytes` (a whole hive) to `path` through a checked temporary file. */
export function saveHiveBytes(path: string, bytes: Uint8Array, { backup = true, verify = true, checkOnly }: SaveOptions = {}, originalExists = true): SaveResult {
  const refuse = (check: CheckResult): never => {
    const first = check.errors[0];
    throw new VerifyError("check-failed", `the written hive fails the structural check (${check.errors.length} errors; first: ${first.code}: ${first.message}); nothing was replaced`, {
      path,
    });
  };
  let check: CheckResult | undefined;
  if (!verify) {
    check = checkHive(bytes, checkOnly ? { only: checkOnly } : {});
    if (!check.ok) refuse(check);
  }
  // The hive keeps its own permission bits; the temp, the backup and the rename never follow a link.
  const mode = originalExists ? privateModeFor(path) : 0o644;
  let backupPath: string | undefined;
  replaceFileSafely(path, bytes, {
    mode,
    beforeRename: (temp) => {
      if (verify) {
        // The file holds exactly these bytes (read back piece by piece, not as a second copy of
        // the hive), and these bytes pass the whole check: so does the file.
        readBackEquals(temp, bytes, path);
        check = checkHive(bytes);
        if (!check.ok) refuse(check);
      }
      if (backup && originalExists) {
        backupPath = `${path}.bak`;
        replaceFileSafely(backupPath, readFileSync(path), { mode });
      }
    },
  });
  return { path, bytes: bytes.length, check: check!, ...(backupPath === undefined ? {} : { backup: backupPath }) };
}

/** Reads `file` back in 1 MiB pieces and throws a VerifyError unless it holds exactly `bytes`. */
export function readBackEquals(file: string, bytes: Uint8Array, path: string): void {
  const piece = Buffer.alloc(Math.min(1 << 20, Math.max(1, bytes.length)));
  const expected = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const fd = openSync(file, "r");
  try {
    if (fstatSync(fd).size !== bytes.length) throw new VerifyError("read-back-differs", `the written hive reads back with another size; nothing was replaced`, { path });
    for (let at = 0; at < bytes.length; at += piece.length) {
      const length = Math.min(piece.length, bytes.length - at);
      let got = 0;
      while (got < length) {
        const bytesRead = readSync(fd, piece, got, length - got, at + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== length || piece.compare(expected, at, at + length, 0, length) !== 0) {
        throw new VerifyError("read-back-differs", `the written hive reads back with other bytes at ${at}..${at + length}; nothing was replaced`, { path, offset: at });
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Serializes the editor with sequence numbers above every log beside `path` (so that Windows
 * treats those logs as stale) and saves it.
 */
export function saveHiveFile(path: string, editor: HiveEditor, options: SaveOptions = {}, originalExists = true): SaveResult {
  return saveHiveBytes(path, editor.serialize({ minSequence: logSequenceCeiling(path), inPlace: true }), options, originalExists);
}
