/**
 * Opens a registry hive wherever the user says it is: a hive file on the host, a file inside a
 * disk image or mounted root (`IMAGE:PATH`), or a short name (`IMAGE:SYSTEM`, `IMAGE:SOFTWARE`,
 * `IMAGE:SAM`, `IMAGE:SECURITY`, `IMAGE:DEFAULT`, `IMAGE:BCD`). The hive's transaction logs are
 * read from beside it, in the same filesystem.
 */
import { statSync } from "node:fs";
import { NotFoundError, RegfError, UsageError } from "../errors.js";
import type { FileSystem } from "../fs/filesystem.js";
import { readFileHead } from "../io/file-head.js";
import { findLogNames, type Hive, type LogInput, isHiveFile, openHive, openHiveFile } from "../regf/internal.js";
import { locateWindows, MACHINE_HIVES, type WindowsInstallation } from "./locate-windows.js";
import { openTarget, type OpenedTarget } from "./open-target.js";
import { parseTargetSpec } from "./target-spec.js";
import type { Volume } from "./volume.js";

export interface HiveSourceOptions {
  /** Read transaction logs found beside the hive (default true). */
  useLogs?: boolean;
  /** Partition number when several Windows installations are found. */
  partition?: number;
}

export interface OpenedHive {
  hive: Hive;
  /** Where it came from, for messages: "disk.vhdx:partition 2:Windows/System32/config/SYSTEM". */
  source: string;
  /** When the hive lives in an image: the target, volume and path inside it. */
  location?: { target: OpenedTarget; volume: Volume; path: string };
  close(): void;
}

/** Reads a file and the transaction logs beside it from a filesystem. */
export function readHiveWithLogs(fs: FileSystem, path: string, useLogs: boolean): { bytes: Uint8Array; logs: LogInput[] } {
  const bytes = fs.readFile(path);
  const logs: LogInput[] = [];
  if (useLogs) {
    const slash = path.lastIndexOf("/");
    const dir = slash < 0 ? "" : path.slice(0, slash);
    const name = path.slice(slash + 1);
    const siblings = fs.list(dir).map((fileInfo) => fileInfo.name);
    for (const logName of findLogNames(name, siblings)) {
      logs.push({ name: logName, bytes: fs.readFile(dir ? `${dir}/${logName}` : logName) });
    }
  }
  return { bytes, logs };
}

/** Picks the installation the user meant: the only one, or the one on --partition. */
export function chooseInstallation(installations: WindowsInstallation[], targetPath: string, partition?: number): WindowsInstallation {
  if (partition !== undefined) {
    const found = installations.find((installation) => installation.volume.index === partition);
    if (!found) throw new NotFoundError("no-windows", `${targetPath}: no Windows installation on partition ${partition} (found on: ${installations.map((installation) => installation.volume.index).join(", ") || "none"})`);
    return found;
  }
  if (installations.length === 0) throw new NotFoundError("no-windows", `${targetPath}: no Windows installation found (no Windows\\System32\\config\\SYSTEM on any readable volume)`);
  if (installations.length > 1) {
    throw new UsageError("several-windows", `${targetPath}: ${installations.length} Windows installations found (partitions ${installations.map((installation) => installation.volume.index).join(", ")}): pick one with --partition N`);
  }
  return installations[0];
}

/** Opens the hive named by `spec` (see the module comment). */
export function openHiveSource(spec: string, options: HiveSourceOptions = {}): OpenedHive {
  const useLogs = options.useLogs ?? true;
  const { container, inner } = parseTargetSpec(spec);
  if (inner === undefined) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(container).isDirectory();
    } catch {
      throw new NotFoundError("file-not-found", `no such file: ${container}`, { path: container });
    }
    if (isDirectory || !isHiveFile(container)) {
      const hint = `to read a hive inside a disk image or mounted Windows root, write ${container}:SYSTEM (or :SOFTWARE, :SAM, :SECURITY, :DEFAULT, :BCD, or :path/inside)`;
      if (isDirectory) throw new UsageError("hive-path-needed", `${container} is a folder: ${hint}`, { path: container });
      const signature = Buffer.from(readFileHead(container, 4)).toString("latin1");
      throw new RegfError("not-a-hive", `${container} is not a registry hive: ${hint}`, { path: container, expected: "regf", actual: signature });
    }
    return { hive: openHiveFile(container, { useLogs }), source: container, close: () => {} };
  }
  const target = openTarget(container);
  try {
    const { volume, path } = resolveInnerPath(target, inner, options.partition);
    const { bytes, logs } = readHiveWithLogs(volume.fs(), path, useLogs);
    const source = `${container}:${volume.index ? `partition ${volume.index}:` : ""}${path}`;
    const hive = openHive(bytes, { logs, source });
    return { hive, source, location: { target, volume, path }, close: () => target.close() };
  } catch (err) {
    target.close();
    throw err;
  }
}

/** Resolves a short hive name or an explicit path to a volume and a path on it. */
export function resolveInnerPath(target: OpenedTarget, inner: string, partition?: number): { volume: Volume; path: string } {
  const short = inner.toUpperCase();
  if ((MACHINE_HIVES as readonly string[]).includes(short)) {
    const install = chooseInstallation(locateWindows(target.volumes).installations, target.path, partition);
    const path = install.hives.get(short);
    if (!path) throw new NotFoundError("hive-not-found", `${target.path}: ${install.configDir} on ${install.volume.name} has no ${short} hive`);
    return { volume: install.volume, path };
  }
  if (short === "BCD") {
    const stores = locateWindows(target.volumes).bcdStores.filter((bcdStore) => partition === undefined || bcdStore.volume.index === partition);
    if (stores.length === 0) throw new NotFoundError("bcd-not-found", `${target.path}: no BCD store found (\\Boot\\BCD or \\EFI\\Microsoft\\Boot\\BCD)`);
    return { volume: stores[0].volume, path: stores[0].path };
  }
  return findFileVolume(target, inner, partition);
}

/** The volume holding an explicit path: the chosen partition, or the only readable volume that has it. */
export function findFileVolume(target: OpenedTarget, path: string, partition?: number): { volume: Volume; path: string } {
  const clean = path.replace(/\\/g, "/").replace(/^\/+/, "");
  const candidates = target.volumes.filter((volume) => volume.readable && (partition === undefined || volume.index === partition));
  if (partition !== undefined && candidates.length === 0) throw new NotFoundError("no-partition", `${target.path}: no readable partition ${partition}`);
  const holding = candidates.filter((candidate) => {
    try {
      return candidate.fs().stat(clean) !== undefined;
    } catch {
      return false;
    }
  });
  if (holding.length === 0) throw new NotFoundError("file-not-found", `${target.path}: ${clean || "/"} not found${partition === undefined ? " on any readable volume" : ` on partition ${partition}`}`);
  if (holding.length > 1) {
    throw new UsageError("ambiguous-path", `${target.path}: ${clean} exists on partitions ${holding.map((volume) => volume.index).join(", ")}: pick one with --partition N`);
  }
  return { volume: holding[0], path: clean };
}
