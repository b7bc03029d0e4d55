/**
 * Registry changes that install a boot storage driver offline, as data (RegistryChange[]), so
 * diff, apply, verify and undo treat them like any fixup's changes:
 *
 * - the service key from the INF's AddService + service-install-section (inf-addservice-directive:
 *   ServiceType → Type, StartType → Start, ErrorControl, ServiceBinary → ImagePath,
 *   LoadOrderGroup → Group, DisplayName; the section's HKR AddReg lines land under the service
 *   key), in every control set (reference §1: boot-critical changes go to all control sets);
 * - up to Windows 7 / 2008 R2 (no SYSTEM\DriverDatabase): CriticalDeviceDatabase\<hwid with
 *   "\" as "#"> with Service and ClassGUID (reference §9.3; samples; virt-v2v's cdb_regedits);
 * - Windows 8 and later: DriverDatabase entries shaped like the inbox lsi_sas package in the
 *   Windows 10 sample hive (corpus dissect.regf/SYSTEM): DriverInfFiles\<inf> (default =
 *   [package], Active, Configurations), DeviceIds\<hwid> value <inf> = 01 ff 00 00,
 *   DriverPackages\<package> (Version blob, Provider, default = inf name, Configurations\<cfg>
 *   Service/ConfigFlags/ConfigScope, Descriptors\<hwid> Configuration/Manufacturer/Description).
 *
 * GUESSES (marked where used, easy to change): the package id suffix (Windows derives it from
 * the package; p2vfix uses the first 16 hex digits of the INF's SHA-256), ConfigScope 7 (copied
 * from the sample), the Version blob's first 8 bytes (copied from the sample), leaving out
 * SignerScore/StatusFlags (their meaning is not documented).
 */
import { createHash } from "node:crypto";
import type { RegData, RegistryChange } from "../changes/change.js";
import type { InfRegEntry, InfService, ResolvedInf } from "./inf-package.js";
import type { TargetOs } from "./target-os.js";

export const FIXUP_ID = "drivers";

const hex = (bytes: Uint8Array) => [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join(" ");

function regData(infRegEntry: InfRegEntry): RegData {
  const text = () => Buffer.from(infRegEntry.data).toString("utf16le").replace(/\u0000+$/, "");
  switch (infRegEntry.type) {
    case 1:
    case 2:
      return { type: infRegEntry.type === 1 ? "REG_SZ" : "REG_EXPAND_SZ", value: text() };
    case 4:
      return { type: "REG_DWORD", value: Buffer.from(infRegEntry.data).readUInt32LE(0) };
    case 7: {
      const parts = Buffer.from(infRegEntry.data).toString("utf16le").split("\u0000");
      return { type: "REG_MULTI_SZ", value: parts.slice(0, Math.max(0, parts.length - 2)) };
    }
    default:
      return { type: infRegEntry.type, hex: hex(infRegEntry.data) };
  }
}

/** ServiceBinary "%12%\x.sys" → ImagePath "System32\drivers\x.sys" (relative to SystemRoot). */
export function imagePathOf(binary: string): string {
  const dirids: Record<string, string> = { "10": "", "11": "System32\\", "12": "System32\\drivers\\" };
  const match = /^%(\d+)%\\(.+)$/.exec(binary.trim());
  if (match && dirids[match[1]] !== undefined) return dirids[match[1]] + match[2];
  return binary.trim();
}

/** The service key and its AddReg lines, in every control set. */
export function serviceChanges(infService: InfService, controlSets: string[], reason: string): RegistryChange[] {
  const out: RegistryChange[] = [];
  for (const cs of controlSets) {
    const key = `${cs}\\Services\\${infService.name}`;
    const set = (name: string, data: RegData) => out.push({ kind: "set-value", fixup: FIXUP_ID, hive: "SYSTEM", key, name, data, reason });
    set("Type", { type: "REG_DWORD", value: infService.serviceType });
    set("Start", { type: "REG_DWORD", value: infService.startType });
    set("ErrorControl", { type: "REG_DWORD", value: infService.errorControl });
    set("ImagePath", { type: "REG_EXPAND_SZ", value: imagePathOf(infService.serviceBinary) });
    if (infService.loadOrderGroup) set("Group", { type: "REG_SZ", value: infService.loadOrderGroup });
    if (infService.displayName) set("DisplayName", { type: "REG_SZ", value: infService.displayName });
    if (infService.dependencies) set("DependOnService", { type: "REG_MULTI_SZ", value: infService.dependencies });
    // A StartOverride would demote the new boot driver on this hardware (reference §9.1).
    out.push({ kind: "delete-key", fixup: FIXUP_ID, hive: "SYSTEM", key: `${key}\\StartOverride`, reason });
    for (const infRegEntry of infService.addReg) {
      if (infRegEntry.root !== "HKR" || (infRegEntry.flags & 0x4) !== 0) continue;
      const sub = infRegEntry.subkey ? `${key}\\${infRegEntry.subkey}` : key;
      if ((infRegEntry.flags & 0x10) !== 0) out.push({ kind: "create-key", fixup: FIXUP_ID, hive: "SYSTEM", key: sub, reason });
      else out.push({ kind: "set-value", fixup: FIXUP_ID, hive: "SYSTEM", key: sub, name: infRegEntry.name, data: regData(infRegEntry), reason: `${reason} (AddReg line ${infRegEntry.line})` });
    }
  }
  return out;
}

/** Pre-Windows 8: CriticalDeviceDatabase entries for every hardware id, in every control set. */
export function criticalDeviceChanges(ids: string[], service: string, classGuid: string, controlSets: string[], reason: string): RegistryChange[] {
  const out: RegistryChange[] = [];
  for (const cs of controlSets) {
    for (const id of ids) {
      const key = `${cs}\\Control\\CriticalDeviceDatabase\\${id.replace(/\\/g, "#").toLowerCase()}`;
      out.push({ kind: "set-value", fixup: FIXUP_ID, hive: "SYSTEM", key, name: "Service", data: { type: "REG_SZ", value: service }, reason });
      out.push({ kind: "set-value", fixup: FIXUP_ID, hive: "SYSTEM", key, name: "ClassGUID", data: { type: "REG_SZ", value: classGuid }, reason });
    }
  }
  return out;
}

/** GUESS: package id "<inf>_<arch>_<16 hex digits>"; Windows' own suffix derivation is not documented. */
export function driverStorePackageId(infName: string, infBytes: Uint8Array, os: TargetOs): string {
  return `${infName.toLowerCase()}_${os.arch}_${createHash("sha256").update(infBytes).digest("hex").slice(0, 16)}`;
}

function guidBytes(guid: string): Uint8Array {
  const groups = guid.replace(/[{}]/g, "").split("-");
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, parseInt(groups[0], 16), true);
  dv.setUint16(4, parseInt(groups[1], 16), true);
  dv.setUint16(6, parseInt(groups[2], 16), true);
  const rest = groups[3] + groups[4];
  for (let i = 0; i < 8; i++) out[8 + i] = parseInt(rest.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * The DriverPackages Version blob, laid out as in the sample (48 bytes): 8-byte header
 * ff ff 09 00 00 00 00 00 (GUESS: copied), class GUID, FILETIME of DriverVer's date, the
 * version as a 64-bit number (major<<48 | minor<<32 | build<<16 | revision), 8 zero bytes.
 * The sample's lsi_sas blob decodes to DriverVer 1.34.3.83, the inbox driver's version.
 */
export function versionBlob(classGuid: string, driverVer: string | undefined): Uint8Array {
  const out = new Uint8Array(48);
  out.set([0xff, 0xff, 0x09, 0x00], 0);
  out.set(guidBytes(classGuid), 8);
  const [date = "", version = ""] = (driverVer ?? "").split(",").map((field) => field.trim());
  const dm = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(date);
  const dv = new DataView(out.buffer);
  if (dm) {
    const ms = Date.UTC(Number(dm[3]), Number(dm[1]) - 1, Number(dm[2]));
    dv.setBigUint64(24, BigInt(ms) * 10000n + 116444736000000000n, true);
  }
  const parts = version.split(".").map((part) => Number(part) & 0xffff);
  const packed = parts.slice(0, 4).reduce((acc, part, i) => acc | (BigInt(Number.isFinite(part) ? part : 0) << BigInt(48 - 16 * i)), 0n);
  dv.setBigUint64(32, packed, true);
  return out;
}

/** Windows 8+: the DriverDatabase entries binding the package's hardware ids to its service. */
export function driverDatabaseChanges(resolvedInf: ResolvedInf, infName: string, packageId: string, reason: string): RegistryChange[] {
  const out: RegistryChange[] = [];
  const set = (key: string, name: string, data: RegData) => out.push({ kind: "set-value", fixup: FIXUP_ID, hive: "SYSTEM", key, name, data, reason });
  const inf = infName.toLowerCase();
  const configs = [...new Set(resolvedInf.devices.map((device) => device.installSection))];
  set(`DriverDatabase\\DriverInfFiles\\${inf}`, "", { type: "REG_MULTI_SZ", value: [packageId] });
  set(`DriverDatabase\\DriverInfFiles\\${inf}`, "Active", { type: "REG_SZ", value: packageId });
  set(`DriverDatabase\\DriverInfFiles\\${inf}`, "Configurations", { type: "REG_MULTI_SZ", value: configs });
  const pkg = `DriverDatabase\\DriverPackages\\${packageId}`;
  set(pkg, "Version", { type: "REG_BINARY", hex: hex(versionBlob(resolvedInf.classGuid ?? "{00000000-0000-0000-0000-000000000000}", resolvedInf.driverVer)) });
  set(pkg, "", { type: "REG_SZ", value: inf });
  if (resolvedInf.provider) set(pkg, "Provider", { type: "REG_SZ", value: resolvedInf.provider });
  const associated = resolvedInf.services.find((service) => service.associated) ?? resolvedInf.services[0];
  for (const config of configs) {
    if (associated) set(`${pkg}\\Configurations\\${config}`, "Service", { type: "REG_SZ", value: associated.name });
    set(`${pkg}\\Configurations\\${config}`, "ConfigFlags", { type: "REG_DWORD", value: 0 });
    set(`${pkg}\\Configurations\\${config}`, "ConfigScope", { type: "REG_DWORD", value: 7 }); // GUESS: the sample's value
  }
  for (const device of resolvedInf.devices) {
    for (const id of device.hardwareIds) {
      set(`DriverDatabase\\DeviceIds\\${id}`, inf, { type: "REG_BINARY", hex: "01 ff 00 00" });
      set(`${pkg}\\Descriptors\\${id}`, "Configuration", { type: "REG_SZ", value: device.installSection });
      set(`${pkg}\\Descriptors\\${id}`, "Description", { type: "REG_SZ", value: device.description });
    }
  }
  return out;
}
