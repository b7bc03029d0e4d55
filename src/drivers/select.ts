/**
 * Choosing the driver packages for one image: its Windows version, build, client/server and
 * architecture (from the hives: reference section 13.1 — CurrentMajor/MinorVersionNumber or
 * CurrentVersion, CurrentBuildNumber, ProductOptions\ProductType, PROCESSOR_ARCHITECTURE).
 *
 * Two layouts:
 * - virtio-win: DRIVER/OSDIR/ARCH/x.inf (OSDIR: xp, 2k3, 2k8, 2k8R2, w7, 2k12, w8, 2k12R2,
 *   w8.1, 2k16, w10, 2k19, 2k22, w11, 2k25; ARCH: x86, amd64, ARM64). Only the folder of the
 *   image's exact Windows and architecture is a candidate (never another OS: a driver built for
 *   a newer Windows may not load, one for an older may lack signatures Windows now demands);
 *   its INF must then also accept the image by its decorations.
 * - anything else (VMware Tools, a vendor folder, a single INF): every INF, chosen by its
 *   [Manufacturer] decorations alone.
 * Per driver (virtio: the DRIVER folder; else the INF's file name) one package is chosen.
 */
import { createHash } from "node:crypto";
import { DriverError, InfError } from "../errors.js";
import { readControlSets } from "../windows/control-sets.js";
import { readInstallation } from "../windows/installation.js";
import type { RegistryKey } from "../windows/registry.js";
import { parseInf } from "./inf.js";
import { resolveInf, type ResolvedInf } from "./inf-package.js";
import type { DriverSource } from "./source.js";
import { compareDecorations, describeOs, type TargetOs, type WindowsArch } from "./target-os.js";

/** virtio-win OS folders (names as on the virtio-win ISO) and the Windows each one is built for. */
const VIRTIO_OS_DIRS: Array<{ dir: string; major: number; minor: number; server: boolean; minBuild?: number; maxBuild?: number }> = [
  { dir: "xp", major: 5, minor: 1, server: false },
  { dir: "2k3", major: 5, minor: 2, server: true },
  { dir: "2k8", major: 6, minor: 0, server: true },
  { dir: "2k8R2", major: 6, minor: 1, server: true },
  { dir: "w7", major: 6, minor: 1, server: false },
  { dir: "2k12", major: 6, minor: 2, server: true },
  { dir: "w8", major: 6, minor: 2, server: false },
  { dir: "2k12R2", major: 6, minor: 3, server: true },
  { dir: "w8.1", major: 6, minor: 3, server: false },
  // Server builds from reference 13.1 (marked UNVERIFIED there): 14393, 17763, 20348, 26100.
  { dir: "2k16", major: 10, minor: 0, server: true, maxBuild: 17762 },
  { dir: "2k19", major: 10, minor: 0, server: true, minBuild: 17763, maxBuild: 20347 },
  { dir: "2k22", major: 10, minor: 0, server: true, minBuild: 20348, maxBuild: 26099 },
  { dir: "2k25", major: 10, minor: 0, server: true, minBuild: 26100 },
  { dir: "w10", major: 10, minor: 0, server: false, maxBuild: 21999 },
  { dir: "w11", major: 10, minor: 0, server: false, minBuild: 22000 },
];
const VIRTIO_ARCH: Record<string, WindowsArch> = { x86: "x86", amd64: "amd64", arm64: "arm64" };

/** The virtio-win OS folder for `os`, or undefined (then no virtio-win folder fits it). */
export function virtioOsDir(os: TargetOs): string | undefined {
  const server = os.productType !== 1;
  return VIRTIO_OS_DIRS.find((osDir) => osDir.major === os.major && osDir.minor === os.minor && osDir.server === server && (osDir.minBuild === undefined || os.build >= osDir.minBuild) && (osDir.maxBuild === undefined || os.build <= osDir.maxBuild))?.dir;
}

/** The image's Windows as driver selection needs it; DriverError naming what is unknown. */
export function targetOsOf(system: RegistryKey, software: RegistryKey | undefined, where: string): TargetOs {
  const ccs = system.key(readControlSets(system).resolved);
  if (!ccs) throw new DriverError("no-control-set", `${where}: the SYSTEM hive has no control set`);
  const inst = readInstallation(ccs, software);
  const missing: string[] = [];
  if (inst.build === null) missing.push("the build (SOFTWARE CurrentBuildNumber)");
  if (inst.ntVersion === null) missing.push("the version (SOFTWARE CurrentVersion)");
  if (inst.architecture === null) missing.push("the architecture (PROCESSOR_ARCHITECTURE)");
  if (inst.role === "unknown") missing.push("client or server (ProductOptions ProductType)");
  if (missing.length > 0) throw new DriverError("windows-unknown", `${where}: cannot tell ${missing.join(", ")}, so no driver build can be chosen safely`, { path: where });
  let [major, minor] = inst.ntVersion!.split(".").map(Number);
  // CurrentVersion stays "6.3" on Windows 10/11 (reference 13.1): the build says which.
  if (major === 6 && minor === 3 && inst.build! >= 10000) [major, minor] = [10, 0];
  const arch = inst.architecture === "x64" ? "amd64" : inst.architecture;
  if (arch !== "x86" && arch !== "amd64" && arch !== "arm64") throw new DriverError("windows-arch-unknown", `${where}: architecture ${inst.architecture} is not x86, x64 or ARM64`, { path: where });
  return { arch, major: major!, minor: minor!, build: inst.build!, productType: inst.role === "workstation" ? 1 : inst.role === "domain-controller" ? 2 : 3 };
}

export interface DriverChoice {
  /** Driver name: the virtio-win DRIVER folder, else the INF's name without .inf. */
  driver: string;
  infPath: string;
  resolved: ResolvedInf;
  why: string;
}

export interface DriverSelection {
  os: TargetOs;
  osDescription: string;
  virtioOsDir: string | null;
  chosen: DriverChoice[];
  /** Drivers present in the source with no package for this image, and why each was passed over. */
  unmatched: Array<{ driver: string; reasons: string[] }>;
}

interface Candidate {
  /** Shown name: the virtio-win DRIVER folder, else the INF's name without .inf. */
  driver: string;
  /** Grouping key: the INF's file name, lower case (the same driver in both virtio-win layouts). */
  key: string;
  infPath: string;
  virtio?: { osDir: string; arch: string };
}

/**
 * INFs of the source. virtio-win ships each driver twice: DRIVER/OSDIR/ARCH/x.inf and
 * ARCH/OSDIR/x.inf (the same files); both are recognised.
 */
function candidates(files: string[]): Candidate[] {
  const osDirs = new Map(VIRTIO_OS_DIRS.map((osDir) => [osDir.dir.toLowerCase(), osDir.dir]));
  return files
    .filter((file) => /\.inf$/i.test(file))
    .map((infPath) => {
      const parts = infPath.split("/");
      const depth = parts.length;
      const name = parts[depth - 1].replace(/\.inf$/i, "");
      const key = parts[depth - 1].toLowerCase();
      if (depth >= 4 && osDirs.has(parts[depth - 3].toLowerCase()) && VIRTIO_ARCH[parts[depth - 2].toLowerCase()]) {
        return { driver: parts[depth - 4], key, infPath, virtio: { osDir: osDirs.get(parts[depth - 3].toLowerCase())!, arch: VIRTIO_ARCH[parts[depth - 2].toLowerCase()] } };
      }
      if (depth >= 3 && VIRTIO_ARCH[parts[depth - 3].toLowerCase()] && osDirs.has(parts[depth - 2].toLowerCase())) {
        return { driver: name, key, infPath, virtio: { osDir: osDirs.get(parts[depth - 2].toLowerCase())!, arch: VIRTIO_ARCH[parts[depth - 3].toLowerCase()] } };
      }
      return { driver: name, key, infPath };
    });
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * One package among several that fit: the same INF bytes are one package (virtio-win's two
 * layouts; the DRIVER/OSDIR/ARCH one is kept, it sorts first); else the closest decoration;
 * a tie is ambiguous (undefined).
 */
function pickOne<T extends DriverChoice & { sha: string }>(options: T[]): T | undefined {
  if (new Set(options.map((option) => option.sha)).size === 1) return [...options].sort((a, b) => b.infPath.split("/").length - a.infPath.split("/").length)[0];
  const sorted = [...options].sort((a, b) => compareDecorations(a.resolved.decoration, b.resolved.decoration));
  return compareDecorations(sorted[0].resolved.decoration, sorted[1].resolved.decoration) < 0 ? sorted[0] : undefined;
}

/** Chooses one package per driver for `os` (`only`: driver names to keep, case-insensitive). */
export function selectDrivers(source: DriverSource, os: TargetOs, only?: string[]): DriverSelection {
  const osDir = virtioOsDir(os);
  const byDriver = new Map<string, { name: string; options: Array<DriverChoice & { sha: string }>; reasons: string[] }>();
  const keep = only?.map((name) => name.toLowerCase());
  for (const candidate of candidates(source.files())) {
    if (keep && !keep.includes(candidate.driver.toLowerCase()) && !keep.includes(candidate.key.replace(/\.inf$/, ""))) continue;
    const slot = byDriver.get(candidate.key) ?? { name: candidate.driver, options: [], reasons: [] };
    if (candidate.virtio && candidate.infPath.split("/").length >= 4) slot.name = candidate.driver;
    byDriver.set(candidate.key, slot);
    if (candidate.virtio) {
      if (candidate.virtio.osDir !== osDir || candidate.virtio.arch !== os.arch) {
        slot.reasons.push(`${candidate.infPath}: folder ${candidate.virtio.osDir}/${candidate.virtio.arch} is for another Windows or architecture (this image needs ${osDir ?? "a folder virtio-win does not have"}/${os.arch})`);
        continue;
      }
    }
    const bytes = source.read(candidate.infPath);
    const inf = parseInf(bytes, `${source.description}:${candidate.infPath}`);
    let rejection;
    try {
      rejection = resolveInf(inf, os);
    } catch (err) {
      // A non-device INF (no [Manufacturer]) is not a driver package: skipped, with the reason.
      if (err instanceof InfError && err.code === "inf-no-manufacturer") {
        slot.reasons.push(`${candidate.infPath}: ${err.message}`);
        continue;
      }
      throw err;
    }
    if ("rejected" in rejection) {
      slot.reasons.push(...rejection.rejected.map((reason) => `${candidate.infPath}: ${reason}`));
      continue;
    }
    const why = candidate.virtio ? `virtio-win folder ${candidate.virtio.osDir}/${candidate.virtio.arch} is the one for ${describeOs(os)}; ${rejection.why}` : rejection.why;
    slot.options.push({ driver: candidate.driver, infPath: candidate.infPath, resolved: rejection, why, sha: sha(bytes) });
  }
  const chosen: DriverChoice[] = [];
  const unmatched: DriverSelection["unmatched"] = [];
  for (const slot of byDriver.values()) {
    if (slot.options.length === 0) {
      unmatched.push({ driver: slot.name, reasons: slot.reasons });
      continue;
    }
    const one = slot.options.length === 1 ? slot.options[0] : pickOne(slot.options);
    if (!one) {
      throw new DriverError("driver-ambiguous", `${source.description}: ${slot.options.length} packages of ${slot.name} fit ${describeOs(os)} (${slot.options.map((option) => option.infPath).join(", ")}); give the one to use as the source`, { path: source.description });
    }
    const { sha: _sha, ...choice } = one;
    chosen.push({ ...choice, driver: slot.name });
  }
  const known = new Set([...byDriver.values()].map((slot) => slot.name.toLowerCase()).concat([...byDriver.keys()].map((infName) => infName.replace(/\.inf$/, ""))));
  if (keep) for (const wanted of keep) if (!known.has(wanted)) unmatched.push({ driver: wanted, reasons: [`no INF for ${wanted} in ${source.description}`] });
  return { os, osDescription: describeOs(os), virtioOsDir: osDir ?? null, chosen, unmatched };
}
