/** Opening a hive: recover it from its transaction logs first, then read it. */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { findLogNames } from "./find-logs.js";
import { Hive } from "./hive.js";
import { recoverHive } from "./log/recover.js";
import type { LogInput } from "./log/types.js";

export interface OpenHiveOptions {
  /** Transaction logs of this primary (.LOG, .LOG1, .LOG2); none means "not given". */
  logs?: LogInput[];
  source?: string;
}

export function openHive(bytes: Uint8Array, options: OpenHiveOptions = {}): Hive {
  const recovery = recoverHive(bytes, options.logs ?? []);
  return new Hive(recovery.bytes, { recovery, ...(options.source === undefined ? {} : { source: options.source }) });
}

export interface OpenHiveFileOptions {
  /** Read the logs found beside the file (default true). */
  useLogs?: boolean;
}

/** Reads a hive file from the host, with the logs beside it (any case) unless useLogs is false. */
export function openHiveFile(path: string, { useLogs = true }: OpenHiveFileOptions = {}): Hive {
  const bytes = readBytes(path);
  const logs: LogInput[] = [];
  if (useLogs) {
    const dir = dirname(path);
    for (const name of findLogNames(basename(path), readdirSync(dir))) {
      logs.push({ name, bytes: readBytes(join(dir, name)) });
    }
  }
  return openHive(bytes, { logs, source: path });
}

/** The file's bytes without a second copy (`new Uint8Array(buffer)` would copy). */
function readBytes(path: string): Uint8Array {
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** True when `path` is a host file that starts with the regf signature (reads 4 bytes only). */
export function isHiveFile(path: string): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, "r");
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.toString("latin1") === "regf";
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
