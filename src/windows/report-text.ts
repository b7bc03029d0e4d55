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

function v(x: string | number | null | undefined | boolean): string {
  if (x === null || x === undefined || x === "") return "-";
  return String(x);
}

export function renderReport(r: InspectReport, options: TextOptions = {}): string {
  const c = (code: keyof typeof ANSI, s: string) => (options.color ? `${ANSI[code]}${s}${ANSI.reset}` : s);
  const out: string[] = [];
  const heading = (s: string) => out.push("", c("bold", s), c("bold", "=".repeat(s.length)));
  const i = r.installation;

  out.push(c("bold", `p2vfix inspect: ${i.productName ?? i.family ?? "Windows (version unknown without SOFTWARE)"} (${v(i.computerName)})`));
  out.push(`SYSTEM: ${r.sources.system}`);
  if (r.sources.software) out.push(`SOFTWARE: ${r.sources.software}`);
  if (r.sources.bcd) out.push(`BCD: ${r.sources.bcd}`);
  if (r.sources.filesystem) out.push(`Files: ${r.sources.filesystem}`);
  if (r.target) out.push(`Target hypervisor: ${r.target}`);
  for (const warning of r.sources.warnings) out.push(c("yellow", `hive: ${warning}`));
  for (const u of r.unknown) out.push(c("dim", `unknown: ${u.section}: ${u.reason}`));

  heading(`Findings (${r.findings.length})`);
  if (r.findings.length === 0) out.push("none");
  const sev = (f: Finding) => (f.severity === "problem" ? c("red", "PROBLEM") : f.severity === "warning" ? c("yellow", "WARNING") : c("cyan", "INFO   "));
  for (const finding of r.findings) {
    out.push(`${sev(finding)}  ${finding.id}: ${finding.title}`);
    out.push(`         ${finding.detail}`);
    out.push(`         fixup: ${finding.fixup}`);
    for (const e of finding.evidence) out.push(c("dim", `         - ${e.key}${e.value !== undefined ? ` : ${e.value === "" ? "@" : e.value}` : ""}${e.data !== undefined ? ` = ${e.data}` : ""}`));
  }

  heading("Installation");
  out.push(
    table(
      ["fact", "value"],
      [
        ["product", v(i.productName)],
        ["family", v(i.family)],
        ["edition", v(i.editionId)],
        ["version", `${v(i.ntVersion)} build ${v(i.build)}${i.ubr !== null ? `.${i.ubr}` : ""}${i.displayVersion ? ` (${i.displayVersion})` : ""}${i.csdVersion ? ` ${i.csdVersion}` : ""}`],
        ["role", `${i.role} (${v(i.productType)})`],
        ["architecture", v(i.architecture)],
        ["computer name", v(i.computerName)],
        ["hostname", `${v(i.hostname)}${i.pendingHostname ? ` (pending rename to ${i.pendingHostname})` : ""}`],
        ["DNS suffix", v(i.dnsSuffix)],
        ["domain hints", i.domainHints.length ? i.domainHints.join("; ") : "none (workgroup?)"],
        ["time zone", `${v(i.timeZone)}${i.realTimeIsUniversal ? ", RTC in UTC" : ", RTC in local time"}`],
        ["control set", `${r.controlSets.resolved} (from Select\\${r.controlSets.resolvedFrom}; LastKnownGood ${v(r.controlSets.lastKnownGood)}; present ${r.controlSets.available.join(", ")})`],
      ],
    ),
  );

  heading(`Network adapters (${r.network.adapters.length})`);
  out.push(
    table(
      ["key", "connection", "driver", "kind", "IPv4", "gateway", "DNS"],
      r.network.adapters.map((adapter) => {
        const t = adapter.tcpip;
        const ips = t ? (t.dhcp ? `DHCP${t.dhcpLease?.address ? ` (${t.dhcpLease.address})` : ""}` : t.addresses.map((x) => `${x.address}/${x.mask ?? "?"}`).join(",")) : "";
        return [
          adapter.classKey,
          v(adapter.connectionName),
          v(adapter.driverDesc),
          adapter.team ? `team:${adapter.team.kind}` : adapter.physical ? "physical" : adapter.flags.includes("virtual") ? "virtual" : v(adapter.flags.join(",")),
          v(ips),
          v(t?.gateways.map((gateway) => gateway.address).join(",")),
          v(t?.dnsServers.join(",")),
        ];
      }),
    ),
  );
  const nsiRows = r.network.adapters.flatMap((adapter) => [...(adapter.tcpip?.nsi.ipv4 ?? []), ...(adapter.tcpip?.nsi.ipv6 ?? [])].map((n) => [v(adapter.connectionName ?? adapter.classKey), n.luid, n.address]));
  if (nsiRows.length) out.push("", "NSI persistent addresses:", table(["adapter", "LUID", "address"], nsiRows));
  for (const orphanInterface of r.network.orphanInterfaces) out.push(`orphan interface ${orphanInterface.interfaceKey}: ${orphanInterface.addresses.map((x) => x.address).join(",")}`);
  if (r.network.networkCards) out.push("", `NetworkCards: ${r.network.networkCards.map((networkCard) => `${networkCard.index}=${v(networkCard.description)}`).join("; ") || "none"}`);

  heading("NCSI / network location");
  const n = r.network.ncsi;
  out.push(`active probing: ${n.activeProbing ? "on" : "off"} (EnableActiveProbing ${v(n.enableActiveProbing)}, policy NoActiveProbe ${v(n.policyNoActiveProbe)}); web probe ${v(n.webProbeHost)}/${v(n.webProbePath)}; DNS probe ${v(n.dnsProbeHost)}`);
  if (r.network.profiles) {
    out.push(table(["profile", "category", "managed", "last connected"], r.network.profiles.map((profile) => [v(profile.name), profile.categoryName, v(profile.managed), v(profile.dateLastConnected)])));
  }

  heading(`Boot storage (${r.bootStorage.database})`);
  const targets: BootTarget[] = r.target ? r.bootStorage.targets.filter((t) => t.target === r.target) : r.bootStorage.targets;
  out.push(
    table(
      ["target", "path", "drivers", "ok", "why not"],
      targets.flatMap((target) => target.paths.map((path) => [target.name, path.id, path.drivers.map((driver) => `${driver.service}:${driver.state}`).join(" "), path.ok ? "yes" : "no", path.reasons.join("; ")])),
    ),
  );
  for (const filter of r.bootStorage.filters) out.push(`${filter.className} ${filter.list}: ${filter.services.join(", ")}${filter.broken.length ? c("red", ` (broken: ${filter.broken.map((b) => b.service).join(", ")})`) : ""}`);
  for (const target of targets) if (target.advice) out.push(`${target.name}: ${target.advice}`);
  const nics = targets.flatMap((target) => target.nics.map((nic) => [target.name, nic.model, nic.state, nic.evidence]));
  if (nics.length > 0) out.push(table(["target", "NIC model", "driver", "evidence"], nics));

  const notable = r.services.items.filter((item) => options.allServices || item.vendor !== null);
  heading(`Services and drivers (${r.services.count}; ${options.allServices ? "all" : "vendor-tagged"} shown)`);
  out.push(
    table(
      ["name", "start", "kind", "vendor", "display name"],
      notable.map((s) => [s.name, s.startName + (Object.keys(s.startOverride).length ? "*" : ""), s.kind, s.vendor ? `${s.vendor.vendor} (${s.vendor.category})` : "-", s.displayName]),
    ),
  );

  heading("Power, page file, crash control, pending work");
  const p = r.power;
  out.push(
    table(
      ["item", "value"],
      [
        ["Fast Startup", `${p.fastStartup ? "on" : "off"} (HiberbootEnabled ${v(p.hiberbootEnabled)}, HibernateEnabled ${v(p.hibernateEnabled)})`],
        ["hiberfil.sys", p.hiberfile.checked ? (p.hiberfile.present ? `present, ${p.hiberfile.hibernated ? "HIBERNATED" : "not hibernated"}` : "absent") : "not checked (no file access)"],
        ["page files", r.pageFile.pagingFiles.map((pagingFile) => pagingFile.raw).join("; ") || "-"],
        ["crash dump", `CrashDumpEnabled ${v(r.crashControl.crashDumpEnabled)}, AutoReboot ${v(r.crashControl.autoReboot)}`],
        ["pending renames", String(r.pending.fileRenames.length)],
        ["servicing reboot", v(r.pending.cbsRebootPending)],
      ],
    ),
  );
  if (r.bcd) out.push("", `BCD: ${r.bcd.firmware}, default ${v(r.bcd.defaultLoader?.description)} ${v(r.bcd.defaultLoader?.path)}`);
  if (r.firstBootResults) {
    heading("Previous p2vfix first boot");
    out.push(table(["step", "values"], r.firstBootResults.steps.map((step) => [step.name, Object.entries(step.values).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("|") : value}`).join(", ")])));
  }
  return out.join("\n") + "\n";
}
