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
  const isPublic = (h: string | null) => h !== null && publicProbeHosts.some((publicProbeHost) => publicProbeHost.toLowerCase() === h.toLowerCase());
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
  const [y, mo, , d, h, mi, s] = [0, 2, 4, 6, 8, 10, 12].map((o) => view.getUint16(o, true));
  if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}`;
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
