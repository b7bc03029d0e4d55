/**
 * The parts of the move-static-ip step beyond IPv4 WMI: IPv6 addresses (with their prefix
 * length), the IPv6 default gateway and DNS servers with `netsh interface ipv6` (PowerShell 2.0
 * has no NetTCPIP cmdlets), persistent IPv4 routes re-added on the new interface with
 * `route.exe -p add ... if N`, and the old connection name. Each returns PowerShell lines that
 * use $nic (Win32_NetworkAdapter) and $failures from the step around them.
 *
 * Sources: netsh interface ipv6 add address/route/dnsserver syntax
 * (https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/netsh-interface;
 * "add dnsserver" is written so netsh's prefix matching also accepts a "dnsservers" spelling on
 * older builds: UNVERIFIED on 2008 R2), route /p ... if
 * (https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/route_ws2008),
 * Win32_IP4RouteTable (active routes, with InterfaceIndex), Win32_NetworkAdapter.NetConnectionID
 * (writable from Vista: https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-networkadapter).
 */
import { PlanError } from "../../errors.js";
import { psInt, psString } from "../powershell-text.js";

export interface Ipv6Address {
  address: string;
  /** null/undefined: not known, netsh's default (/64) applies. */
  prefixLength?: number | null;
}

export interface RouteToMove {
  destination: string;
  mask: string;
  gateway: string;
  /** null: automatic metric. */
  metric: number | null;
}

const IPV6 = /^[0-9A-Fa-f:.]+$/;
const LINK_LOCAL = /^fe[89ab][0-9a-f]:/i;

export function ipv6Text(value: string, what: string): string {
  if (!IPV6.test(value) || !value.includes(":")) throw new PlanError("bad-address", `${what}: not an IPv6 address: ${JSON.stringify(value)}`);
  return value;
}

/** Global and unique-local addresses only: link-local ones are made by Windows on every interface. */
export function ipv6Addresses(list: Ipv6Address[]): Ipv6Address[] {
  return list
    .filter((ipv6Address) => !LINK_LOCAL.test(ipv6Address.address))
    .map((ipv6Address) => {
      ipv6Text(ipv6Address.address, "IPv6 address");
      const prefixLength = ipv6Address.prefixLength;
      if (prefixLength !== undefined && prefixLength !== null && !(Number.isInteger(prefixLength) && prefixLength >= 1 && prefixLength <= 128)) throw new PlanError("bad-prefix", `IPv6 prefix length must be 1 to 128, not ${prefixLength}`);
      return ipv6Address;
    });
}

/** One netsh call, its output logged; a non-zero exit counts as a failure of the step. */
function netsh(label: string, args: string): string[] {
  return [
    `$out = & netsh.exe ${args} 2>&1`,
    `Write-Output (${psString(`${label}: `)} + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')`,
    "if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }",
  ];
}

/** IPv6 addresses (skipped when the adapter already has them: a retry must not fail on "already exists"), gateway, DNS. */
export function ipv6Lines(addresses: Ipv6Address[], gateways: string[], dns: string[]): string[] {
  const lines: string[] = [];
  if (addresses.length + gateways.length + dns.length === 0) return lines;
  lines.push("$have = @((Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)).IPAddress)");
  for (const ipv6Address of addresses) {
    const text = ipv6Address.prefixLength ? `${ipv6Address.address}/${ipv6Address.prefixLength}` : ipv6Address.address;
    lines.push(`if ($have -contains ${psString(ipv6Address.address)}) { Write-Output ${psString(`IPv6 ${ipv6Address.address}: already set`)} } else {`);
    lines.push(...netsh(`netsh ipv6 add address ${text}`, `interface ipv6 add address ('interface=' + $nic.InterfaceIndex) ${psString(`address=${text}`)} 'store=persistent'`).map((line) => `  ${line}`), "}");
  }
  for (const gatewayText of gateways.map((gateway) => ipv6Text(gateway, "IPv6 gateway"))) {
    lines.push(...netsh(`netsh ipv6 add route ::/0 via ${gatewayText}`, `interface ipv6 add route 'prefix=::/0' ('interface=' + $nic.InterfaceIndex) ${psString(`nexthop=${gatewayText}`)} 'store=persistent'`));
  }
  dns.map((dnsServer) => ipv6Text(dnsServer, "IPv6 DNS server")).forEach((server, i) => {
    lines.push(...netsh(`netsh ipv6 add dnsserver ${server}`, `interface ipv6 add dnsserver ('interface=' + $nic.InterfaceIndex) ${psString(`address=${server}`)} ${psString(`index=${i + 1}`)}`));
  });
  return lines;
}

const DOTTED = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Persistent routes bound to the new interface. A route already active on it is left alone;
 * route.exe's failure is a warning, not a failure of the step: the route stays in
 * PersistentRoutes, which Windows reads whenever TCP/IP starts (route /p docs), and with the
 * cable unplugged at first boot the gateway may not be reachable yet.
 */
export function routeLines(routes: RouteToMove[]): string[] {
  const lines: string[] = [];
  for (const route of routes) {
    for (const [field, what] of [[route.destination, "destination"], [route.mask, "mask"], [route.gateway, "gateway"]] as const) {
      if (!DOTTED.test(field)) throw new PlanError("bad-route", `persistent route ${what}: not an IPv4 address: ${JSON.stringify(field)}`);
    }
    if (route.metric !== null && !(Number.isInteger(route.metric) && route.metric >= 1 && route.metric <= 9999)) throw new PlanError("bad-metric", `route metric must be 1 to 9999, not ${route.metric}`);
    const label = `route ${route.destination} mask ${route.mask} ${route.gateway}`;
    const filter = `Destination='${route.destination}' AND Mask='${route.mask}' AND NextHop='${route.gateway}' AND InterfaceIndex=`;
    lines.push(
      `$active = @(Get-WmiObject -Class Win32_IP4RouteTable -Filter (${psString(filter)} + $nic.InterfaceIndex))`,
      `if ($active.Count -gt 0) { Write-Output ${psString(`${label}: already on the new interface`)} } else {`,
      `  $out = & route.exe -p add ${route.destination} mask ${route.mask} ${route.gateway}${route.metric === null ? "" : ` metric ${psInt(route.metric)}`} if $nic.InterfaceIndex 2>&1`,
      `  Write-Output (${psString(`${label}: `)} + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')`,
      "}",
    );
  }
  return lines;
}

/** The old connection name on the new NIC, once the ghost that held it is gone (a name still taken is a warning). */
export function connectionNameLines(name: string): string[] {
  if (name.trim() === "" || name.length > 256 || /[\u0000-\u001f]/.test(name)) throw new PlanError("bad-connection-name", `not a connection name: ${JSON.stringify(name)}`);
  return [
    `$wantedName = ${psString(name)}`,
    "if ([string]$nic.NetConnectionID -eq $wantedName) { Write-Output ('connection name: ' + $wantedName) } else {",
    "  $oldName = [string]$nic.NetConnectionID",
    "  try {",
    "    $nic.NetConnectionID = $wantedName",
    "    $null = $nic.Put()",
    "    Write-Output ('connection name: ' + $wantedName + ' (was ' + $oldName + ')')",
    "  } catch {",
    "    Write-Output ('connection name ' + $wantedName + ' not set (still held by another adapter?): ' + $_.Exception.Message)",
    "  }",
    "}",
  ];
}
