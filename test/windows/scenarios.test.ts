/**
 * Each scenario fixture produces exactly its expected findings, read from the .reg files
 * (in-memory registry) and from real hives built from them by p2vfix's writer and by hivex
 * (read by p2vfix's regf reader); the human and JSON outputs of `p2vfix inspect` carry the same findings and the JSON
 * validates against the report schema.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario, scenariosDir, type Writer } from "../../scripts/fixtures/build-scenarios.js";
import { captureOutput } from "../../src/cli/output.js";
import { main } from "../../src/cli/main.js";
import { FINDING_IDS } from "../../src/windows/findings/index.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { InspectReport } from "../../src/windows/schema.js";
import { hasCorpus } from "../helpers/corpus.js";
import { toolsAvailable } from "../helpers/interop.js";

const scenarios: { name: string; target: string; findings: string[] }[] = [
  {
    name: "hp-proliant-2012r2",
    target: "hyperv",
    findings: ["boot-driver-missing:hyperv", "stale-static-ip", "nic-teaming", "ncsi-active-probing", "vendor-agent", "vendor-driver", "crash-auto-reboot"],
  },
  {
    name: "win10-hyperv-guest",
    target: "hyperv",
    findings: ["ncsi-active-probing", "fast-startup", "pending-reboot", "crash-auto-reboot", "previous-firstboot"],
  },
  {
    name: "server2019-vmware",
    target: "kvm",
    findings: ["boot-driver-missing:kvm", "nic-driver-missing:kvm", "stale-static-ip", "ncsi-active-probing", "hypervisor-tools"],
  },
  {
    name: "server2008r2-two-nics",
    target: "kvm",
    findings: ["stale-static-ip", "boot-controller:kvm", "nic-driver-missing:kvm", "ncsi-active-probing"],
  },
  {
    name: "server2003-dc",
    target: "xen",
    findings: ["boot-controller:xen", "storage-filter-broken", "stale-static-ip", "vendor-agent", "vendor-driver", "domain-controller", "backup-av-agent", "crash-auto-reboot"],
  },
];

function ids(report: { findings: { id: string }[] }): string[] {
  return report.findings.map((f) => f.id).sort();
}

describe("scenario fixtures (.reg, in memory)", () => {
  for (const s of scenarios) {
    it(`${s.name} --target ${s.target}: exactly the expected findings`, () => {
      const { hives, options } = loadWindows(join(scenariosDir, s.name));
      const report = inspectWindows(hives, { ...options, target: s.target });
      expect(ids(report)).toEqual([...s.findings].sort());
      expect(report.unknown).toEqual([]);
      for (const id of ids(report)) expect(FINDING_IDS as readonly string[]).toContain(id.replace(/:.*$/, ":<target>").replace(/^([^:]+)$/, "$1"));
      expect(() => InspectReport.parse(report)).not.toThrow();
    });

    it(`${s.name}: CLI human and --json report the same findings`, async () => {
      const dir = join(scenariosDir, s.name);
      const json = captureOutput();
      expect(await main(["inspect", dir, "--target", s.target, "--json"], json)).toBe(0);
      const parsed = InspectReport.parse(JSON.parse(json.stdout()));
      expect(ids(parsed)).toEqual([...s.findings].sort());
      const human = captureOutput();
      expect(await main(["inspect", dir, "--target", s.target], human)).toBe(0);
      const text = human.stdout();
      expect(text).toContain(`Findings (${s.findings.length})`);
      for (const id of s.findings) expect(text).toContain(`  ${id}: `);
      // Only the findings listed: count the severity-tagged lines.
      expect(text.split("\n").filter((l) => /^(PROBLEM|WARNING|INFO) /.test(l))).toHaveLength(s.findings.length);
    });
  }

  it("hp-proliant-2012r2: the facts behind the findings", () => {
    const { hives } = loadWindows(join(scenariosDir, "hp-proliant-2012r2"));
    const r = inspectWindows(hives, { target: "hyperv" });
    expect(r.installation).toMatchObject({ family: "Windows Server 2012 R2", build: 9600, role: "server", architecture: "x64", hostname: "HQ-FS01" });
    const team = r.network.adapters.find((a) => a.team)!;
    expect(team).toMatchObject({ connectionName: "Production Team", luid: "0000000700000600", team: { kind: "hp-team", members: ["0001", "0002"] } });
    expect(r.network.adapters.filter((a) => a.teamMemberOf === "0004").map((a) => a.connectionName)).toEqual(["Ethernet", "Ethernet 2"]);
    expect(team.tcpip).toMatchObject({
      dhcp: false,
      addresses: [{ address: "10.20.30.40", mask: "255.255.255.0" }],
      gateways: [{ address: "10.20.30.1", metric: 0 }],
      dnsServers: ["10.20.30.5", "10.20.30.6"],
      netbios: { options: 0, wins: ["10.20.30.5"] },
    });
    expect(team.tcpip!.nsi.routes.map((x) => x.nextHop)).toEqual(["10.20.30.1"]);
    expect(r.network.profiles!.map((p) => p.categoryName)).toEqual(["domain", "public"]);
    expect(r.network.adapters.find((a) => a.classKey === "0001")!.advanced).toMatchObject({ "*JumboPacket": "1514", WakeOnLink: "0" });
  });

  it("win10-hyperv-guest: burned-in MAC from NetworkSetup2, DHCP lease, Fast Startup, first-boot results", () => {
    const { hives } = loadWindows(join(scenariosDir, "win10-hyperv-guest"));
    const r = inspectWindows(hives, { target: "hyperv" });
    const nic = r.network.adapters.find((a) => a.service === "netvsc")!;
    expect(nic.permanentAddress).toBe("00-15-5d-01-2c-0a");
    expect(nic.tcpip).toMatchObject({ dhcp: true, addresses: [], dhcpLease: { address: "192.168.0.42", server: "192.168.0.1", dnsServers: ["192.168.0.1"] } });
    expect(r.installation).toMatchObject({ family: "Windows 10", ntVersion: "10.0", build: 19045, ubr: 3339, displayVersion: "22H2", role: "workstation" });
    expect(r.power.fastStartup).toBe(true);
    expect(r.firstBootResults!.steps.map((s) => [s.name, s.values.Status])).toEqual([["01-wait-pnp", "ok"], ["02-remove-ghosts", "ok"]]);
    expect(r.bootStorage.targets.find((t) => t.target === "hyperv")!.paths.find((p) => p.id === "gen2-scsi")!.ok).toBe(true);
    expect(r.services.items.find((s) => s.name === "CDPUserSvc")!.kind).toBe("user-service-template");
  });
});

const writers: { writer: Writer; ready: () => boolean }[] = [
  { writer: "p2vfix", ready: () => true },
  { writer: "hivex", ready: () => hasCorpus() && toolsAvailable("hivexregedit") },
];

describe.each(writers)("scenario fixtures built into hives by $writer, read by p2vfix", ({ writer, ready }) => {
  const out = mkdtempSync(join(tmpdir(), `p2vfix-scenarios-${writer}-`));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  for (const s of scenarios) {
    it.skipIf(!ready())(`${s.name}: same report from the hives as from the .reg files`, () => {
      const dir = buildScenario(s.name, out, writer);
      const fromHive = loadWindows(dir);
      const fromReg = loadWindows(join(scenariosDir, s.name));
      const a = inspectWindows(fromHive.hives, { target: s.target });
      const b = inspectWindows(fromReg.hives, { target: s.target });
      expect(ids(a)).toEqual([...s.findings].sort());
      const strip = (r: typeof a) => ({ ...r, sources: null });
      expect(strip(a)).toEqual(strip(b));
    });
  }
});
