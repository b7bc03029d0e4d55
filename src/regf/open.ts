/** Opening a hive: recover it from its transaction logs first, then read it. */
import { readdirSync, readFileSync } from "node:fs";
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
