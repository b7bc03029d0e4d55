/**
 * The human form of an inspection report: sections, aligned tables, findings first. Returns
 * text; colour (ANSI) only when asked, the CLI decides from its Output.
 */
import type { BootTarget, Finding, InspectReport } from "./schema.js";

export interface TextOptions {
  color?: boolean;
  /** List every service instead of only the notable ones (vendor-tagged, boot-start). */
  allServices?: boolean;
}

const ANSI = { red: "\x1b[31m", yellow: "\x1b[33m", cyan: "\x1b[36m", bold: "\x1b[1m", dim: "\x1b[2m", reset: "\x1b[0m" };

/** Aligned columns; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

function orDash(value: string | number | null | undefined | boolean): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value);
}

export function renderReport(report: InspectReport, options: TextOptions = {}): string {
  const paint = (code: keyof typeof ANSI, text: string) => (options.color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const out: string[] = [];
  const heading = (text: string) => out.push("", paint("bold", text), paint("bold", "=".repeat(text.length)));
  const installation = report.installation;

  out.push(paint("bold", `p2vfix inspect: ${installation.productName ?? installation.family ?? "Windows (version unknown without SOFTWARE)"} (${orDash(installation.computerName)})`));
  out.push(`SYSTEM: ${report.sources.system}`);
  if (report.sources.software) out.push(`SOFTWARE: ${report.sources.software}`);
  if (report.sources.bcd) out.push(`BCD: ${report.sources.bcd}`);
  if (report.sources.filesystem) out.push(`Files: ${report.sources.filesystem}`);
  if (report.target) out.push(`Target hypervisor: ${report.target}`);
  for (const warning of report.sources.warnings) out.push(paint("yellow", `hive: ${warning}`));
  for (const gap of report.unknown) out.push(paint("dim", `unknown: ${gap.section}: ${gap.reason}`));

  heading(`Findings (${report.findings.length})`);
  if (report.findings.length === 0) out.push("none");
  const sev = (finding: Finding) => (finding.severity === "problem" ? paint("red", "PROBLEM") : finding.severity === "warning" ? paint("yellow", "WARNING") : paint("cyan", "INFO   "));
  for (const finding of report.findings) {
    out.push(`${sev(finding)}  ${finding.id}: ${finding.title}`);
    out.push(`         ${finding.detail}`);
    out.push(`         fixup: ${finding.fixup}`);
    for (const evidence of finding.evidence) out.push(paint("dim", `         - ${evidence.key}${evidence.value !== undefined ? ` : ${evidence.value === "" ? "@" : evidence.value}` : ""}${evidence.data !== undefined ? ` = ${evidence.data}` : ""}`));
  }

  heading("Installation");
  out.push(
    table(
      ["fact", "value"],
      [
        ["product", orDash(installation.productName)],
        ["family", orDash(installation.family)],
        ["edition", orDash(installation.editionId)],
        ["version", `${orDash(installation.ntVersion)} build ${orDash(installation.build)}${installation.ubr !== null ? `.${installation.ubr}` : ""}${installation.displayVersion ? ` (${installation.displayVersion})` : ""}${installation.csdVersion ? ` ${installation.csdVersion}` : ""}`],
        ["role", `${installation.role} (${orDash(installation.productType)})`],
        ["architecture", orDash(installation.architecture)],
        ["computer name", orDash(installation.computerName)],
        ["hostname", `${orDash(installation.hostname)}${installation.pendingHostname ? ` (pending rename to ${installation.pendingHostname})` : ""}`],
        ["DNS suffix", orDash(installation.dnsSuffix)],
        ["domain hints", installation.domainHints.length ? installation.domainHints.join("; ") : "none (workgroup?)"],
        ["time zone", `${orDash(installation.timeZone)}${installation.realTimeIsUniversal ? ", RTC in UTC" : ", RTC in local time"}`],
        ["control set", `${report.controlSets.resolved} (from Select\\${report.controlSets.resolvedFrom}; LastKnownGood ${orDash(report.controlSets.lastKnownGood)}; present ${report.controlSets.available.join(", ")})`],
      ],
    ),
  );

  heading(`Network adapters (${report.network.adapters.length})`);
  out.push(
    table(
      ["key", "connection", "driver", "kind", "IPv4", "gateway", "DNS"],
      report.network.adapters.map((adapter) => {
        const tcpip = adapter.tcpip;
        const ips = tcpip ? (tcpip.dhcp ? `DHCP${tcpip.dhcpLease?.address ? ` (${tcpip.dhcpLease.address})` : ""}` : tcpip.addresses.map((address) => `${address.address}/${address.mask ?? "?"}`).join(",")) : "";
        return [
          adapter.classKey,
          orDash(adapter.connectionName),
          orDash(adapter.driverDesc),
          adapter.team ? `team:${adapter.team.kind}` : adapter.physical ? "physical" : adapter.flags.includes("virtual") ? "virtual" : orDash(adapter.flags.join(",")),
          orDash(ips),
          orDash(tcpip?.gateways.map((gateway) => gateway.address).join(",")),
          orDash(tcpip?.dnsServers.join(",")),
        ];
      }),
    ),
  );
  const nsiRows = report.network.adapters.flatMap((adapter) => [...(adapter.tcpip?.nsi.ipv4 ?? []), ...(adapter.tcpip?.nsi.ipv6 ?? [])].map((nsiAddress) => [orDash(adapter.connectionName ?? adapter.classKey), nsiAddress.luid, nsiAddress.address]));
  if (nsiRows.length) out.push("", "NSI persistent addresses:", table(["adapter", "LUID", "address"], nsiRows));
  for (const orphanInterface of report.network.orphanInterfaces) out.push(`orphan interface ${orphanInterface.interfaceKey}: ${orphanInterface.addresses.map((address) => address.address).join(",")}`);
  if (report.network.networkCards) out.push("", `NetworkCards: ${report.network.networkCards.map((networkCard) => `${networkCard.index}=${orDash(networkCard.description)}`).join("; ") || "none"}`);

  heading("NCSI / network location");
  const ncsi = report.network.ncsi;
  out.push(`active probing: ${ncsi.activeProbing ? "on" : "off"} (EnableActiveProbing ${orDash(ncsi.enableActiveProbing)}, policy NoActiveProbe ${orDash(ncsi.policyNoActiveProbe)}); web probe ${orDash(ncsi.webProbeHost)}/${orDash(ncsi.webProbePath)}; DNS probe ${orDash(ncsi.dnsProbeHost)}`);
  if (report.network.profiles) {
    out.push(table(["profile", "category", "managed", "last connected"], report.network.profiles.map((profile) => [orDash(profile.name), profile.categoryName, orDash(profile.managed), orDash(profile.dateLastConnected)])));
  }

  heading(`Boot storage (${report.bootStorage.database})`);
  const targets: BootTarget[] = report.target ? report.bootStorage.targets.filter((target) => target.target === report.target) : report.bootStorage.targets;
  out.push(
    table(
      ["target", "path", "drivers", "ok", "why not"],
      targets.flatMap((target) => target.paths.map((path) => [target.name, path.id, path.drivers.map((driver) => `${driver.service}:${driver.state}`).join(" "), path.ok ? "yes" : "no", path.reasons.join("; ")])),
    ),
  );
  for (const filter of report.bootStorage.filters) out.push(`${filter.className} ${filter.list}: ${filter.services.join(", ")}${filter.broken.length ? paint("red", ` (broken: ${filter.broken.map((brokenEntry) => brokenEntry.service).join(", ")})`) : ""}`);
  for (const target of targets) if (target.advice) out.push(`${target.name}: ${target.advice}`);
  const nics = targets.flatMap((target) => target.nics.map((nic) => [target.name, nic.model, nic.state, nic.evidence]));
  if (nics.length > 0) out.push(table(["target", "NIC model", "driver", "evidence"], nics));

  const notable = report.services.items.filter((service) => options.allServices || service.vendor !== null);
  heading(`Services and drivers (${report.services.count}; ${options.allServices ? "all" : "vendor-tagged"} shown)`);
  out.push(
    table(
      ["name", "start", "kind", "vendor", "display name"],
      notable.map((service) => [service.name, service.startName + (Object.keys(service.startOverride).length ? "*" : ""), service.kind, service.vendor ? `${service.vendor.vendor} (${service.vendor.category})` : "-", service.displayName]),
    ),
  );

  heading("Power, page file, crash control, pending work");
  const power = report.power;
  out.push(
    table(
      ["item", "value"],
      [
        ["Fast Startup", `${power.fastStartup ? "on" : "off"} (HiberbootEnabled ${orDash(power.hiberbootEnabled)}, HibernateEnabled ${orDash(power.hibernateEnabled)})`],
        ["hiberfil.sys", power.hiberfile.checked ? (power.hiberfile.present ? `present, ${power.hiberfile.hibernated ? "HIBERNATED" : "not hibernated"}` : "absent") : "not checked (no file access)"],
        ["page files", report.pageFile.pagingFiles.map((pagingFile) => pagingFile.raw).join("; ") || "-"],
        ["crash dump", `CrashDumpEnabled ${orDash(report.crashControl.crashDumpEnabled)}, AutoReboot ${orDash(report.crashControl.autoReboot)}`],
        ["pending renames", String(report.pending.fileRenames.length)],
        ["servicing reboot", orDash(report.pending.cbsRebootPending)],
      ],
    ),
  );
  if (report.bcd) out.push("", `BCD: ${report.bcd.firmware}, default ${orDash(report.bcd.defaultLoader?.description)} ${orDash(report.bcd.defaultLoader?.path)}`);
  if (report.firstBootResults) {
    heading("Previous p2vfix first boot");
    out.push(table(["step", "values"], report.firstBootResults.steps.map((step) => [step.name, Object.entries(step.values).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("|") : value}`).join(", ")])));
  }
  return out.join("\n") + "\n";
}
