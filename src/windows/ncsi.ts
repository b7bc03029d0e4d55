/** NCSI/NLA probing (reference 5.1, 5.2), network profiles (5.3) and global TCP settings (6). */
import { knowledge } from "./knowledge.js";
import { readDword, readString, subkeysOf, type RegistryKey } from "./registry.js";
import type { Ncsi, NetworkProfile, TcpGlobal } from "./schema.js";

export function readNcsi(ccs: RegistryKey, software: RegistryKey | undefined): Ncsi {
  const internet = ccs.key("Services\\NlaSvc\\Parameters\\Internet");
  const policy = software?.key("Policies\\Microsoft\\Windows\\NetworkConnectivityStatusIndicator");
  const enable = readDword(internet, "EnableActiveProbing") ?? null;
  const noActive = readDword(policy, "NoActiveProbe") ?? null;
  const host = readString(internet, "ActiveWebProbeHost") ?? null;
  const dnsHost = readString(internet, "ActiveDnsProbeHost") ?? null;
  const { publicProbeHosts, defaultEnableActiveProbing } = knowledge().ncsi;
  const isPublic = (probeHost: string | null) => probeHost !== null && publicProbeHosts.some((publicProbeHost) => publicProbeHost.toLowerCase() === probeHost.toLowerCase());
  return {
    enableActiveProbing: enable,
    policyNoActiveProbe: noActive,
    // No Internet key = no NCSI (XP/2003); with the key, an absent value means the default.
    activeProbing: internet !== undefined && (enable ?? defaultEnableActiveProbing) !== 0 && noActive !== 1,
    webProbeHost: host,
    webProbePath: readString(internet, "ActiveWebProbePath") ?? null,
    webProbeContent: readString(internet, "ActiveWebProbeContent") ?? null,
    dnsProbeHost: dnsHost,
    dnsProbeContent: readString(internet, "ActiveDnsProbeContent") ?? null,
    // Absent hosts mean Windows' built-in public defaults.
    probesInternet: (host === null && dnsHost === null) || isPublic(host) || isPublic(dnsHost),
    alwaysExpectDomainController: readDword(ccs.key("Services\\NlaSvc\\Parameters"), "AlwaysExpectDomainController") ?? null,
    nlaSvcStart: readDword(ccs.key("Services\\NlaSvc"), "Start") ?? null,
  };
}

const CATEGORY = ["public", "private", "domain"];

/** SYSTEMTIME (16 bytes: year, month, weekday, day, hour, minute, second, ms) as ISO text. */
export function systemTime(bytes: Uint8Array | undefined): string | null {
  if (!bytes || bytes.length < 16) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const [year, mo, , day, hour, mi, second] = [0, 2, 4, 6, 8, 10, 12].map((offset) => view.getUint16(offset, true));
  if (year < 1601 || mo < 1 || mo > 12 || day < 1 || day > 31) return null;
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return `${pad(year, 4)}-${pad(mo)}-${pad(day)}T${pad(hour)}:${pad(mi)}:${pad(second)}`;
}

export function readProfiles(software: RegistryKey | undefined): NetworkProfile[] | null {
  if (!software) return null;
  return subkeysOf(software.key("Microsoft\\Windows NT\\CurrentVersion\\NetworkList\\Profiles")).map((registryKey) => {
    const category = readDword(registryKey, "Category") ?? null;
    return {
      guid: registryKey.name,
      name: readString(registryKey, "ProfileName") ?? null,
      description: readString(registryKey, "Description") ?? null,
      category,
      categoryName: category === null ? "unknown" : (CATEGORY[category] ?? `unknown (${category})`),
      managed: readDword(registryKey, "Managed") ?? null,
      nameType: readDword(registryKey, "NameType") ?? null,
      dateCreated: systemTime(registryKey.value("DateCreated")?.data()),
      dateLastConnected: systemTime(registryKey.value("DateLastConnected")?.data()),
    };
  });
}

export function readTcpGlobal(ccs: RegistryKey, nsiTcpModulePresent: boolean): TcpGlobal {
  const registryKey = ccs.key("Services\\Tcpip\\Parameters");
  return {
    disableTaskOffload: readDword(registryKey, "DisableTaskOffload") ?? null,
    enableTcpChimney: readDword(registryKey, "EnableTCPChimney") ?? null,
    enableRss: readDword(registryKey, "EnableRSS") ?? null,
    enableTcpa: readDword(registryKey, "EnableTCPA") ?? null,
    ipv6DisabledComponents: readDword(ccs.key("Services\\Tcpip6\\Parameters"), "DisabledComponents") ?? null,
    nsiTcpModulePresent,
  };
}
