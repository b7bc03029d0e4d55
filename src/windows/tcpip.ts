/**
 * Per-interface TCP/IP configuration (reference 4.1): Tcpip\Parameters\Interfaces\{GUID},
 * NetBT\Parameters\Interfaces\Tcpip_{GUID}, Tcpip6\Parameters\Interfaces\{GUID}, and the NSI
 * entries of the adapter's LUID; and the machine's Tcpip\Parameters\PersistentRoutes.
 *
 * Sources for what is read here (windows-offline-reference.md style):
 * - Tcpip\Parameters\Interfaces\{GUID} IPAddress/SubnetMask (one mask per address: the first is
 *   the primary, the rest secondary addresses), DefaultGateway(Metric), NameServer, Domain,
 *   RegistrationEnabled, RegisterAdapterName: reference 4.1; W2K TCP/IP registry reference
 *   (https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-2000-server/cc978468(v=technet.10));
 *   Windows 7 and 8 samples (regipy SYSTEM, SYSTEM_2).
 * - NetBT\Parameters\Interfaces\Tcpip_{GUID} NameServerList (WINS), NetbiosOptions: reference 4.1.
 * - Tcpip6\Parameters\Interfaces\{GUID} NameServer (REG_SZ): seen, empty, on the Windows 8
 *   sample (SYSTEM_2). That it holds static IPv6 DNS servers, comma separated like the IPv4
 *   value, is UNVERIFIED (read split on commas and spaces, IPv6 entries only).
 * - PersistentRoutes: value NAME "destination,mask,gateway,metric" (REG_SZ, empty data; metric
 *   -1 = automatic): "route /p" docs (https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/route_ws2008)
 *   and the Windows 7 sample ("0.0.0.0,0.0.0.0,10.3.58.1,-1"). It holds no interface: Windows
 *   picks the interface that reaches the gateway.
 */
import { readDword, readMulti, readString, type RegistryKey } from "./registry.js";
import type { NsiStore } from "./nsi.js";
import type { Tcpip } from "./schema.js";
import { ValueNames } from "./value-names.js";

const EMPTY_V4 = new Set(["", "0.0.0.0"]);

function splitServers(text: string | undefined): string[] {
  return (text ?? "").split(/[\s,]+/).filter((part) => part.length > 0);
}

/**
 * The per-interface parents, looked up once per inspection rather than from the control set
 * for every adapter: CCS\Services\Tcpip\Parameters\Interfaces and ...\NetBT\Parameters\Interfaces.
 */
export interface TcpipRoots {
  tcpipInterfaces: RegistryKey | undefined;
  netbtInterfaces: RegistryKey | undefined;
  tcpip6Interfaces: RegistryKey | undefined;
}

export function tcpipRoots(ccs: RegistryKey): TcpipRoots {
  return {
    tcpipInterfaces: ccs.key("Services\\Tcpip\\Parameters\\Interfaces"),
    netbtInterfaces: ccs.key("Services\\NetBT\\Parameters\\Interfaces"),
    tcpip6Interfaces: ccs.key("Services\\Tcpip6\\Parameters\\Interfaces"),
  };
}

/** One Tcpip\Parameters\PersistentRoutes value, decoded from its name (see above). */
export interface PersistentRoute {
  valueName: string;
  destination: string;
  mask: string;
  gateway: string;
  /** null: -1 or absent (automatic metric). */
  metric: number | null;
}

const DOTTED = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The machine's IPv4 persistent routes; names that do not decode are left out (never guessed). */
export function readPersistentRoutes(ccs: RegistryKey): PersistentRoute[] {
  const out: PersistentRoute[] = [];
  for (const value of ccs.key("Services\\Tcpip\\Parameters\\PersistentRoutes")?.values() ?? []) {
    const [destination, mask, gateway, metric, ...rest] = value.name.split(",").map((field) => field.trim());
    if (rest.length > 0 || ![destination, mask, gateway].every((field) => field !== undefined && DOTTED.test(field))) continue;
    const metricNumber = metric === undefined || metric === "" ? -1 : Number(metric);
    if (!Number.isInteger(metricNumber) || metricNumber < -1 || metricNumber > 9999) continue;
    out.push({ valueName: value.name, destination, mask, gateway, metric: metricNumber <= 0 ? null : metricNumber });
  }
  return out;
}

/** The values read of every interface key, looked up in one pass. */
const INTERFACE_VALUES = new ValueNames([
  "EnableDHCP",
  "IPAddress",
  "SubnetMask",
  "DefaultGateway",
  "DefaultGatewayMetric",
  "DhcpIPAddress",
  "NameServer",
  "Domain",
  "RegistrationEnabled",
  "RegisterAdapterName",
  "DhcpServer",
  "DhcpSubnetMask",
  "DhcpNameServer",
  "DhcpDomain",
] as const);

export function readTcpip(roots: TcpipRoots, guid: string, nsi: NsiStore, luid: string | null): Tcpip | null {
  const iface = roots.tcpipInterfaces?.key(guid);
  const nsiPart = {
    ipv4: luid ? nsi.ipv4.filter((address) => address.luid === luid) : [],
    ipv6: luid ? nsi.ipv6.filter((address) => address.luid === luid) : [],
    routes: luid ? nsi.routes.filter((route) => route.luid === luid) : [],
    routesV6: luid ? nsi.routesV6.filter((route) => route.luid === luid) : [],
  };
  if (!iface && nsiPart.ipv4.length + nsiPart.ipv6.length + nsiPart.routes.length + nsiPart.routesV6.length === 0) return null;
  const values = INTERFACE_VALUES.of(iface);
  const enable = values.readDword("EnableDHCP");
  const ips = values.readMulti("IPAddress") ?? [];
  const masks = values.readMulti("SubnetMask") ?? [];
  const addresses = ips.filter((ip) => !EMPTY_V4.has(ip)).map((address) => ({ address, mask: masks[ips.indexOf(address)] ?? null }));
  const gws = values.readMulti("DefaultGateway") ?? [];
  const metrics = values.readMulti("DefaultGatewayMetric") ?? [];
  const gateways = gws
    .filter((gateway) => !EMPTY_V4.has(gateway))
    .map((address, i) => ({ address, metric: metrics[i] !== undefined && /^\d+$/.test(metrics[i]) ? Number(metrics[i]) : null }));
  const dhcpAddress = values.readString("DhcpIPAddress");
  const netbt = roots.netbtInterfaces?.key(`Tcpip_${guid}`);
  return {
    interfaceKey: iface ? `SYSTEM\\${iface.path}` : "",
    dhcp: enable === undefined ? null : enable !== 0,
    addresses,
    gateways,
    dnsServers: splitServers(values.readString("NameServer")),
    domain: values.readString("Domain") || null,
    registrationEnabled: values.readDword("RegistrationEnabled") ?? null,
    registerAdapterName: values.readDword("RegisterAdapterName") ?? null,
    ipv6DnsServers: splitServers(readString(roots.tcpip6Interfaces?.key(guid), "NameServer")).filter((splitServer) => splitServer.includes(":")),
    dhcpLease:
      dhcpAddress !== undefined || values.readString("DhcpServer") !== undefined
        ? {
            address: dhcpAddress ?? null,
            mask: values.readString("DhcpSubnetMask") ?? null,
            server: values.readString("DhcpServer") ?? null,
            dnsServers: splitServers(values.readString("DhcpNameServer")),
            domain: values.readString("DhcpDomain") || null,
          }
        : null,
    netbios: netbt ? { options: readDword(netbt, "NetbiosOptions") ?? null, wins: readMulti(netbt, "NameServerList") ?? [] } : null,
    nsi: nsiPart,
    hasStaticAddress: (enable === 0 && addresses.length > 0) || nsiPart.ipv4.length > 0 || nsiPart.ipv6.length > 0,
  };
}
