/**
 * Finds Windows installations and BCD stores among a target's volumes: every volume whose
 * filesystem holds `<SystemRoot>\System32\config\SYSTEM`, and the boot configuration store on
 * the System Reserved partition (`\Boot\BCD`) or the EFI system partition (`\EFI\Microsoft\Boot\BCD`).
 */
import { P2vfixError } from "../errors.js";
import type { FileSystem } from "../fs/filesystem.js";
import type { Volume } from "./volume.js";

/** System roots to probe: Windows, and WINNT for installs upgraded from Windows 2000. */
const SYSTEM_ROOTS = ["Windows", "WINNT"];
/** The machine hives under System32\config. */
export const MACHINE_HIVES = ["SYSTEM", "SOFTWARE", "SAM", "SECURITY", "DEFAULT"] as const;
const BCD_PATHS = [
  { path: "EFI/Microsoft/Boot/BCD", firmware: "uefi" as const },
  { path: "Boot/BCD", firmware: "bios" as const },
];

export interface WindowsInstallation {
  volume: Volume;
  /** System root as stored, e.g. "Windows". */
  systemRoot: string;
  /** Folder of the machine hives, e.g. "Windows/System32/config". */
  configDir: string;
  /** Machine hives present, name → path on the volume. */
  hives: Map<string, string>;
}

export interface BcdStore {
  volume: Volume;
  path: string;
  firmware: "uefi" | "bios";
}

export interface LocateResult {
  installations: WindowsInstallation[];
  bcdStores: BcdStore[];
  /** Volumes that could not be searched, and why (BitLocker, unknown filesystem, corrupt). */
  skipped: { volume: Volume; reason: string }[];
}

export function locateWindows(volumes: readonly Volume[]): LocateResult {
  const result: LocateResult = { installations: [], bcdStores: [], skipped: [] };
  for (const volume of volumes) {
    let fs: FileSystem;
    try {
      fs = volume.fs();
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      // Unknown filesystems (Linux, swap, MSR) are not worth a mention; the rest is.
      if (err.code !== "unknown-filesystem") result.skipped.push({ volume, reason: err.message });
      continue;
    }
    try {
      for (const root of SYSTEM_ROOTS) {
        const config = fs.stat(`${root}/System32/config`);
        if (!config?.isDirectory) continue;
        const hives = new Map<string, string>();
        for (const name of MACHINE_HIVES) {
          const info = fs.stat(`${config.path}/${name}`);
          if (info && !info.isDirectory) hives.set(name, info.path.replace(/^\//, ""));
        }
        if (!hives.has("SYSTEM")) continue;
        const systemRoot = config.path.split("/").filter(Boolean)[0];
        result.installations.push({ volume, systemRoot, configDir: config.path.replace(/^\//, ""), hives });
      }
      for (const candidate of BCD_PATHS) {
        const info = fs.stat(candidate.path);
        if (info && !info.isDirectory) result.bcdStores.push({ volume, path: info.path.replace(/^\//, ""), firmware: candidate.firmware });
      }
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      result.skipped.push({ volume, reason: err.message });
    }
  }
  return result;
}
