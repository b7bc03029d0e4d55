/** Opening a hive: recover it from its transaction logs first, then read it. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { RecoveryError, RegfError } from "../errors.js";
import { FileDevice } from "../io/file-device.js";
import { BASE_BLOCK_SIZE, checksumOk, FileType, hasRegfSignature, parseBaseBlock, REGF_SIGNATURE } from "./base-block.js";
import { readFileHead } from "../io/file-head.js";
import { findLogNames } from "./find-logs.js";
import { Hive } from "./hive.js";
import { recoverHive } from "./log/recover.js";
import type { LogInput, RecoveryResult } from "./log/types.js";
import { CHUNK_SIZE, OnDemandBytes, type ByteSource, type OnDemandOptions } from "./on-demand-bytes.js";

export interface OpenHiveOptions {
  /** Transaction logs of this primary (.LOG, .LOG1, .LOG2); none means "not given". */
  logs?: LogInput[];
  source?: string;
  /**
   * Read the stale primary (with a warning) when the hive is dirty and none of its logs can be
   * applied. Default false: that is a RecoveryError, as Windows refuses to load such a hive.
   */
  allowStale?: boolean;
}

export function openHive(bytes: Uint8Array, options: OpenHiveOptions = {}): Hive {
  const logs = options.logs ?? [];
  const recovery = recoverHive(bytes, logs);
  if (recovery.dirty && !recovery.recovered && logs.length > 0 && !options.allowStale) throw recoveryFailed(recovery, options.source);
  return new Hive(recovery.bytes, { recovery, ...(options.source === undefined ? {} : { source: options.source }) });
}

/**
 * A dirty hive whose logs were found but none could be applied. No logs at all stays a warning
 * (a hive copied without its logs is common and hivex/reged read it the same way).
 */
function recoveryFailed(recovery: RecoveryResult, source: string | undefined): RecoveryError {
  const why = recovery.ignoredLogs.map((ignoredLog) => `${ignoredLog.name}: ${ignoredLog.reason}`);
  const notes = recovery.warnings.filter((warning) => !/view may be stale/.test(warning));
  return new RecoveryError(
    "recovery-failed",
    `hive is dirty (${recovery.dirtyReasons.join("; ")}) and its transaction logs cannot be applied (${[...why, ...notes].join("; ")}); ` +
      "use --no-logs to read the primary as it is (a stale view)",
    source === undefined ? {} : { path: source },
  );
}

/**
 * Opens a clean hive whose cells are read from `source` as they are visited (read-only use: the
 * caller closes the hive when done). Returns undefined, with the source closed, when the hive must
 * be read whole instead: dirty (the logs rewrite it), or not sound enough to open this way (the
 * whole-file open then gives the precise error). The logs of a clean hive are only reported.
 */
export function openHiveOnDemand(source: ByteSource, logs: LogInput[], what: string, options: OnDemandOptions = {}): Hive | undefined {
  let hive: Hive | undefined;
  try {
    // Chunk arithmetic is 32-bit, as regf offsets are; the whole-file path decides about larger files.
    if (source.size > 0xffffffff) return undefined;
    const head = source.read(0, Math.min(source.size, Math.max(BASE_BLOCK_SIZE, options.chunkSize ?? CHUNK_SIZE)));
    if (!isCleanPrimary(head)) return undefined;
    const onDemand = new OnDemandBytes(source, head, what, options);
    const recovery = { ...recoverHive(head, logs), bytes: onDemand.bytes };
    hive = new Hive(onDemand.bytes, { recovery, source: what, onDemand });
    return hive;
  } catch (err) {
    if (err instanceof RegfError) return undefined;
    throw err;
  } finally {
    if (hive === undefined) source.close();
  }
}

function isCleanPrimary(head: Uint8Array): boolean {
  try {
    const base = parseBaseBlock(head, "hive");
    return base.fileType === FileType.primary && base.primarySequence === base.secondarySequence && checksumOk(base);
  } catch (err) {
    if (err instanceof RegfError) return false;
    throw err;
  }
}

export interface OpenHiveFileOptions {
  /** Read the logs found beside the file (default true). */
  useLogs?: boolean;
  /**
   * Read cells from the file as they are visited instead of reading it whole first (a clean hive
   * only; read-only use; `hive.close()` releases the file). Default false.
   */
  onDemand?: boolean;
}

/** Reads a hive file from the host, with the logs beside it (any case) unless useLogs is false. */
export function openHiveFile(path: string, { useLogs = true, onDemand = false }: OpenHiveFileOptions = {}): Hive {
  const logs: LogInput[] = [];
  if (useLogs) {
    const dir = dirname(path);
    for (const name of findLogNames(basename(path), readdirSync(dir))) {
      logs.push({ name, bytes: readBytes(join(dir, name)) });
    }
  }
  if (onDemand) {
    const hive = openHiveOnDemand(new FileDevice(path), logs, path);
    if (hive) return hive;
  }
  return openHive(readBytes(path), { logs, source: path });
}

/** The file's bytes without a second copy (`new Uint8Array(buffer)` would copy). */
function readBytes(path: string): Uint8Array {
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** True when `path` is a host file that starts with the regf signature (reads 4 bytes only). */
export function isHiveFile(path: string): boolean {
  try {
    return statSync(path).isFile() && hasRegfSignature(readFileHead(path, REGF_SIGNATURE.length));
  } catch {
    return false;
  }
}
