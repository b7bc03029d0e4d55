/**
 * The chosen packages → what to write in the image, as data: files (bytes + image path) and
 * registry changes (RegistryChange[]), so the write, the diff and the undo are the common ones.
 *
 * Boot storage drivers (an AddService with StartType 0, boot start, in a SCSIAdapter/HDC
 * class package) are installed offline the way virt-v2v does it (landscape.md, "How the peers
 * do it"; reference §9.3): the .sys files into System32\drivers, the service key from the INF,
 * and the hardware ids bound — CriticalDeviceDatabase before Windows 8, DriverDatabase plus the
 * package staged in System32\DriverStore\FileRepository\<package> from Windows 8 on.
 * Every other driver (NIC, balloon, serial) is staged for Plug and Play: the package folder
 * under Windows\Drivers\p2vfix\<driver>, and that folder appended to SOFTWARE
 * Microsoft\Windows\CurrentVersion\DevicePath (what virt-v2v does with Drivers\VirtIO), so PnP
 * finds it when the new device appears at the first boot.
 */
import type { RegistryChange } from "../changes/change.js";
import { DriverError } from "../errors.js";
import { readControlSets } from "../windows/control-sets.js";
import type { RegistryKey } from "../windows/registry.js";
import { readString } from "../windows/registry.js";
import { criticalDeviceChanges, driverDatabaseChanges, driverStorePackageId, FIXUP_ID, serviceChanges } from "./bindings.js";
import type { DriverChoice, DriverSelection } from "./select.js";
import type { DriverSource } from "./source.js";

/** Setup classes of boot storage controllers: SCSIAdapter and HDC (reference §9.1). */
const STORAGE_CLASSES = new Set(["{4d36e97b-e325-11ce-bfc1-08002be10318}", "{4d36e96a-e325-11ce-bfc1-08002be10318}"]);

export interface PlannedFile {
  /** "/"-separated path on the Windows volume. */
  path: string;
  bytes: Uint8Array;
  /** Where it comes from (source:path). */
  from: string;
}

export interface PlannedDriver {
  driver: string;
  infPath: string;
  mode: "boot-storage" | "plug-and-play";
  service: string | null;
  binding: "CriticalDeviceDatabase" | "DriverDatabase" | "DevicePath";
  hardwareIds: string[];
  why: string;
  issues: string[];
  packageId?: string;
}

export interface DriverInstallPlan {
  files: PlannedFile[];
  registry: RegistryChange[];
  drivers: PlannedDriver[];
  notices: string[];
}

const infDir = (infPath: string) => (infPath.includes("/") ? infPath.slice(0, infPath.lastIndexOf("/") + 1) : "");
const infBase = (infPath: string) => infPath.slice(infPath.lastIndexOf("/") + 1);

/** A boot storage controller driver: SCSIAdapter/HDC class with an associated boot-start service. */
export function isBootStorage(driverChoice: DriverChoice): boolean {
  const resolvedInf = driverChoice.resolved;
  return STORAGE_CLASSES.has((resolvedInf.classGuid ?? "").toLowerCase()) && resolvedInf.services.some((service) => service.associated && service.startType === 0);
}

/** The package's own files: the INF, its catalog, and every file CopyFiles names (read now: a missing one is an error). */
function packageFiles(source: DriverSource, driverChoice: DriverChoice): Array<{ name: string; bytes: Uint8Array; from: string; dirid?: number }> {
  const dir = infDir(driverChoice.infPath);
  const read = (rel: string, line?: number) => {
    try {
      return source.read(dir + rel);
    } catch (err) {
      throw new DriverError("driver-file-missing", `${source.description}:${driverChoice.infPath}${line ? `:${line}` : ""}: ${rel} is named by the INF but is not in the package (${(err as Error).message})`, { path: `${source.description}:${driverChoice.infPath}`, ...(line ? { line } : {}), cause: err });
    }
  };
  const out: Array<{ name: string; bytes: Uint8Array; from: string; dirid?: number }> = [{ name: infBase(driverChoice.infPath), bytes: source.read(driverChoice.infPath), from: `${source.description}:${driverChoice.infPath}` }];
  if (driverChoice.resolved.catalogFile) out.push({ name: driverChoice.resolved.catalogFile, bytes: read(driverChoice.resolved.catalogFile), from: `${source.description}:${dir}${driverChoice.resolved.catalogFile}` });
  for (const file of driverChoice.resolved.files) out.push({ name: file.name, bytes: read(file.source, file.line), from: `${source.description}:${dir}${file.source}`, dirid: file.dirid });
  return out;
}

export interface PlanTarget {
  system: RegistryKey;
  software?: RegistryKey;
  /** "Windows" (or "WINNT"), the folder holding System32 on the volume. */
  systemRoot: string;
}

export function planDriverInstall(selection: DriverSelection, source: DriverSource, target: PlanTarget): DriverInstallPlan {
  if (selection.chosen.length === 0) {
    const why = selection.unmatched.flatMap((unmatched) => unmatched.reasons.slice(0, 3).map((reason) => `  ${unmatched.driver}: ${reason}`)).join("\n");
    throw new DriverError("no-driver-for-windows", `${source.description}: no driver package fits ${selection.osDescription}${why ? `:\n${why}` : ""}`, { path: source.description });
  }
  const controlSets = readControlSets(target.system).available;
  const useDriverDatabase = target.system.subkey("DriverDatabase") !== undefined;
  const root = `/${target.systemRoot}`;
  const files: PlannedFile[] = [];
  const registry: RegistryChange[] = [];
  const drivers: PlannedDriver[] = [];
  const notices: string[] = [];
  const stagedFolders: string[] = [];
  for (const driverChoice of selection.chosen) {
    const pkg = packageFiles(source, driverChoice);
    const ids = driverChoice.resolved.devices.flatMap((device) => device.hardwareIds);
    const reason = `${driverChoice.driver} from ${source.description}:${driverChoice.infPath} (${driverChoice.resolved.driverVer ?? "no DriverVer"})`;
    if (isBootStorage(driverChoice)) {
      const service = driverChoice.resolved.services.find((infService) => infService.associated && infService.startType === 0)!;
      for (const packageFile of pkg) if (packageFile.dirid === 12) files.push({ path: `${root}/System32/drivers/${packageFile.name}`, bytes: packageFile.bytes, from: packageFile.from });
      const other = pkg.filter((packageFile) => packageFile.dirid !== undefined && packageFile.dirid !== 12);
      if (other.length > 0) notices.push(`${driverChoice.driver}: ${other.map((packageFile) => `${packageFile.name} (DIRID ${packageFile.dirid})`).join(", ")} left to Plug and Play at the first boot (only DIRID 12, the drivers folder, is written offline)`);
      for (const infService of driverChoice.resolved.services) registry.push(...serviceChanges(infService, controlSets, reason));
      let packageId: string | undefined;
      if (useDriverDatabase) {
        const infName = infBase(driverChoice.infPath);
        packageId = driverStorePackageId(infName, pkg[0].bytes, selection.os);
        registry.push(...driverDatabaseChanges(driverChoice.resolved, infName, packageId, reason));
        for (const packageFile of pkg) files.push({ path: `${root}/System32/DriverStore/FileRepository/${packageId}/${packageFile.name}`, bytes: packageFile.bytes, from: packageFile.from });
      } else {
        if (!driverChoice.resolved.classGuid) throw new DriverError("inf-no-classguid", `${source.description}:${driverChoice.infPath}: [Version] has no ClassGUID, needed for the CriticalDeviceDatabase entry`, { path: `${source.description}:${driverChoice.infPath}` });
        registry.push(...criticalDeviceChanges(ids, service.name, driverChoice.resolved.classGuid, controlSets, reason));
      }
      drivers.push({ driver: driverChoice.driver, infPath: driverChoice.infPath, mode: "boot-storage", service: service.name, binding: useDriverDatabase ? "DriverDatabase" : "CriticalDeviceDatabase", hardwareIds: ids, why: driverChoice.why, issues: driverChoice.resolved.issues, ...(packageId ? { packageId } : {}) });
    } else {
      if (!/^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$/.test(driverChoice.driver)) throw new DriverError("driver-bad-name", `${source.description}: driver folder name "${driverChoice.driver}" is not a plain name (letters, digits, . _ - and spaces)`, { path: source.description });
      const folder = `${root}/Drivers/p2vfix/${driverChoice.driver}`;
      for (const packageFile of pkg) files.push({ path: `${folder}/${packageFile.name}`, bytes: packageFile.bytes, from: packageFile.from });
      stagedFolders.push(`%SystemRoot%\\Drivers\\p2vfix\\${driverChoice.driver}`);
      drivers.push({ driver: driverChoice.driver, infPath: driverChoice.infPath, mode: "plug-and-play", service: driverChoice.resolved.services.find((service) => service.associated)?.name ?? null, binding: "DevicePath", hardwareIds: ids, why: driverChoice.why, issues: driverChoice.resolved.issues });
    }
  }
  if (stagedFolders.length > 0) {
    const key = "Microsoft\\Windows\\CurrentVersion";
    if (!target.software) throw new DriverError("no-software-hive", "drivers staged for Plug and Play are found through SOFTWARE DevicePath, and the target has no SOFTWARE hive");
    const current = readString(target.software.key(key), "DevicePath") ?? "%SystemRoot%\\inf";
    const parts = current.split(";").filter((folder) => folder !== "");
    const added = stagedFolders.filter((stagedFolder) => !parts.some((part) => part.toLowerCase() === stagedFolder.toLowerCase()));
    if (added.length > 0) {
      registry.push({ kind: "set-value", fixup: FIXUP_ID, hive: "SOFTWARE", key, name: "DevicePath", data: { type: "REG_EXPAND_SZ", value: [...parts, ...added].join(";") }, reason: `Plug and Play looks for the staged drivers (${added.join(", ")}) here at the first boot` });
    }
  }
  return { files, registry, drivers, notices };
}
