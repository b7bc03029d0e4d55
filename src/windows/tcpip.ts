/**
 * Per-interface TCP/IP configuration (reference 4.1): Tcpip\Parameters\Interfaces\{GUID},
 * NetBT\Parameters\Interfaces\Tcpip_{GUID}, and the NSI entries of the adapter's LUID.
 */
import { readDword, readMulti, type RegistryKey } from "./registry.js";
import type { NsiStore } from "./nsi.js";
import type { Tcpip } from "./schema.js";
import { ValueNames } from "./value-names.js";

const EMPTY_V4 = new Set(["", "0.0.0.0"]);

function splitServers(text: string | undefined): string[] {
  return (text ?? "").split(/[\s,]+/).filter((s) => s.length > 0);
}

/**
 * The per-interface parents, looked up once per inspection rather than from the control set
 * for every adapter: CCS\Services\Tcpip\Parameters\Interfaces and ...\NetBT\Parameters\Interfaces.
 */
export interface TcpipRoots {
  tcpipInterfaces: RegistryKey | undefined;
  netbtInterfaces: RegistryKey | undefined;
}

export function tcpipRoots(ccs: RegistryKey): TcpipRoots {
  return {
    tcpipInterfaces: ccs.key("Services\\Tcpip\\Parameters\\Interfaces"),
    netbtInterfaces: ccs.key("Services\\NetBT\\Parameters\\Interfaces"),
  };
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
  "DhcpServer",
  "DhcpSubnetMask",
  "DhcpNameServer",
  "DhcpDomain",
] as const);

export function readTcpip(roots: TcpipRoots, guid: string, nsi: NsiStore, luid: string | null): Tcpip | null {
  const iface = roots.tcpipInterfaces?.key(guid);
  const nsiPart = {
    ipv4: luid ? nsi.ipv4.filter((a) => a.luid === luid) : [],
    ipv6: luid ? nsi.ipv6.filter((a) => a.luid === luid) : [],
    routes: luid ? nsi.routes.filter((r) => r.luid === luid) : [],
  };
  if (!iface && nsiPart.ipv4.length + nsiPart.ipv6.length + nsiPart.routes.length === 0) return null;
  const values = INTERFACE_VALUES.of(iface);
  const enable = values.readDword("EnableDHCP");
  const ips = values.readMulti("IPAddress") ?? [];
  const masks = values.readMulti("SubnetMask") ?? [];
  const addresses = ips.filter((a) => !EMPTY_V4.has(a)).map((address) => ({ address, mask: masks[ips.indexOf(address)] ?? null }));
  const gws = values.readMulti("DefaultGateway") ?? [];
  const metrics = values.readMulti("DefaultGatewayMetric") ?? [];
  const gateways = gws
    .filter((g) => !EMPTY_V4.has(g))
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
