/**
 * Step: put the old static IP configuration on the new NIC with WMI
 * (Win32_NetworkAdapterConfiguration: EnableStatic, SetGateways, SetDNSServerSearchOrder,
 * SetDNSDomain, SetDynamicDNSRegistration, SetTcpipNetbios, SetWINSServer) and `netsh` for
 * static IPv6. PowerShell 2.0: no NetTCPIP cmdlets. WMI return codes 0 and 1 (reboot needed)
 * are success; anything else fails the step.
 */
import { PlanError } from "../../errors.js";
import type { FirstBootStep } from "../../changes/change.js";
import type { Tcpip } from "../../windows/schema.js";
import { psInt, psString, psStringArray } from "../powershell-text.js";
import { findAdapterScript, type FindAdapter } from "./find-adapter.js";

export interface StaticIpOptions extends FindAdapter {
  /** The old adapter's TCP/IP configuration from the model (network.adapters[].tcpip). */
  tcpip: Tcpip;
  /** Static IPv6 addresses to add (link-local ones are skipped); default: the model's NSI IPv6 addresses. */
  ipv6?: { address: string; prefixLength?: number }[];
  fixup?: string;
  timeoutSeconds?: number;
  retries?: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

function ipv4(value: string, what: string): string {
  if (!IPV4.test(value)) throw new PlanError("bad-address", `${what}: not an IPv4 address: ${JSON.stringify(value)}`);
  return value;
}

/** The list of address/prefix pairs the step adds with netsh (IPv6 link-local excluded). */
function ipv6List(options: StaticIpOptions): { address: string; prefixLength?: number }[] {
  const list: { address: string; prefixLength?: number }[] = options.ipv6 ?? options.tcpip.nsi.ipv6.map((a) => ({ address: a.address }));
  return list
    .filter((a) => !/^fe[89ab][0-9a-f]:/i.test(a.address))
    .map((a) => {
      if (!IPV6.test(a.address) || !a.address.includes(":")) throw new PlanError("bad-address", `not an IPv6 address: ${JSON.stringify(a.address)}`);
      if (a.prefixLength !== undefined && !(Number.isInteger(a.prefixLength) && a.prefixLength >= 1 && a.prefixLength <= 128)) {
        throw new PlanError("bad-prefix", `IPv6 prefix length must be 1 to 128, not ${a.prefixLength}`);
      }
      return a;
    });
}

export function moveStaticIpStep(options: StaticIpOptions): FirstBootStep {
  const t = options.tcpip;
  if (t.addresses.length === 0) throw new PlanError("no-static-ip", `the TCP/IP configuration of ${t.interfaceKey} has no static IPv4 address to move`);
  const ips = t.addresses.map((a) => ipv4(a.address, "address"));
  const masks = t.addresses.map((a) => {
    if (a.mask === null) throw new PlanError("no-mask", `address ${a.address} has no subnet mask`);
    return ipv4(a.mask, `mask of ${a.address}`);
  });
  const gateways = t.gateways.map((g) => ipv4(g.address, "gateway"));
  // DefaultGatewayMetric "0" means automatic; SetGateways takes 1-9999, so automatic is left out.
  const metrics = t.gateways.map((g) => g.metric ?? 0);
  const automaticMetrics = metrics.every((m) => m === 0);
  for (const m of metrics) if (!Number.isInteger(m) || m < 0 || m > 9999) throw new PlanError("bad-metric", `gateway metric must be 0 to 9999, not ${m}`);
  const dns = t.dnsServers.map((d) => ipv4(d, "DNS server"));
  const v6 = ipv6List(options);
  const netbios = t.netbios?.options ?? null;
  const wins = (t.netbios?.wins ?? []).map((w) => ipv4(w, "WINS server"));

  const lines: string[] = [findAdapterScript(options), ""];
  // Call, then check: a method call written as a command argument parses differently across hosts.
  const wmi = (label: string, call: string): void => {
    lines.push(`$result = $cfg.${call}`, `Test-Wmi ${label} $result`);
  };
  lines.push(
    "$failures = 0",
    "function Test-Wmi($what, $result) {",
    "  $code = [int]$result.ReturnValue",
    "  Write-Output ($what + ': ' + $code)",
    "  if ($code -ne 0 -and $code -ne 1) { $script:failures = $script:failures + 1 }",
    "}",
    "$cfg = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)",
    `$ips = [string[]]${psStringArray(ips)}`,
    `$masks = [string[]]${psStringArray(masks)}`,
  );
  wmi("('EnableStatic ' + ($ips -join ',') + ' / ' + ($masks -join ','))", "EnableStatic($ips, $masks)");
  if (gateways.length > 0) {
    lines.push(`$gateways = [string[]]${psStringArray(gateways)}`);
    if (automaticMetrics) wmi("('SetGateways ' + ($gateways -join ','))", "SetGateways($gateways)");
    else {
      lines.push(`$metrics = [UInt16[]]@(${metrics.map((m) => psInt(Math.max(1, m))).join(",")})`);
      wmi("('SetGateways ' + ($gateways -join ',') + ' metrics ' + ($metrics -join ','))", "SetGateways($gateways, $metrics)");
    }
  }
  if (dns.length > 0) {
    lines.push(`$dns = [string[]]${psStringArray(dns)}`);
    wmi("('SetDNSServerSearchOrder ' + ($dns -join ','))", "SetDNSServerSearchOrder($dns)");
  }
  if (t.domain) wmi(psString(`SetDNSDomain ${t.domain}`), `SetDNSDomain(${psString(t.domain)})`);
  if (t.registrationEnabled !== null) {
    wmi(`'SetDynamicDNSRegistration ${t.registrationEnabled !== 0}'`, `SetDynamicDNSRegistration(${t.registrationEnabled !== 0 ? "$true" : "$false"}, $false)`);
  }
  if (netbios !== null) {
    if (![0, 1, 2].includes(netbios)) throw new PlanError("bad-netbios", `NetbiosOptions must be 0, 1 or 2, not ${netbios}`);
    wmi(`'SetTcpipNetbios ${netbios}'`, `SetTcpipNetbios(${psInt(netbios)})`);
  }
  if (wins.length > 0) wmi(psString(`SetWINSServer ${wins.slice(0, 2).join(",")}`), `SetWINSServer(${psString(wins[0])}, ${psString(wins[1] ?? "")})`);
  for (const a of v6) {
    const addr = a.prefixLength === undefined ? a.address : `${a.address}/${a.prefixLength}`;
    lines.push(
      `$out = & netsh.exe interface ipv6 add address ('interface=' + $nic.InterfaceIndex) ${psString(`address=${addr}`)} 'store=persistent' 2>&1`,
      `Write-Output (${psString(`netsh ipv6 add address ${addr}: `)} + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')`,
      "if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }",
    );
  }
  lines.push(
    "$now = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)",
    "Write-Output ('now: ' + (@($now.IPAddress) -join ',') + ' gw ' + (@($now.DefaultIPGateway) -join ',') + ' dns ' + (@($now.DNSServerSearchOrder) -join ','))",
    "if ($failures -gt 0) { exit 1 }",
    "exit 0",
  );
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "static-ip",
    reason: `move ${ips.join(", ")} from the old adapter (${t.interfaceKey}) to the new NIC`,
    id: "move-static-ip",
    title: `Static IP ${ips.join(", ")} on the new NIC${options.mac ? ` (${options.mac})` : ""}`,
    shell: "powershell",
    script: lines.join("\r\n"),
    timeoutSeconds: options.timeoutSeconds ?? 600,
    retries: options.retries ?? 2,
  };
}
