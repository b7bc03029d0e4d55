/**
 * Finding and opening the hives of an installation: `loadWindows(target)` accepts a folder of
 * hive files (SYSTEM, SOFTWARE, BCD, or their .reg exports), a mounted Windows root, a single
 * SYSTEM hive (or .reg export) file, or an already-opened FileSystem (an image's volume).
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError, P2vfixError } from "../errors.js";
import type { FileSystem } from "../fs/filesystem.js";
import { openHostDir } from "../fs/hostdir/index.js";
import { findLogNames } from "../regf/find-logs.js";
import { parseRegFile } from "../regf/import/reg-file.js";
import type { LogInput } from "../regf/log/types.js";
import { openHive, openHiveFile } from "../regf/open.js";
import { registryFromRegFile } from "./memory-registry.js";
import type { ModelOptions } from "./model.js";
import type { RegistryKey, WindowsHives } from "./registry.js";

export interface LoadedWindows {
  hives: WindowsHives;
  options: ModelOptions;
}

export interface LoadOptions {
  /** Replay transaction logs found beside the hives (default true). */
  useLogs?: boolean;
}

const CONFIG_DIR = "Windows/System32/config";

function isRegExport(bytes: Uint8Array): boolean {
  const head = new TextDecoder(bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : "utf-8").decode(bytes.subarray(0, 96));
  return /^\uFEFF?(Windows Registry Editor|REGEDIT4)/.test(head);
}

/** A hive file on the host: a regf hive (with its logs) or a .reg export. */
function openHostHive(path: string, useLogs: boolean): RegistryKey {
  const head = new Uint8Array(readFileSync(path).subarray(0, 96));
  if (isRegExport(head)) return registryFromRegFile(parseRegFile(new Uint8Array(readFileSync(path)), path), { source: path });
  return openHiveFile(path, { useLogs }).root();
}

/** Case-insensitive lookup of the first name that exists in a host folder. */
function findIn(dir: string, names: string[]): string | undefined {
  const entries = readdirSync(dir);
  for (const want of names) {
    const hit = entries.find((e) => e.toLowerCase() === want.toLowerCase());
    if (hit && statSync(join(dir, hit)).isFile()) return join(dir, hit);
  }
  return undefined;
}

function optionalHive(
  hives: WindowsHives,
  section: "software" | "bcd",
  source: string | undefined,
  open: () => RegistryKey,
): void {
  if (source === undefined) return;
  try {
    hives[section] = open();
    hives.sources[section] = source;
  } catch (err) {
    if (!(err instanceof P2vfixError)) throw err;
    (hives.problems ??= []).push({ section, reason: `${source}: ${err.describe()}` });
  }
}

function loadFolder(dir: string, useLogs: boolean): LoadedWindows {
  const system = findIn(dir, ["SYSTEM", "SYSTEM.reg"]);
  if (!system) throw new NotFoundError("no-system-hive", `no SYSTEM hive (or SYSTEM.reg) in ${dir}`, { path: dir });
  const hives: WindowsHives = { system: openHostHive(system, useLogs), sources: { system } };
  const software = findIn(dir, ["SOFTWARE", "SOFTWARE.reg"]);
  optionalHive(hives, "software", software, () => openHostHive(software!, useLogs));
  const bcd = findIn(dir, ["BCD", "BCD.reg"]);
  optionalHive(hives, "bcd", bcd, () => openHostHive(bcd!, useLogs));
  return { hives, options: {} };
}

/** Opens a hive inside a filesystem, with the logs beside it. */
function openFsHive(fs: FileSystem, dir: string, name: string, useLogs: boolean): RegistryKey {
  const path = `${dir}/${name}`;
  const logs: LogInput[] = [];
  if (useLogs) {
    const siblings = fs.list(dir).map((f) => f.name);
    for (const log of findLogNames(name, siblings)) logs.push({ name: log, bytes: fs.readFile(`${dir}/${log}`) });
  }
  return openHive(fs.readFile(path), { logs, source: path }).root();
}

/** Where a driver's image file lives, relative to the volume root. */
export function driverFilePath(serviceName: string, imagePath: string | null): string {
  let p = (imagePath ?? `System32\\drivers\\${serviceName}.sys`).replace(/^\\\?\?\\[A-Za-z]:\\/, "\\").trim();
  p = p.replace(/^\\SystemRoot\\/i, "").replace(/^%SystemRoot%\\/i, "").replace(/^[A-Za-z]:\\Windows\\/i, "");
  if (/^[A-Za-z]:\\/.test(p)) return p.slice(3).replace(/\\/g, "/");
  return `Windows/${p.replace(/^\\+/, "")}`.replace(/\\/g, "/");
}

export function loadFromFileSystem(fs: FileSystem, options: LoadOptions & { description?: string } = {}): LoadedWindows {
  const useLogs = options.useLogs ?? true;
  const config = fs.stat(CONFIG_DIR);
  if (!config?.isDirectory) throw new NotFoundError("no-windows", `no ${CONFIG_DIR} on this volume: not a Windows system volume`, { path: CONFIG_DIR });
  const names = fs.list(CONFIG_DIR).map((f) => f.name);
  const find = (n: string) => names.find((x) => x.toLowerCase() === n.toLowerCase());
  const systemName = find("SYSTEM");
  if (!systemName) throw new NotFoundError("no-system-hive", `no SYSTEM hive in ${CONFIG_DIR}`, { path: CONFIG_DIR });
  const hives: WindowsHives = { system: openFsHive(fs, CONFIG_DIR, systemName, useLogs), sources: { system: `${CONFIG_DIR}/${systemName}` } };
  const softwareName = find("SOFTWARE");
  optionalHive(hives, "software", softwareName && `${CONFIG_DIR}/${softwareName}`, () => openFsHive(fs, CONFIG_DIR, softwareName!, useLogs));
  // BIOS installs keep the store on the system partition, often this volume.
  if (fs.stat("Boot/BCD")) optionalHive(hives, "bcd", "Boot/BCD", () => openFsHive(fs, "Boot", fs.stat("Boot/BCD")!.name, useLogs));
  const modelOptions: ModelOptions = {
    driverFileExists: (service, imagePath) => fs.stat(driverFilePath(service, imagePath)) !== undefined,
    hiberfile: () => {
      const info = fs.stat("hiberfil.sys");
      if (!info || info.isDirectory) return null;
      return fs.readFileRange("hiberfil.sys", 0, Math.min(8, info.size));
    },
    filesystem: options.description ?? fs.type,
  };
  return { hives, options: modelOptions };
}

/** Loads from a host path or an opened filesystem; see the file comment for what is accepted. */
export function loadWindows(target: string | FileSystem, options: LoadOptions = {}): LoadedWindows {
  const useLogs = options.useLogs ?? true;
  if (typeof target !== "string") return loadFromFileSystem(target, options);
  if (!existsSync(target)) throw new NotFoundError("target-not-found", `${target} does not exist`, { path: target });
  if (statSync(target).isFile()) {
    return { hives: { system: openHostHive(target, useLogs), sources: { system: target } }, options: {} };
  }
  const fs = openHostDir(target);
  if (fs.stat(`${CONFIG_DIR}/SYSTEM`)) return loadFromFileSystem(fs, { ...options, description: `mounted Windows root ${target}` });
  return loadFolder(target, useLogs);
}

