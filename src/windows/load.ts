/**
 * Finding and opening the hives of an installation: `loadWindows(target)` accepts a folder of
 * hive files (SYSTEM, SOFTWARE, BCD, or their .reg exports), a mounted Windows root, a single
 * SYSTEM hive (or .reg export) file, a disk image (through the image layer's locator), or an
 * already-opened FileSystem (an image's volume).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { hostFileKind } from "../image/host-file-kind.js";
import { basename, join } from "node:path";
import { NotFoundError, P2vfixError } from "../errors.js";
import type { FileSystem } from "../fs/filesystem.js";
import { openHostDir } from "../fs/hostdir/index.js";
import { chooseInstallation, locateWindows, openTarget } from "../image/index.js";
import { hostTargetKind } from "../image/host-target.js";
import { deviceUses } from "../io/device-in-use.js";
import { findLogNames, parseRegFile, type LogInput, type Hive, openHive, openHiveFile, openHiveOnDemand } from "../regf/internal.js";
import { registryFromRegFile } from "./memory-registry.js";
import type { ModelOptions } from "./model.js";
import type { RegistryKey, WindowsHives } from "./registry.js";

export interface LoadedWindows {
  hives: WindowsHives;
  options: ModelOptions;
  /** Releases the image (file handles); call after the model is built. */
  close(): void;
}

export interface LoadOptions {
  /** Replay transaction logs found beside the hives (default true). */
  useLogs?: boolean;
  /** Disk images with several installations: the partition number to use. */
  partition?: number;
}


const CONFIG_DIR = "Windows/System32/config";

/** What the recovery of a hive says a person should know, prefixed with the hive's name. */
function recoveryNotes(hive: Hive, label: string, notes: string[]): void {
  const recovery = hive.recovery;
  if (!recovery) return;
  for (const log of recovery.appliedLogs) notes.push(`${label}: dirty, recovered from ${log.name} (${log.entries} log entries)`);
  for (const warning of recovery.warnings) notes.push(`${label}: ${warning}`);
}

/**
 * A hive file on the host: a regf hive (with its logs) or a .reg export. A clean hive is read on
 * demand (the model visits a small part of it) and goes into `opened`, to be closed with the load.
 */
function openHostHive(path: string, useLogs: boolean, notes: string[], opened: Hive[]): RegistryKey {
  if (hostFileKind(path) === "reg-export") return registryFromRegFile(parseRegFile(new Uint8Array(readFileSync(path)), path), { source: path });
  const hive = openHiveFile(path, { useLogs, onDemand: true });
  opened.push(hive);
  recoveryNotes(hive, basename(path), notes);
  return hive.root();
}

/** Closes the hives a load read on demand (their files stay open until then). */
function closeAll(opened: Hive[]): () => void {
  return () => {
    for (const hive of opened.splice(0)) hive.close();
  };
}

/** Case-insensitive lookup of the first name that exists in a host folder (entries: its listing). */
function findIn(dir: string, entries: string[], names: string[]): string | undefined {
  for (const want of names) {
    const hit = entries.find((entry) => entry.toLowerCase() === want.toLowerCase());
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
  const entries = readdirSync(dir); // listed once for the three hives
  const system = findIn(dir, entries, ["SYSTEM", "SYSTEM.reg"]);
  if (!system) throw new NotFoundError("no-system-hive", `no SYSTEM hive (or SYSTEM.reg) in ${dir}`, { path: dir });
  const warnings: string[] = [];
  const opened: Hive[] = [];
  const close = closeAll(opened);
  try {
    const hives: WindowsHives = { system: openHostHive(system, useLogs, warnings, opened), sources: { system }, warnings };
    const software = findIn(dir, entries, ["SOFTWARE", "SOFTWARE.reg"]);
    optionalHive(hives, "software", software, () => openHostHive(software!, useLogs, warnings, opened));
    const bcd = findIn(dir, entries, ["BCD", "BCD.reg"]);
    optionalHive(hives, "bcd", bcd, () => openHostHive(bcd!, useLogs, warnings, opened));
    return { hives, options: {}, close };
  } catch (err) {
    close();
    throw err;
  }
}

/** Opens a hive inside a filesystem, with the logs beside it; read on demand when clean (see openHostHive). */
function openFsHive(fs: FileSystem, dir: string, name: string, useLogs: boolean, notes: string[], opened: Hive[]): RegistryKey {
  const path = `${dir}/${name}`;
  const logs: LogInput[] = [];
  if (useLogs) {
    const siblings = fs.list(dir).map((fileInfo) => fileInfo.name);
    for (const log of findLogNames(name, siblings)) logs.push({ name: log, bytes: fs.readFile(`${dir}/${log}`) });
  }
  const onDemand = openHiveOnDemand(fs.openFile(path), logs, path);
  if (onDemand) opened.push(onDemand);
  const hive = onDemand ?? openHive(fs.readFile(path), { logs, source: path });
  recoveryNotes(hive, name, notes);
  return hive.root();
}

/** Where a driver's image file lives, relative to the volume root (systemRoot: "Windows" or "WINNT"). */
export function driverFilePath(serviceName: string, imagePath: string | null, systemRoot = "Windows"): string {
  let path = (imagePath ?? `System32\\drivers\\${serviceName}.sys`).trim().replace(/^"|"$/g, "");
  path = path.replace(/^\\\?\?\\/, "");
  if (/^[A-Za-z]:\\/.test(path)) return path.slice(3).replace(/\\/g, "/");
  path = path.replace(/^\\?SystemRoot\\/i, "").replace(/^%SystemRoot%\\/i, "").replace(/^\\+/, "");
  return `${systemRoot}/${path}`.replace(/\\/g, "/");
}

export interface FileSystemLoadOptions extends LoadOptions {
  description?: string;
  /** Folder of the machine hives (default Windows/System32/config). */
  configDir?: string;
  /** Where the BCD store is when not at Boot/BCD on this volume (UEFI: on the ESP). */
  bcd?: { fs: FileSystem; path: string; source: string };
}

export function loadFromFileSystem(fs: FileSystem, options: FileSystemLoadOptions = {}): LoadedWindows {
  const useLogs = options.useLogs ?? true;
  const configDir = options.configDir ?? CONFIG_DIR;
  const config = fs.stat(configDir);
  if (!config?.isDirectory) throw new NotFoundError("no-windows", `no ${configDir} on this volume: not a Windows system volume`, { path: configDir });
  const names = fs.list(configDir).map((fileInfo) => fileInfo.name);
  const find = (wanted: string) => names.find((name) => name.toLowerCase() === wanted.toLowerCase());
  const systemName = find("SYSTEM");
  if (!systemName) throw new NotFoundError("no-system-hive", `no SYSTEM hive in ${configDir}`, { path: configDir });
  const warnings: string[] = [];
  const opened: Hive[] = [];
  const close = closeAll(opened);
  let hives: WindowsHives;
  try {
    hives = { system: openFsHive(fs, configDir, systemName, useLogs, warnings, opened), sources: { system: `${configDir}/${systemName}` }, warnings };
    const softwareName = find("SOFTWARE");
    optionalHive(hives, "software", softwareName && `${configDir}/${softwareName}`, () => openFsHive(fs, configDir, softwareName!, useLogs, warnings, opened));
    if (options.bcd) {
      const { fs: bcdFs, path } = options.bcd;
      const cut = path.lastIndexOf("/");
      optionalHive(hives, "bcd", options.bcd.source, () => openFsHive(bcdFs, path.slice(0, cut), path.slice(cut + 1), useLogs, warnings, opened));
    } else if (fs.stat("Boot/BCD")) {
      // BIOS installs keep the store on the system partition, often this volume.
      optionalHive(hives, "bcd", "Boot/BCD", () => openFsHive(fs, "Boot", fs.stat("Boot/BCD")!.name, useLogs, warnings, opened));
    }
  } catch (err) {
    close();
    throw err;
  }
  const modelOptions: ModelOptions = {
    driverFileExists: (service, imagePath) => fs.stat(driverFilePath(service, imagePath, configDir.split("/")[0])) !== undefined,
    hiberfile: () => {
      const info = fs.stat("hiberfil.sys");
      if (!info || info.isDirectory) return null;
      return fs.readFileRange("hiberfil.sys", 0, Math.min(8, info.size));
    },
    filesystem: options.description ?? fs.type,
  };
  return { hives, options: modelOptions, close };
}

/** A disk image: the image layer finds the installation and the BCD store. */
function loadImage(path: string, options: LoadOptions): LoadedWindows {
  const target = openTarget(path);
  try {
    const located = locateWindows(target.volumes);
    const install = chooseInstallation(located.installations, path, options.partition);
    const fs = install.volume.fs();
    const store = located.bcdStores.find((bcdStore) => bcdStore.firmware === "uefi") ?? located.bcdStores[0];
    const loaded = loadFromFileSystem(fs, {
      ...options,
      configDir: install.configDir,
      description: `${path}, partition ${install.volume.index} (${fs.type})`,
      ...(store ? { bcd: { fs: store.volume.fs(), path: store.path, source: `partition ${store.volume.index}:${store.path}` } } : {}),
    });
    return {
      ...loaded,
      close: () => {
        loaded.close();
        target.close();
      },
    };
  } catch (err) {
    target.close();
    throw err;
  }
}

/** Loads from a host path or an opened filesystem; see the file comment for what is accepted. */
export function loadWindows(target: string | FileSystem, options: LoadOptions = {}): LoadedWindows {
  const useLogs = options.useLogs ?? true;
  if (typeof target !== "string") return loadFromFileSystem(target, options);
  const kind = hostTargetKind(target);
  if (kind === "block-device") {
    const loaded = loadImage(target, options);
    // Read, not refused (writes are): a mounted volume's on-disk state may lag what its filesystem holds in memory.
    for (const use of deviceUses(target)) (loaded.hives.warnings ??= []).push(`${use.what}: what is read from it may be out of date or inconsistent`);
    return loaded;
  }
  if (kind === "file") {
    if (hostFileKind(target) === "other") return loadImage(target, options);
    const warnings: string[] = [];
    const opened: Hive[] = [];
    return { hives: { system: openHostHive(target, useLogs, warnings, opened), sources: { system: target }, warnings }, options: {}, close: closeAll(opened) };
  }
  const fs = openHostDir(target);
  if (fs.stat(`${CONFIG_DIR}/SYSTEM`)) return loadFromFileSystem(fs, { ...options, description: `mounted Windows root ${target}` });
  return loadFolder(target, useLogs);
}

