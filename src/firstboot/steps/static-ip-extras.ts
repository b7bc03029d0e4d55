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
    .filter((a) => !LINK_LOCAL.test(a.address))
    .map((a) => {
      ipv6Text(a.address, "IPv6 address");
      const p = a.prefixLength;
      if (p !== undefined && p !== null && !(Number.isInteger(p) && p >= 1 && p <= 128)) throw new PlanError("bad-prefix", `IPv6 prefix length must be 1 to 128, not ${p}`);
      return a;
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
  for (const a of addresses) {
    const text = a.prefixLength ? `${a.address}/${a.prefixLength}` : a.address;
    lines.push(`if ($have -contains ${psString(a.address)}) { Write-Output ${psString(`IPv6 ${a.address}: already set`)} } else {`);
    lines.push(...netsh(`netsh ipv6 add address ${text}`, `interface ipv6 add address ('interface=' + $nic.InterfaceIndex) ${psString(`address=${text}`)} 'store=persistent'`).map((l) => `  ${l}`), "}");
  }
  for (const g of gateways.map((x) => ipv6Text(x, "IPv6 gateway"))) {
    lines.push(...netsh(`netsh ipv6 add route ::/0 via ${g}`, `interface ipv6 add route 'prefix=::/0' ('interface=' + $nic.InterfaceIndex) ${psString(`nexthop=${g}`)} 'store=persistent'`));
  }
  dns.map((x) => ipv6Text(x, "IPv6 DNS server")).forEach((d, i) => {
    lines.push(...netsh(`netsh ipv6 add dnsserver ${d}`, `interface ipv6 add dnsserver ('interface=' + $nic.InterfaceIndex) ${psString(`address=${d}`)} ${psString(`index=${i + 1}`)}`));
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
  for (const r of routes) {
    for (const [v, what] of [[r.destination, "destination"], [r.mask, "mask"], [r.gateway, "gateway"]] as const) {
      if (!DOTTED.test(v)) throw new PlanError("bad-route", `persistent route ${what}: not an IPv4 address: ${JSON.stringify(v)}`);
    }
    if (r.metric !== null && !(Number.isInteger(r.metric) && r.metric >= 1 && r.metric <= 9999)) throw new PlanError("bad-metric", `route metric must be 1 to 9999, not ${r.metric}`);
    const label = `route ${r.destination} mask ${r.mask} ${r.gateway}`;
    const filter = `Destination='${r.destination}' AND Mask='${r.mask}' AND NextHop='${r.gateway}' AND InterfaceIndex=`;
    lines.push(
      `$active = @(Get-WmiObject -Class Win32_IP4RouteTable -Filter (${psString(filter)} + $nic.InterfaceIndex))`,
      `if ($active.Count -gt 0) { Write-Output ${psString(`${label}: already on the new interface`)} } else {`,
      `  $out = & route.exe -p add ${r.destination} mask ${r.mask} ${r.gateway}${r.metric === null ? "" : ` metric ${psInt(r.metric)}`} if $nic.InterfaceIndex 2>&1`,
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
