/**
 * Installation facts: version from SOFTWARE\Microsoft\Windows NT\CurrentVersion, role from
 * ProductOptions, names from ComputerName and Tcpip\Parameters (reference section 13).
 */
import { knowledge } from "./knowledge.js";
import { readDword, readString, subkeysOf, type RegistryKey } from "./registry.js";
import type { Installation } from "./schema.js";

const ROLE: Record<string, Installation["role"]> = { winnt: "workstation", servernt: "server", lanmannt: "domain-controller" };

export function familyName(build: number | null, role: Installation["role"]): string | null {
  if (build === null) return null;
  const row = knowledge().builds.families.find((family) => build >= family.minBuild);
  if (!row) return null;
  return role === "server" || role === "domain-controller" ? row.server : row.client;
}

function architecture(ccs: RegistryKey, software: RegistryKey | undefined): string | null {
  const env = readString(ccs.key("Control\\Session Manager\\Environment"), "PROCESSOR_ARCHITECTURE");
  if (env) {
    const upperEnv = env.toUpperCase();
    return upperEnv === "AMD64" ? "x64" : upperEnv === "X86" ? "x86" : upperEnv === "ARM64" ? "arm64" : env;
  }
  if (software?.subkey("Wow6432Node")) return "x64";
  return null;
}

export function readInstallation(ccs: RegistryKey, software: RegistryKey | undefined): Installation {
  const cv = software?.key("Microsoft\\Windows NT\\CurrentVersion");
  const productType = readString(ccs.key("Control\\ProductOptions"), "ProductType") ?? null;
  const role = productType ? (ROLE[productType.toLowerCase()] ?? "unknown") : "unknown";
  const buildText = readString(cv, "CurrentBuildNumber") ?? readString(cv, "CurrentBuild");
  const build = buildText && /^\d+$/.test(buildText) ? Number(buildText) : null;
  const major = readDword(cv, "CurrentMajorVersionNumber");
  const minor = readDword(cv, "CurrentMinorVersionNumber");
  const tcpip = ccs.key("Services\\Tcpip\\Parameters");
  const hostname = readString(tcpip, "Hostname") ?? null;
  const nvHostname = readString(tcpip, "NV Hostname") ?? null;
  const dnsSuffix = readString(tcpip, "NV Domain") || readString(tcpip, "Domain") || null;
  const tz = ccs.subkey("Control")?.subkey("TimeZoneInformation");
  const rtu = tz?.value("RealTimeIsUniversal");
  const rtuOn = rtu ? (rtu.type === 11 ? (rtu.qword() ?? 0n) !== 0n : (rtu.dword() ?? 0) !== 0) : false;

  const domainHints: string[] = [];
  if (role === "domain-controller") domainHints.push("ProductType LanmanNT: domain controller");
  if (dnsSuffix) domainHints.push(`primary DNS suffix ${dnsSuffix}`);
  const site = readString(ccs.key("Services\\Netlogon\\Parameters"), "DynamicSiteName") ?? readString(ccs.key("Services\\Netlogon\\Parameters"), "SiteName");
  if (site) domainHints.push(`Netlogon AD site ${site}`);
  const gpoHistory = software?.key("Microsoft\\Windows\\CurrentVersion\\Group Policy\\History");
  if (subkeysOf(gpoHistory).length > 0) domainHints.push("Group Policy history present");
  const defaultDomain = readString(software?.key("Microsoft\\Windows NT\\CurrentVersion\\Winlogon"), "DefaultDomainName");
  if (defaultDomain) domainHints.push(`Winlogon DefaultDomainName ${defaultDomain}`);

  return {
    productName: readString(cv, "ProductName") ?? null,
    editionId: readString(cv, "EditionID") ?? null,
    ntVersion: major !== undefined && minor !== undefined ? `${major}.${minor}` : (readString(cv, "CurrentVersion") ?? null),
    build,
    ubr: readDword(cv, "UBR") ?? null,
    csdVersion: readString(cv, "CSDVersion") ?? null,
    installationType: readString(cv, "InstallationType") ?? null,
    displayVersion: readString(cv, "DisplayVersion") ?? readString(cv, "ReleaseId") ?? null,
    family: familyName(build, role),
    productType,
    role,
    architecture: architecture(ccs, software),
    computerName: readString(ccs.key("Control\\ComputerName\\ComputerName"), "ComputerName") ?? null,
    hostname,
    pendingHostname: nvHostname !== null && nvHostname !== hostname ? nvHostname : null,
    dnsSuffix,
    domainHints,
    timeZone: readString(tz, "TimeZoneKeyName") || readString(tz, "StandardName") || null,
    realTimeIsUniversal: rtuOn,
    systemRoot: readString(cv, "SystemRoot") ?? null,
  };
}
