/**
 * What an INF installs on one Windows (TargetOs): the Models section its [Manufacturer]
 * decorations select, the devices (hardware ids) and their DDInstall sections, the services
 * (AddService + service-install-section), the files (CopyFiles, DestinationDirs,
 * [SourceDisksFiles], [SourceDisksNames]) and registry lines (AddReg). Directives p2vfix does
 * not act on are reported in `issues`, never silently dropped.
 *
 * Sources (Microsoft Learn, windows-hardware/drivers/install/...):
 * inf-version-section, inf-manufacturer-section, inf-models-section, inf-ddinstall-section
 * (platform extensions: .NTamd64 then .NT then none, "Creating INF Files for Multiple
 * Platforms and Operating Systems"), inf-ddinstall-services-section, inf-addservice-directive
 * (ServiceType, StartType, ErrorControl, ServiceBinary, LoadOrderGroup, AddReg; flag 0x2 =
 * SPSVCINST_ASSOCSERVICE), inf-copyfiles-directive ("@file" form), inf-destinationdirs-section
 * (DIRID 12 = %SystemRoot%\System32\drivers, 10 = %SystemRoot%, 11 = System32),
 * inf-sourcedisksfiles-section, inf-sourcedisksnames-section (4th field = path),
 * inf-addreg-directive (flags: 0 REG_SZ, 0x10000 REG_MULTI_SZ, 0x20000 REG_EXPAND_SZ,
 * 0x1 REG_BINARY, 0x10001 REG_DWORD, 0x20001 REG_NONE, 0x2 NOCLOBBER, 0x4 DELVAL, 0x8 APPEND,
 * 0x10 KEYONLY, 0x20 OVERWRITEONLY; HKR = the key of the section's context: the service key in
 * a service-install-section), inf-include-directive / inf-needs-directive.
 */
import type { InfEntry, InfFile } from "./inf.js";
import { compareDecorations, decorationMismatch, describeOs, parseDecoration, type Decoration, type TargetOs } from "./target-os.js";

export interface InfRegEntry {
  root: string;
  subkey: string;
  name: string;
  /** Registry type number (1 SZ, 2 EXPAND_SZ, 3 BINARY, 4 DWORD, 7 MULTI_SZ, 0 NONE...). */
  type: number;
  data: Uint8Array;
  flags: number;
  line: number;
}

export interface InfService {
  name: string;
  flags: number;
  /** SPSVCINST_ASSOCSERVICE (0x2): the device's function driver. */
  associated: boolean;
  displayName?: string;
  serviceType: number;
  startType: number;
  errorControl: number;
  /** As written, DIRID kept: "%12%\viostor.sys". */
  serviceBinary: string;
  loadOrderGroup?: string;
  dependencies?: string[];
  addReg: InfRegEntry[];
  line: number;
}

export interface InfFileCopy {
  /** Name the file gets at its destination. */
  name: string;
  /** Path of the source relative to the INF's folder ("/"-separated). */
  source: string;
  dirid: number;
  subdir: string;
  line: number;
}

export interface InfDevice {
  description: string;
  hardwareIds: string[];
  /** The DDInstall section used, with its platform extension ("viostor_inst.NTamd64"). */
  installSection: string;
  line: number;
}

export interface ResolvedInf {
  inf: InfFile;
  className?: string;
  classGuid?: string;
  provider?: string;
  catalogFile?: string;
  driverVer?: string;
  /** Models section chosen, e.g. "VirtIO.NTamd64.10.0...17763", and why. */
  modelsSection: string;
  why: string;
  /** The TargetOSVersion decoration of the chosen Models section ({text: ""} when undecorated). */
  decoration: Decoration;
  devices: InfDevice[];
  services: InfService[];
  files: InfFileCopy[];
  /** Include/Needs of the DDInstall sections (system INFs, which are in the image, not here). */
  needs: string[];
  issues: string[];
}

const KNOWN_DDINSTALL = new Set(["copyfiles", "addreg", "include", "needs", "driverver", "featurescore", "addproperty", "delreg", "bitreg", "reboot", "restart", "copyinf", "characteristics", "bustype"]);
const KNOWN_SERVICE = new Set(["displayname", "description", "servicetype", "starttype", "errorcontrol", "servicebinary", "loadordergroup", "dependencies", "addreg", "delreg", "bitreg", "startname", "security"]);

export function infNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const trimmed = text.trim();
  const parsed = /^0x[0-9a-f]+$/i.test(trimmed) ? parseInt(trimmed.slice(2), 16) : /^\d+$/.test(trimmed) ? parseInt(trimmed, 10) : NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
}

function utf16z(texts: string[]): Uint8Array {
  return new Uint8Array(Buffer.from(texts.map((text) => text + "\u0000").join(""), "utf16le"));
}

/** One AddReg line as registry data (AddReg doc flags); throws InfError on a value that does not fit. */
function regEntry(inf: InfFile, infEntry: InfEntry): InfRegEntry {
  const fields = infEntry.key !== undefined ? [infEntry.key, ...infEntry.values] : infEntry.values;
  const [root = "", subkey = "", name = "", flagText = ""] = fields;
  const flags = flagText.trim() === "" ? 0 : infNumber(flagText);
  if (flags === undefined) throw inf.error("inf-bad-addreg", `AddReg flags "${flagText}" are not a number`, infEntry.line);
  const values = fields.slice(4);
  const typeBits = flags & 0xffff0001;
  let type: number;
  let data: Uint8Array;
  if (typeBits === 0x00000000) [type, data] = [1, utf16z([values.join(",")])];
  else if (typeBits === 0x00020000) [type, data] = [2, utf16z([values.join(",")])];
  else if (typeBits === 0x00010000) [type, data] = [7, utf16z([...values.filter((value, i) => value !== "" || i < values.length - 1), ""])];
  else if (typeBits === 0x00010001) {
    const flagValue = values.length === 0 ? 0 : infNumber(values[0]);
    if (flagValue === undefined || flagValue > 0xffffffff) throw inf.error("inf-bad-addreg", `REG_DWORD value "${values[0]}" is not a 32-bit number`, infEntry.line);
    type = 4;
    data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, flagValue, true);
  } else {
    // Binary: REG_BINARY (0x1), REG_NONE (0x20001), or another type in the high word.
    type = typeBits === 0x00000001 ? 3 : typeBits === 0x00020001 ? 0 : typeBits >>> 16;
    const bytes = values.map((value) => (/^[0-9a-f]{1,2}$/i.test(value.trim()) ? parseInt(value.trim(), 16) : NaN));
    if (bytes.some(Number.isNaN)) throw inf.error("inf-bad-addreg", `binary value bytes must be hex (00..ff)`, infEntry.line);
    data = new Uint8Array(bytes);
  }
  return { root: root.toUpperCase(), subkey, name, type, data, flags, line: infEntry.line };
}

/** Entries of the sections named in a directive's values (AddReg=a,b), each section required. */
function sectionsOf(inf: InfFile, entry: InfEntry): InfEntry[] {
  return entry.values.filter((value) => value !== "").flatMap((value) => {
    const infSection = inf.section(value);
    if (!infSection) throw inf.error("inf-missing-section", `section [${value}] named by ${entry.key} is not in the file`, entry.line);
    return infSection.entries;
  });
}

/** The DDInstall section with the best platform extension for `os`. */
function ddinstall(inf: InfFile, base: string, os: TargetOs): string | undefined {
  return [`${base}.NT${os.arch}`, `${base}.NT`, base].find((sectionName) => inf.section(sectionName) !== undefined);
}

/**
 * A file name from the INF must be a plain name, and a source sub-folder must stay inside the
 * package: p2vfix never reads or writes outside the folders it was given (an INF is input).
 */
function plainName(inf: InfFile, name: string, line: number): string {
  if (name === "" || name === "." || name === ".." || /[\\/:\u0000-\u001f<>"|?*]/.test(name)) throw inf.error("inf-bad-file-name", `"${name}" is not a plain file name`, line);
  return name;
}

function insidePath(inf: InfFile, parts: string[], line: number): string {
  const segments = parts.flatMap((part) => part.split(/[\\/]+/)).filter((segment) => segment !== "" && segment !== ".");
  if (segments.some((segment) => segment === ".." || segment.includes(":"))) throw inf.error("inf-bad-source-path", `source path ${parts.filter((part) => part).join("\\")} leaves the package folder`, line);
  return segments.join("/");
}

/** [SourceDisksFiles.arch] then [SourceDisksFiles]: file → path relative to the INF folder. */
function sourcePath(inf: InfFile, file: string, os: TargetOs, line: number): string {
  for (const suffix of [`.${os.arch}`, ""]) {
    const infEntry = inf.entry(`SourceDisksFiles${suffix}`, file);
    if (!infEntry) continue;
    const disk = infEntry.values[0] ?? "";
    const subdir = infEntry.values[1] ?? "";
    const diskEntry = inf.entry(`SourceDisksNames${suffix}`, disk) ?? inf.entry("SourceDisksNames", disk);
    const diskPath = diskEntry?.values[3] ?? "";
    return insidePath(inf, [diskPath, subdir, plainName(inf, file, infEntry.line)], infEntry.line);
  }
  throw inf.error("inf-file-not-listed", `${file} is copied but not listed in [SourceDisksFiles] or [SourceDisksFiles.${os.arch}]`, line);
}

function destination(inf: InfFile, section: string): { dirid: number; subdir: string } {
  const infEntry = inf.entry("DestinationDirs", section) ?? inf.entry("DestinationDirs", "DefaultDestDir");
  const dirid = infNumber(infEntry?.values[0]);
  // No DestinationDirs entry: the docs' default is DIRID 11 (System32) for a CopyFiles section.
  return { dirid: dirid ?? 11, subdir: infEntry?.values[1] ?? "" };
}

function copyFiles(inf: InfFile, entry: InfEntry, os: TargetOs, out: InfFileCopy[]): void {
  for (const name of entry.values.filter((value) => value !== "")) {
    if (name.startsWith("@")) {
      const file = plainName(inf, name.slice(1), entry.line);
      out.push({ name: file, source: sourcePath(inf, file, os, entry.line), ...destination(inf, "DefaultDestDir"), line: entry.line });
      continue;
    }
    const section = inf.section(name);
    if (!section) throw inf.error("inf-missing-section", `CopyFiles section [${name}] is not in the file`, entry.line);
    const dest = destination(inf, section.name);
    for (const infEntry of section.entries) {
      const fields = infEntry.key !== undefined ? [infEntry.key, ...infEntry.values] : infEntry.values;
      const target = fields[0];
      const from = fields[1] || target;
      if (!target) continue;
      out.push({ name: plainName(inf, target, infEntry.line), source: sourcePath(inf, from, os, infEntry.line), ...dest, line: infEntry.line });
    }
  }
}

function service(inf: InfFile, infEntry: InfEntry, issues: string[]): InfService {
  const [name = "", flagText = "", sectionName = "", eventLog = ""] = infEntry.values;
  if (eventLog) issues.push(`${inf.source}:${infEntry.line}: AddService ${name}: event-log section [${eventLog}] (the service's event source) is not written offline`);
  if (!name || !sectionName) throw inf.error("inf-bad-addservice", `AddService needs a service name and a service-install section`, infEntry.line);
  const flags = infNumber(flagText) ?? 0;
  const section = inf.section(sectionName);
  if (!section) throw inf.error("inf-missing-section", `service-install section [${sectionName}] of AddService ${name} is not in the file`, infEntry.line);
  const get = (lowerKey: string) => section.entries.find((entry) => entry.key?.toLowerCase() === lowerKey)?.values;
  const required = (key: string) => {
    const parsed = infNumber(get(key.toLowerCase())?.[0]);
    if (parsed === undefined) throw inf.error("inf-bad-service", `[${section.name}] has no numeric ${key}`, section.line);
    return parsed;
  };
  const binary = get("servicebinary")?.[0];
  if (!binary) throw inf.error("inf-bad-service", `[${section.name}] has no ServiceBinary`, section.line);
  const addReg: InfRegEntry[] = [];
  for (const entry of section.entries) {
    const lowerKey = entry.key?.toLowerCase();
    if (lowerKey === "addreg") for (const regSection of sectionsOf(inf, entry)) addReg.push(regEntry(inf, regSection));
    else if (lowerKey && !KNOWN_SERVICE.has(lowerKey)) issues.push(`${inf.source}:${entry.line}: [${section.name}] ${entry.key} is not understood; ignored`);
    else if (lowerKey === "delreg" || lowerKey === "bitreg") issues.push(`${inf.source}:${entry.line}: [${section.name}] ${entry.key} is not applied offline`);
  }
  const group = get("loadordergroup")?.[0];
  const display = get("displayname")?.[0];
  const deps = get("dependencies");
  return {
    name,
    flags,
    associated: (flags & 0x2) !== 0,
    ...(display ? { displayName: display } : {}),
    serviceType: required("ServiceType"),
    startType: required("StartType"),
    errorControl: required("ErrorControl"),
    serviceBinary: binary,
    ...(group ? { loadOrderGroup: group } : {}),
    ...(deps && deps.some((dep) => dep !== "") ? { dependencies: deps.filter((dep) => dep !== "") } : {}),
    addReg,
    line: infEntry.line,
  };
}

/** Chooses the Models section for `os`; undefined with the reasons when none applies. */
export function chooseModels(inf: InfFile, os: TargetOs): { section: string; why: string; manufacturer: string; decoration: Decoration } | { rejected: string[] } {
  const manufacturers = inf.section("Manufacturer")?.entries ?? [];
  if (manufacturers.length === 0) throw inf.error("inf-no-manufacturer", "no [Manufacturer] section: not a device driver INF");
  const rejected: string[] = [];
  let best: { decoration: Decoration; section: string; manufacturer: string } | undefined;
  for (const infEntry of manufacturers) {
    const base = infEntry.values[0];
    if (!base) throw inf.error("inf-bad-manufacturer", "a [Manufacturer] entry names no Models section", infEntry.line);
    const decorations = infEntry.values.slice(1).filter((value) => value !== "");
    const candidates: Decoration[] = decorations.length === 0 ? [{ text: "" }] : decorations.map((decoration) => parseDecoration(decoration) ?? { text: decoration, arch: "invalid" });
    for (const candidate of candidates) {
      const section = candidate.text ? `${base}.${candidate.text}` : base;
      const why = candidate.arch === "invalid" ? `"${candidate.text}" is not a TargetOSVersion decoration` : decorationMismatch(candidate, os);
      if (why) {
        rejected.push(`[${section}]: ${why}`);
        continue;
      }
      if (!inf.section(section)) throw inf.error("inf-missing-section", `Models section [${section}] named in [Manufacturer] is not in the file`, infEntry.line);
      if (!best || compareDecorations(candidate, best.decoration) < 0) best = { decoration: candidate, section, manufacturer: infEntry.key ?? base };
    }
  }
  if (!best) return { rejected };
  return { section: best.section, manufacturer: best.manufacturer, decoration: best.decoration, why: `[${best.section}] is the closest Models section for ${describeOs(os)}` };
}

/** Resolves the INF for `os`; throws InfError on structural problems, DriverError-worthy cases return `rejected`. */
export function resolveInf(inf: InfFile, os: TargetOs): ResolvedInf | { rejected: string[] } {
  const models = chooseModels(inf, os);
  if ("rejected" in models) return models;
  const issues: string[] = [...inf.warnings];
  const version = (key: string) => inf.entry("Version", key)?.values.join(",") || undefined;
  const devices: InfDevice[] = [];
  const services = new Map<string, InfService>();
  const files = new Map<string, InfFileCopy>();
  const needs: string[] = [];
  const done = new Set<string>();
  for (const entry of inf.section(models.section)!.entries) {
    const [install = "", ...ids] = entry.values;
    const section = ddinstall(inf, install, os);
    if (!section) throw inf.error("inf-missing-section", `DDInstall section [${install}] (or .NT${os.arch} / .NT) is not in the file`, entry.line);
    devices.push({ description: entry.key ?? "", hardwareIds: ids.filter((id) => id !== ""), installSection: section, line: entry.line });
    if (done.has(section.toUpperCase())) continue;
    done.add(section.toUpperCase());
    const copies: InfFileCopy[] = [];
    for (const infEntry of inf.section(section)!.entries) {
      const lowerKey = infEntry.key?.toLowerCase();
      if (lowerKey === "copyfiles") copyFiles(inf, infEntry, os, copies);
      else if (lowerKey === "include" || lowerKey === "needs") needs.push(`${infEntry.key}=${infEntry.values.join(",")}`);
      else if (lowerKey === "addreg") issues.push(`${inf.source}:${infEntry.line}: [${section}] AddReg writes the device's software key, which exists only once Plug and Play installs the device; left to PnP at first boot`);
      else if (lowerKey === undefined || !KNOWN_DDINSTALL.has(lowerKey)) issues.push(`${inf.source}:${infEntry.line}: [${section}] ${infEntry.key ?? infEntry.values.join(",")} is not understood; ignored`);
    }
    for (const copy of copies) files.set(`${copy.dirid}\\${copy.subdir}\\${copy.name}`.toLowerCase(), copy);
    for (const infEntry of inf.entries(`${section}.Services`, "AddService")) {
      const infService = service(inf, infEntry, issues);
      if (!services.has(infService.name.toLowerCase())) services.set(infService.name.toLowerCase(), infService);
    }
    if (inf.section(`${section}.HW`)) issues.push(`${inf.source}: [${section}.HW] (device hardware key settings) is left to Plug and Play at first boot`);
  }
  const get = (key: string) => version(key);
  const catalog = inf.entry("Version", `CatalogFile.NT${os.arch}`) ?? inf.entry("Version", "CatalogFile");
  return {
    inf,
    ...(get("Class") ? { className: get("Class")! } : {}),
    ...(get("ClassGUID") ? { classGuid: get("ClassGUID")! } : {}),
    ...(get("Provider") ? { provider: get("Provider")! } : {}),
    ...(catalog ? { catalogFile: plainName(inf, catalog.values[0] ?? "", catalog.line) } : {}),
    ...(get("DriverVer") ? { driverVer: get("DriverVer")! } : {}),
    modelsSection: models.section,
    why: models.why,
    decoration: models.decoration,
    devices,
    services: [...services.values()],
    files: [...files.values()],
    needs,
    issues,
  };
}
