/**
 * Step: put one old adapter's static configuration on the new NIC mapped to it, with WMI
 * (Win32_NetworkAdapterConfiguration: EnableStatic with every IPv4 address, primary and
 * secondary, SetGateways, SetDNSServerSearchOrder, SetDNSDomain, SetDynamicDNSRegistration,
 * SetTcpipNetbios, SetWINSServer), `netsh` for IPv6 (addresses with their prefix length,
 * default gateway, DNS servers), `route.exe -p` for the persistent routes that went through
 * the old adapter, and the old connection name. PowerShell 2.0: no NetTCPIP cmdlets.
 *
 * WMI return values are UInt32 and read as [long] (2147786788 does not fit [int]); 0 and 1
 * (reboot needed) are success. 2147786788 (0x8004A024, "could not obtain a write lock": another
 * network configuration change in progress, e.g. PnP still installing) and 84 ("IP not enabled
 * on the adapter": the stack is still binding) are retried after a growing pause (2, 4, 8, 16 s).
 * Return codes: Win32_NetworkAdapterConfiguration methods
 * (https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/enablestatic-method-in-class-win32-networkadapterconfiguration).
 */
import { PlanError } from "../../errors.js";
import type { FirstBootStep } from "../../changes/change.js";
import type { Tcpip } from "../../windows/schema.js";
import { psInt, psString, psStringArray, PsValue } from "../powershell-text.js";
import { renderTemplate } from "../render-template.js";
import { findAdapterScript, type FindAdapter } from "./find-adapter.js";
import { connectionNameLines, ipv6Addresses, ipv6Lines, routeLines, type Ipv6Address, type RouteToMove } from "./static-ip-extras.js";

export interface StaticIpOptions extends FindAdapter {
  /** The old adapter's TCP/IP configuration from the model (network.adapters[].tcpip). */
  tcpip: Tcpip;
  /** Static IPv6 addresses to add (link-local ones are skipped); default: the model's NSI IPv6 addresses with their prefix length. */
  ipv6?: Ipv6Address[];
  /** IPv6 default gateways; default: the next hops of the adapter's NSI ::/0 routes. */
  ipv6Gateways?: string[];
  /** IPv6 DNS servers; default: tcpip.ipv6DnsServers. */
  ipv6Dns?: string[];
  /** Persistent IPv4 routes to bind to the new interface. */
  routes?: RouteToMove[];
  /** The old adapter's connection name, given to the new NIC (after the ghost that held it is gone). */
  connectionName?: string | null;
  /** Step id (several old adapters: one step each). */
  id?: string;
  /** Who the configuration came from, for the title ("Local Area Connection 2"). */
  label?: string;
  fixup?: string;
  timeoutSeconds?: number;
  retries?: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function ipv4(value: string, what: string): string {
  if (!IPV4.test(value)) throw new PlanError("bad-address", `${what}: not an IPv4 address: ${JSON.stringify(value)}`);
  return value;
}

/** WMI codes retried after a pause (see above). */
export const WMI_RETRY_CODES = [2147786788, 84] as const;

/** Calls a WMI method in a scriptblock; unsigned return read as [long]; retried with a growing pause on the busy codes (data/firstboot/invoke-wmi.ps1). */
const INVOKE_WMI = renderTemplate("invoke-wmi.ps1", { writeLockBusy: PsValue.int(WMI_RETRY_CODES[0]), ipNotEnabled: PsValue.int(WMI_RETRY_CODES[1]) })
  // LF line ends inside the CRLF-joined step, as the step has always stored this function.
  .text.replace(/\r\n/g, "\n");

export function moveStaticIpStep(options: StaticIpOptions): FirstBootStep {
  const tcpip = options.tcpip;
  const v6 = ipv6Addresses(options.ipv6 ?? tcpip.nsi.ipv6.map((nsiAddress) => ({ address: nsiAddress.address, prefixLength: nsiAddress.prefixLength })));
  const v6Gateways = options.ipv6Gateways ?? tcpip.nsi.routesV6.filter((route) => route.isDefault && route.nextHop !== "::").map((route) => route.nextHop);
  const v6Dns = options.ipv6Dns ?? tcpip.ipv6DnsServers;
  if (tcpip.addresses.length === 0 && v6.length === 0) throw new PlanError("no-static-ip", `the TCP/IP configuration of ${tcpip.interfaceKey || "the adapter"} has no static IPv4 or IPv6 address to move`);
  const ips = tcpip.addresses.map((address) => ipv4(address.address, "address"));
  const masks = tcpip.addresses.map((address) => {
    if (address.mask === null) throw new PlanError("no-mask", `address ${address.address} has no subnet mask`);
    return ipv4(address.mask, `mask of ${address.address}`);
  });
  const gateways = tcpip.gateways.map((gateway) => ipv4(gateway.address, "gateway"));
  // DefaultGatewayMetric "0" means automatic; SetGateways takes 1-9999, so automatic is left out.
  const metrics = tcpip.gateways.map((gateway) => gateway.metric ?? 0);
  const automaticMetrics = metrics.every((metric) => metric === 0);
  for (const metric of metrics) if (!Number.isInteger(metric) || metric < 0 || metric > 9999) throw new PlanError("bad-metric", `gateway metric must be 0 to 9999, not ${metric}`);
  const dns = tcpip.dnsServers.map((dnsServer) => ipv4(dnsServer, "DNS server"));
  const netbios = tcpip.netbios?.options ?? null;
  const wins = (tcpip.netbios?.wins ?? []).map((winsServer) => ipv4(winsServer, "WINS server"));

  const lines: string[] = [findAdapterScript(options), "", "$failures = 0", INVOKE_WMI, "$cfg = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)"];
  const wmi = (label: string, call: string): void => {
    lines.push(`Invoke-Wmi ${label} { $cfg.${call} }`);
  };
  if (ips.length > 0) {
    lines.push(`$ips = [string[]]${psStringArray(ips)}`, `$masks = [string[]]${psStringArray(masks)}`);
    wmi("('EnableStatic ' + ($ips -join ',') + ' / ' + ($masks -join ','))", "EnableStatic($ips, $masks)");
  }
  if (gateways.length > 0) {
    lines.push(`$gateways = [string[]]${psStringArray(gateways)}`);
    if (automaticMetrics) wmi("('SetGateways ' + ($gateways -join ','))", "SetGateways($gateways)");
    else {
      lines.push(`$metrics = [UInt16[]]@(${metrics.map((metric) => psInt(Math.max(1, metric))).join(",")})`);
      wmi("('SetGateways ' + ($gateways -join ',') + ' metrics ' + ($metrics -join ','))", "SetGateways($gateways, $metrics)");
    }
  }
  if (dns.length > 0) {
    lines.push(`$dns = [string[]]${psStringArray(dns)}`);
    wmi("('SetDNSServerSearchOrder ' + ($dns -join ','))", "SetDNSServerSearchOrder($dns)");
  }
  if (tcpip.domain) wmi(psString(`SetDNSDomain ${tcpip.domain}`), `SetDNSDomain(${psString(tcpip.domain)})`);
  if (tcpip.registrationEnabled !== null || tcpip.registerAdapterName !== null) {
    // Windows' defaults when a value is absent: register the addresses (1), not under the connection suffix (0).
    const full = (tcpip.registrationEnabled ?? 1) !== 0;
    const domain = (tcpip.registerAdapterName ?? 0) !== 0;
    wmi(`'SetDynamicDNSRegistration ${full} ${domain}'`, `SetDynamicDNSRegistration(${full ? "$true" : "$false"}, ${domain ? "$true" : "$false"})`);
  }
  if (netbios !== null) {
    if (![0, 1, 2].includes(netbios)) throw new PlanError("bad-netbios", `NetbiosOptions must be 0, 1 or 2, not ${netbios}`);
    wmi(`'SetTcpipNetbios ${netbios}'`, `SetTcpipNetbios(${psInt(netbios)})`);
  }
  if (wins.length > 0) wmi(psString(`SetWINSServer ${wins.slice(0, 2).join(",")}`), `SetWINSServer(${psString(wins[0])}, ${psString(wins[1] ?? "")})`);
  lines.push(...ipv6Lines(v6, v6Gateways, v6Dns));
  lines.push(...routeLines(options.routes ?? []));
  if (options.connectionName) lines.push(...connectionNameLines(options.connectionName));
  lines.push(
    "$now = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)",
    "Write-Output ('now: ' + (@($now.IPAddress) -join ',') + ' gw ' + (@($now.DefaultIPGateway) -join ',') + ' dns ' + (@($now.DNSServerSearchOrder) -join ','))",
    "if ($failures -gt 0) { exit 1 }",
    "exit 0",
  );
  const shown = [...ips, ...v6.map((ipv6Address) => (ipv6Address.prefixLength ? `${ipv6Address.address}/${ipv6Address.prefixLength}` : ipv6Address.address))];
  const from = options.label ?? (tcpip.interfaceKey || "the old adapter");
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "static-ip",
    reason: `move ${shown.join(", ")} from ${from} to the new NIC${options.mac ? ` ${options.mac}` : ""}`,
    id: options.id ?? "move-static-ip",
    title: `Static IP ${shown.join(", ")} on the new NIC${options.mac ? ` (${options.mac})` : ""}`,
    shell: "powershell",
    script: lines.join("\r\n"),
    timeoutSeconds: options.timeoutSeconds ?? 600,
    retries: options.retries ?? 2,
  };
}
