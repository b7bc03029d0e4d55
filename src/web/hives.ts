/**
 * The hives the Registry Editor shows, read into memory once per load (the image is closed
 * right after): from a disk image or mounted root through the image layer (`IMAGE:SYSTEM`,
 * ...), or from hive files on the host (a folder of hives, or a single SYSTEM hive file).
 * `writable` says which ones apply can write: in images only SYSTEM and SOFTWARE
 * (src/plan/apply.ts refuses the others), in host folders every regf hive file.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { P2vfixError } from "../errors.js";
import { openHiveSource } from "../image/hive-source.js";
import { type Hive, isHiveFile, openHiveFile } from "../regf/internal.js";
import type { HiveName } from "../changes/change.js";

export const HIVE_NAMES: readonly HiveName[] = ["SYSTEM", "SOFTWARE", "DEFAULT", "SAM", "SECURITY", "BCD"];
const IMAGE_WRITABLE: readonly HiveName[] = ["SYSTEM", "SOFTWARE"];

export interface ConsoleHive {
  name: HiveName;
  hive: Hive;
  source: string;
  writable: boolean;
}

export interface LoadedHives {
  hives: ConsoleHive[];
  /** Hives that exist but could not be read, for the page to say why. */
  problems: string[];
}

function startsWithRegf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const bytes = new Uint8Array(4);
    readSync(fd, bytes, 0, 4, 0);
    return bytes[0] === 0x72 && bytes[1] === 0x65 && bytes[2] === 0x67 && bytes[3] === 0x66;
  } finally {
    closeSync(fd);
  }
}

/** Host hive files: a SYSTEM hive file, or a folder of hive files that is not a mounted root. */
function hostHiveFiles(target: string): Partial<Record<HiveName, string>> | undefined {
  const st = statSync(target);
  if (st.isFile()) return isHiveFile(target) ? { SYSTEM: target } : undefined;
  const entries = readdirSync(target);
  if (entries.some((entry) => entry.toLowerCase() === "windows")) return undefined;
  const found: Partial<Record<HiveName, string>> = {};
  for (const name of HIVE_NAMES) {
    const entry = entries.find((fileName) => fileName.toUpperCase() === name);
    if (!entry) continue;
    const path = join(target, entry);
    if (statSync(path).isFile() && startsWithRegf(path)) found[name] = path;
  }
  return found;
}

export function loadHives(target: string, partition?: number): LoadedHives {
  const hives: ConsoleHive[] = [];
  const problems: string[] = [];
  const files = hostHiveFiles(target);
  for (const name of HIVE_NAMES) {
    try {
      if (files) {
        const path = files[name];
        if (path) hives.push({ name, hive: openHiveFile(path, { useLogs: true }), source: path, writable: true });
        continue;
      }
      const opened = openHiveSource(`${target}:${name}`, { useLogs: true, ...(partition === undefined ? {} : { partition }) });
      // The hive's bytes are in memory: the image is closed at once and reopened by apply.
      opened.close();
      hives.push({ name, hive: opened.hive, source: opened.source, writable: IMAGE_WRITABLE.includes(name) });
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      if (err.code !== "hive-not-found" && err.code !== "bcd-not-found") problems.push(`${name}: ${err.describe()}`);
    }
  }
  return { hives, problems };
}
