/**
 * Boot storage chain (reference 9.2, 9.3): per target hypervisor, whether a boot driver will
 * load, and whether the storage class filters name services that cannot start (0x7B).
 */
import { knowledge } from "./knowledge.js";
import { readMulti, readString, subkeysNamed, type RegistryKey } from "./registry.js";
import type { BootPath, BootStorage, BootTarget, ClassFilter, DriverCheck, HardwareIdCheck, NicDriver, Service } from "./schema.js";

/** Answers whether a file exists under the Windows directory; absent when no filesystem is known. */
export type DriverFileCheck = (serviceName: string, imagePath: string | null) => boolean;

function driverCheck(name: string, services: Map<string, Service>, fileExists: DriverFileCheck | undefined): DriverCheck {
  const service = services.get(name.toLowerCase());
  if (!service || !service.installed) return { service: name, state: "missing", start: service?.start ?? null, startOverride: service?.startOverride ?? {}, imageFile: "not-checked" };
  const demoted = Object.values(service.startOverride).some((start) => start !== 0);
  const state: DriverCheck["state"] = service.start === 0 ? (demoted ? "demoted-by-override" : "boot-start") : service.start === 4 ? "disabled" : "not-boot-start";
  const imageFile: DriverCheck["imageFile"] = fileExists ? (fileExists(service.name, service.imagePath) ? "present" : "absent") : "not-checked";
  return { service: service.name, state, start: service.start, startOverride: service.startOverride, imageFile };
}

function hardwareIdCheck(hwid: string, system: RegistryKey, cdd: Map<string, RegistryKey> | undefined, more: MoreSpecific): HardwareIdCheck {
  if (!cdd) {
    const key = system.key(`DriverDatabase\\DeviceIds\\${hwid}`);
    if (key !== undefined && key.values().length > 0) return { hardwareId: hwid, database: "DriverDatabase", found: true, binding: key.values()[0].name };
    const specific = more.driverDatabase(hwid);
    return { hardwareId: hwid, database: "DriverDatabase", found: specific !== undefined, binding: specific?.values()[0]?.name ?? null };
  }
  const key = cdd.get(criticalDeviceName(hwid)) ?? more.criticalDevice(hwid);
  return { hardwareId: hwid, database: "CriticalDeviceDatabase", found: key !== undefined, binding: readString(key, "Service") ?? null };
}

/**
 * Entries for a more specific form of an id ("pci\\ven_1af4&dev_1001&subsys_00021af4&rev_00"
 * for "pci\\ven_1af4&dev_1001"): PnP matches a device by its most specific ids first (PCI ids
 * with SUBSYS and REV, "Identifiers for PCI Devices" on Microsoft Learn), and driver INFs and
 * virt-v2v bind those. Only looked for when the plain id is not there; subkey names read once.
 */
interface MoreSpecific {
  criticalDevice(hwid: string): RegistryKey | undefined;
  driverDatabase(hwid: string): RegistryKey | undefined;
}

function moreSpecific(system: RegistryKey, cddRoot: RegistryKey | undefined): MoreSpecific {
  const cache = new Map<RegistryKey, RegistryKey[]>();
  const under = (parent: RegistryKey | undefined, prefix: string) => {
    if (!parent) return undefined;
    let children = cache.get(parent);
    if (!children) cache.set(parent, (children = parent.subkeys()));
    const want = prefix.toLowerCase() + "&";
    return children.find((child) => child.name.toLowerCase().startsWith(want) && child.values().length > 0);
  };
  return {
    criticalDevice: (hwid) => under(cddRoot, criticalDeviceName(hwid)),
    driverDatabase: (hwid) => {
      const cut = hwid.indexOf("\\");
      return cut < 0 ? undefined : under(system.key(`DriverDatabase\\DeviceIds\\${hwid.slice(0, cut)}`), hwid.slice(cut + 1));
    },
  };
}

/** A hardware id as a CriticalDeviceDatabase key name ("pci\\ven_..." is stored as "pci#ven_..."). */
function criticalDeviceName(hwid: string): string {
  return hwid.replace(/\\/g, "#");
}

/** A path that boots now, or once p2vfix sets its installed drivers to boot-start (its hardware id bound). */
export function usablePath(bootPath: BootPath): boolean {
  return bootPath.ok || (bootPath.drivers.every((driver) => driver.state !== "missing") && (bootPath.hardwareIds.length === 0 || bootPath.hardwareIds.some((hardwareId) => hardwareId.found)));
}

/**
 * Which controller the VM must use, when some of the target's controllers cannot boot the image
 * (null: any will do). When a path boots already, the boot-storage fixup changes nothing, so only
 * those paths are advised; else the paths it can enable (drivers installed, hardware id bound).
 */
export function controllerAdvice(name: string, paths: BootPath[]): string | null {
  const usable = paths.some((path) => path.ok) ? paths.filter((path) => path.ok) : paths.filter(usablePath);
  const unusable = paths.filter((path) => !usable.includes(path));
  if (unusable.length === 0) return null;
  const missing = [...new Set(unusable.flatMap((bootPath) => bootPath.drivers.filter((driver) => driver.state === "missing").map((driver) => driver.service)))];
  if (usable.length === 0) {
    const why = missing.length > 0 ? `driver${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not installed` : "no hardware id bound";
    return `No ${name} boot controller can load this image (${why}): install the drivers in the image or on the source before converting, or boot it where it has a driver.`;
  }
  return `Boot the VM from ${usable.map((bootPath) => bootPath.advice).join(", or ")}; not from ${unusable.map((bootPath) => `${bootPath.description} (${bootPath.reasons.join("; ")})`).join(", ")}.`;
}

/** True for a sentence controllerAdvice wrote (a plan that adds drivers replaces it). */
export function isControllerAdvice(notice: string): boolean {
  return /^No .+ boot controller can load this image \(/.test(notice) || /^Boot the VM from .+; not from /.test(notice);
}

/** Build range of a path (data minBuild/maxBuild); an unknown build keeps every path. */
function appliesTo(range: { minBuild?: number; maxBuild?: number }, build: number | null): boolean {
  if (build === null) return true;
  return (range.minBuild === undefined || build >= range.minBuild) && (range.maxBuild === undefined || build <= range.maxBuild);
}

function nicDriver(nic: { model: string; services: string[]; inboxFrom: number | null; inboxVerified: boolean; source: string }, byName: Map<string, Service>, build: number | null): NicDriver {
  const installed = nic.services.map((service) => byName.get(service.toLowerCase())).find((service) => service?.installed);
  if (installed) return { model: nic.model, state: "installed", services: nic.services, evidence: `service ${installed.name} (Start=${installed.start ?? "absent"})` };
  if (nic.inboxFrom !== null && build === null) {
    return { model: nic.model, state: "in-box-unverified", services: nic.services, evidence: `Windows ships ${nic.services.join("/")} from build ${nic.inboxFrom}; this image's build is unknown` };
  }
  if (nic.inboxFrom !== null && build !== null && build >= nic.inboxFrom) {
    return { model: nic.model, state: nic.inboxVerified ? "in-box" : "in-box-unverified", services: nic.services, evidence: `Windows ships ${nic.services.join("/")} from build ${nic.inboxFrom} (${nic.source}${nic.inboxVerified ? "" : ", unverified"})` };
  }
  return { model: nic.model, state: "missing", services: nic.services, evidence: `none of ${nic.services.join(", ")} is installed${nic.inboxFrom === null ? "; Windows does not ship it" : ""}` };
}

export function readBootStorage(system: RegistryKey, ccs: RegistryKey, services: Service[], fileExists?: DriverFileCheck, build: number | null = null): BootStorage {
  const byName = new Map<string, Service>();
  for (const service of services) byName.set(service.name.toLowerCase(), service);
  const useDriverDatabase = system.subkey("DriverDatabase") !== undefined;
  const { targets, filterClasses } = knowledge().boot;
  const cdd = useDriverDatabase
    ? undefined
    : // One pass over its thousands of subkeys (Windows 7) for every id of every target.
      subkeysNamed(
        ccs.key("Control\\CriticalDeviceDatabase"),
        Object.values(targets).flatMap((target) => target.paths.flatMap((path) => path.hardwareIds.map(criticalDeviceName))),
      );
  const more = moreSpecific(system, useDriverDatabase ? undefined : ccs.key("Control\\CriticalDeviceDatabase"));
  const out: BootTarget[] = Object.entries(targets).map(([target, value]) => {
    const paths: BootPath[] = value.paths.filter((path) => appliesTo(path, build)).map((path) => {
      const drivers = path.drivers.map((driver) => driverCheck(driver, byName, fileExists));
      const hardwareIds = path.hardwareIds.map((hardwareId) => hardwareIdCheck(hardwareId, system, cdd, more));
      const reasons: string[] = [];
      for (const driver of drivers) {
        if (driver.state === "missing") reasons.push(`${driver.service} is not installed`);
        else if (driver.state === "disabled") reasons.push(`${driver.service} is disabled (Start=4)`);
        else if (driver.state === "not-boot-start") reasons.push(`${driver.service} is not boot-start (Start=${driver.start})`);
        else if (driver.state === "demoted-by-override") reasons.push(`${driver.service} has a StartOverride that demotes it`);
        if (driver.imageFile === "absent") reasons.push(`${driver.service}'s driver file is missing`);
      }
      if (hardwareIds.length > 0 && !hardwareIds.some((hardwareId) => hardwareId.found)) {
        reasons.push(`no ${useDriverDatabase ? "DriverDatabase" : "CriticalDeviceDatabase"} entry for ${path.hardwareIds.join(" or ")}`);
      }
      return { id: path.id, description: path.description, controller: path.controller, advice: path.advice, drivers, hardwareIds, ok: reasons.length === 0, reasons };
    });
    return { target, name: value.name, paths, willLoad: paths.some((path) => path.ok), advice: controllerAdvice(value.name, paths), nics: value.nics.map((nic) => nicDriver(nic, byName, build)) };
  });

  const filters: ClassFilter[] = [];
  const classRoot = ccs.key("Control\\Class");
  for (const [guid, className] of Object.entries(filterClasses)) {
    const cls = classRoot?.subkey(guid);
    for (const list of ["UpperFilters", "LowerFilters"] as const) {
      const names = readMulti(cls, list);
      if (!names || names.length === 0) continue;
      const broken = names.flatMap((name) => {
        const service = byName.get(name.toLowerCase());
        if (!service || !service.installed) return [{ service: name, reason: "service not installed" }];
        if (service.start === 4) return [{ service: name, reason: "service disabled (Start=4)" }];
        return [];
      });
      filters.push({ classGuid: cls!.name, className, list, services: names, broken });
    }
  }
  return { database: useDriverDatabase ? "DriverDatabase" : "CriticalDeviceDatabase", targets: out, filters };
}
