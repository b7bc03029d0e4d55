/**
 * Issue 12 item 3 on the two-NIC Windows Server 2008 R2 scenario (secondary IPv4, IPv6 with its
 * prefix, IPv6 gateway and DNS, persistent routes with duplicates) and the real Windows 7 sample:
 * one step per old adapter mapped by MAC, what each step's script does (parsed with the real
 * PowerShell grammar), the offline route clean-up, unmapped adapters recorded and reported, the
 * plan's nics: edits, and a VM NIC without a driver.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario, scenariosDir } from "../../scripts/fixtures/build-scenarios.js";
import { buildPlan } from "../../src/plan/build.js";
import { expandPlan } from "../../src/plan/expand.js";
import { loadPlan } from "../../src/plan/load.js";
import { loadProfile, resolveOptions } from "../../src/plan/profiles.js";
import type { FixupOptionsInput } from "../../src/fixups/options.js";
import { loadWindows } from "../../src/windows/load.js";
import { parsePowerShell } from "../firstboot/powershell-grammar.js";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { corpusFile, hasCorpus, noCorpusReason } from "../helpers/corpus.js";
import { fixtureFile } from "../helpers/fixtures.js";
import { cli } from "./helpers.js";

const SCENARIO = "server2008r2-two-nics";
const A = "52:54:00:00:00:0A";
const B = "52:54:00:00:00:0B";
const work = mkdtempSync(join(tmpdir(), "p2vfix-multi-nic-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function plan(overrides: FixupOptionsInput, dir = join(scenariosDir, SCENARIO)) {
  const loaded = loadWindows(dir);
  const p = loadProfile("p2v-default");
  return { ...buildPlan({ hives: loaded.hives, options: resolveOptions(p, { target: "kvm", ...overrides }), source: SCENARIO, profile: p.name }), hives: loaded.hives };
}

const fixup = (p: ReturnType<typeof plan>["plan"], id: string) => p.fixups.find((f) => f.id === id)!;
const step = (p: ReturnType<typeof plan>["plan"], id: string) => p.firstBoot!.steps.find((s) => s.id === id)!;

describe("two old NICs, two new MACs", () => {
  const { plan: p } = plan({ macs: [A, B] });

  it("one step per old adapter, in order: the one with the gateway first; the plan's nics: says which MAC takes which", () => {
    expect(p.firstBoot!.steps.map((s) => s.id).filter((id) => id.startsWith("move-static-ip"))).toEqual(["move-static-ip-1", "move-static-ip-2"]);
    expect(p.nics).toEqual([
      { adapter: "Local Area Connection", interface: "{A1B2C3D4-0001-4000-8000-00000000000A}", configuration: "10.10.1.20/255.255.255.0, 10.10.1.21/255.255.255.0, 2001:db8:10::20/64, gateway 10.10.1.1, DNS 10.10.1.5, 10.10.1.6, 2001:db8:10::53, suffix branch.corp.example", mac: A, step: "move-static-ip-1" },
      { adapter: "Local Area Connection 2", interface: "{A1B2C3D4-0002-4000-8000-00000000000B}", configuration: "192.168.50.20/255.255.255.0", mac: B, step: "move-static-ip-2" },
    ]);
  });

  it("the first step: both IPv4 addresses, IPv6 with its /64, IPv6 gateway and DNS, registration under the suffix, NetBIOS, WINS, the connection name", async () => {
    const s = step(p, "move-static-ip-1").script;
    expect(s).toContain(`$targetMac = '${A}'`);
    expect(s).toContain("$ips = [string[]]@('10.10.1.20','10.10.1.21')");
    expect(s).toContain("$masks = [string[]]@('255.255.255.0','255.255.255.0')");
    expect(s).toContain("{ $cfg.SetDynamicDNSRegistration($true, $true) }");
    expect(s).toContain("{ $cfg.SetTcpipNetbios(1) }");
    expect(s).toContain("{ $cfg.SetWINSServer('10.10.1.7', '') }");
    expect(s).toContain("$wantedName = 'Local Area Connection'");
    const parsed = await parsePowerShell(s);
    expect(parsed.errors).toEqual([]);
    expect(parsed.commands.filter((c) => /netsh/i.test(c.name)).map((c) => c.args.replace(/ 2>&1$/, ""))).toEqual([
      "interface ipv6 add address ('interface=' + $nic.InterfaceIndex) 'address=2001:db8:10::20/64' 'store=persistent'",
      "interface ipv6 add route 'prefix=::/0' ('interface=' + $nic.InterfaceIndex) 'nexthop=2001:db8:10::1' 'store=persistent'",
      "interface ipv6 add dnsserver ('interface=' + $nic.InterfaceIndex) 'address=2001:db8:10::53' 'index=1'",
    ]);
    // Its default route is set by SetGateways, not re-added from PersistentRoutes.
    expect(parsed.commands.filter((c) => /^route/i.test(c.name))).toEqual([]);
  });

  it("WMI return codes are read as [long]; the busy codes are retried after a growing pause", () => {
    const s = step(p, "move-static-ip-1").script;
    expect(s).toContain("$code = [long]$r.ReturnValue");
    expect(s).toContain("$code -ne 2147786788 -and $code -ne 84");
    expect(s).toContain("$pause = $pause * 2");
    expect(s).not.toMatch(/\[int\]\$result/);
  });

  it("the second step re-adds its persistent route on the new interface, once", async () => {
    const parsed = await parsePowerShell(step(p, "move-static-ip-2").script);
    expect(parsed.errors).toEqual([]);
    expect(parsed.commands.filter((c) => /^route/i.test(c.name)).map((c) => c.args)).toEqual(["-p add 172.16.0.0 mask 255.240.0.0 192.168.50.1 metric 10 if $nic.InterfaceIndex 2>&1"]);
    expect(step(p, "move-static-ip-2").script).toContain("$wantedName = 'Local Area Connection 2'");
  });

  it("offline: the duplicate default route and the route written twice go; the route no adapter reaches stays and is named", () => {
    const f = fixup(p, "static-ip");
    const routes = f.registry.filter((e) => e["delete-value"]?.endsWith("\\PersistentRoutes")).map((e) => e.name);
    expect(routes).toEqual(["172.16.0.0,255.240.0.0,192.168.50.1,20", "0.0.0.0,0.0.0.0,10.10.1.1,-1"]);
    expect(f.notices.join("\n")).toContain("Persistent routes left as they are (no moved adapter reaches their gateway): 10.99.0.0,255.255.0.0,10.200.0.1,-1.");
    // The old adapters' NSI values go, IPv6 route included.
    const nsi = f.registry.filter((e) => e["delete-value"]?.includes("\\Control\\Nsi\\")).map((e) => e["delete-value"]!.split("\\").slice(-2).join("\\"));
    expect(nsi.sort()).toEqual(["{eb004a00-9b1a-11d4-9123-0050047759bc}\\10", "{eb004a00-9b1a-11d4-9123-0050047759bc}\\10", "{eb004a00-9b1a-11d4-9123-0050047759bc}\\10", "{eb004a00-9b1a-11d4-9123-0050047759bc}\\16", "{eb004a01-9b1a-11d4-9123-0050047759bc}\\10", "{eb004a01-9b1a-11d4-9123-0050047759bc}\\16"]);
  });
});

describe("fewer new NICs than old adapters", () => {
  it("one MAC: the adapter with the gateway moves; the other is recorded in SOFTWARE, named in the plan, listed by report", async () => {
    const dir = buildScenario(SCENARIO, join(work, "one-mac"));
    const planPath = join(work, "one-mac.yaml");
    const r = await cli("plan", dir, "--target", "kvm", "--mac", A, "-o", planPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("! [static-ip] Local Area Connection 2 (192.168.50.20/255.255.255.0) has no new NIC");
    const p = loadPlan(planPath);
    expect(p.nics.map((n) => [n.adapter, n.mac, n.step])).toEqual([["Local Area Connection", A, "move-static-ip"], ["Local Area Connection 2", null, null]]);
    const record = fixup(p as never, "static-ip").registry.filter((e) => e.set?.startsWith("SOFTWARE\\p2vfix\\Network\\Unmapped\\"));
    expect(Object.fromEntries(record.map((e) => [e.name, e.data]))).toMatchObject({ Name: "Local Area Connection 2", IPv4: ["192.168.50.20/255.255.255.0"], Summary: "192.168.50.20/255.255.255.0" });
    // Its route is not re-pointed (nothing moves it): it stays in PersistentRoutes.
    expect(fixup(p as never, "static-ip").notices.join("\n")).toMatch(/left as they are .*172\.16\.0\.0,255\.240\.0\.0,192\.168\.50\.1,10/);
    expect((await cli("apply", dir, planPath)).code).toBe(0);
    const report = await cli("report", join(dir, "SOFTWARE"));
    expect(report.stdout).toContain("Old adapters with no new NIC");
    expect(report.stdout).toContain("Local Area Connection 2 ({A1B2C3D4-0002-4000-8000-00000000000B}): 192.168.50.20/255.255.255.0");
    const json = JSON.parse((await cli("report", join(dir, "SOFTWARE"), "--json")).stdout);
    expect(json.unmappedAdapters.map((a: { name: string }) => a.name)).toEqual(["Local Area Connection 2"]);
  });

  it("no MAC at all: the first adapter goes to the only new NIC, the other is unmapped", () => {
    const { plan: p } = plan({});
    expect(p.nics.map((n) => [n.adapter, n.mac, n.step])).toEqual([["Local Area Connection", null, "move-static-ip"], ["Local Area Connection 2", null, null]]);
    expect(step(p, "move-static-ip").script).toContain("$targetMac = ''");
  });

  it("a spare MAC keeps DHCP and is named", () => {
    const { plan: p } = plan({ macs: [A, B, "52:54:00:00:00:0C"] });
    expect(fixup(p, "static-ip").notices).toContain("The new NIC 52:54:00:00:00:0C has no old adapter with a static configuration left to take: it keeps DHCP.");
  });
});

describe("teams", () => {
  it("the team's configuration goes to the first MAC, before an adapter listed earlier; team members take none", () => {
    const { plan: p } = plan({ target: "hyperv", macs: [A] }, join(scenariosDir, "hp-proliant-2012r2"));
    expect(p.nics.map((n) => [n.adapter, n.mac, n.step])).toEqual([["Production Team", A, "move-static-ip"], ["Backup", null, null]]);
    expect(step(p, "move-static-ip").script).toContain("$ips = [string[]]@('10.20.30.40')");
  });
});

describe("nics: mapping", () => {
  it("an explicit nics: option picks the adapter by connection name; the --mac list fills the rest", () => {
    const { plan: p } = plan({ nics: [{ adapter: "local area connection 2", mac: A }], macs: [B] });
    expect(p.nics.map((n) => [n.adapter, n.mac])).toEqual([["Local Area Connection", B], ["Local Area Connection 2", A]]);
  });

  it("an unknown adapter or a MAC given twice is refused", () => {
    expect(() => plan({ nics: [{ adapter: "Ethernet 7", mac: A }] })).toThrow(/no old adapter with a static configuration is named "Ethernet 7"/);
    expect(() => plan({ macs: [A, A.toLowerCase()] })).toThrow(/given for two old adapters/);
  });

  it("editing a mac in the plan's nics: retargets that step at apply; a MAC for an adapter without a step is refused", () => {
    const { plan: p, hives } = plan({ macs: [A, B] });
    const edited = { ...p, nics: p.nics.map((n) => (n.step === "move-static-ip-2" ? { ...n, mac: "52-54-00-00-00-0d" } : n)) };
    const expanded = expandPlan(edited, { system: hives.system, software: hives.software! });
    expect(expanded.steps.find((s) => s.id === "move-static-ip-2")!.script).toContain("$targetMac = '52:54:00:00:00:0D'\r\n");
    expect(expanded.steps.find((s) => s.id === "move-static-ip-1")!.script).toContain(`$targetMac = '${A}'`);
    const crlf = { ...edited, firstBoot: { ...edited.firstBoot!, steps: edited.firstBoot!.steps.map((s) => ({ ...s, script: s.script.replace(/\r?\n/g, "\r\n") })) } };
    const crlfScript = expandPlan(crlf, { system: hives.system, software: hives.software! }).steps.find((s) => s.id === "move-static-ip-2")!.script;
    expect(crlfScript).toContain("$targetMac = '52:54:00:00:00:0D'\r\n");
    expect(crlfScript).not.toContain(`$targetMac = '${B}'`);
    const one = plan({ macs: [A] });
    const bad = { ...one.plan, nics: one.plan.nics.map((n) => (n.step === null ? { ...n, mac: B } : n)) };
    expect(() => expandPlan(bad, { system: one.hives.system, software: one.hives.software! })).toThrow(/has the MAC .* but no first-boot step/);
  });
});

describe("plan --vm with several NICs", () => {
  it("every NIC of the libvirt domain, in order (or in --mac order); apply unplugs them all; each NIC's model is checked", async () => {
    const dir = buildScenario(SCENARIO, join(work, "vm"));
    const xml = join(work, "fs01-p2v.xml");
    copyFileSync(fixtureFile("vmconfig/fs01-p2v.xml"), xml);
    const planPath = join(work, "vm.yaml");
    const r = await cli("plan", dir, "--vm", xml, "-o", planPath);
    expect(r.code, r.stderr).toBe(0);
    const p = loadPlan(planPath);
    expect(p.vm?.nic).toEqual({ all: true });
    expect(p.nics.map((n) => [n.adapter, n.mac, n.step])).toEqual([["Local Area Connection", "52:54:00:6B:3C:58", "move-static-ip-1"], ["Local Area Connection 2", "52:54:00:AA:01:02", "move-static-ip-2"]]);
    // e1000e has no driver on 2008 R2 (not installed, not in-box before 8), virtio never: one attempt each, said in the plan.
    expect(p.firstBoot!.steps.filter((s) => s.id.startsWith("move-static-ip")).map((s) => s.retries)).toEqual([0, 0]);
    const notices = p.fixups.find((f) => f.id === "static-ip")!.notices.join("\n");
    expect(notices).toContain("The VM's NIC 52:54:00:6B:3C:58 (model e1000e) has no driver in the image (e1000e: none of");
    expect(notices).toContain("The VM's NIC 52:54:00:AA:01:02 (model virtio) has no driver in the image (virtio-net: none of netkvm is installed; Windows does not ship it)");
    const reversed = await cli("plan", dir, "--vm", xml, "--mac", "52:54:00:aa:01:02", "--mac", "52:54:00:6b:3c:58", "-o", planPath);
    expect(reversed.code, reversed.stderr).toBe(0);
    expect(loadPlan(planPath).nics.map((n) => n.mac)).toEqual(["52:54:00:AA:01:02", "52:54:00:6B:3C:58"]);
    expect((await cli("apply", dir, planPath)).code).toBe(0);
    expect(openVmConfig(xml).nics().map((n) => n.connected)).toEqual([false, false]);
  });
});

describe("the new NIC's driver", () => {
  it("a virtio NIC on an image without netkvm: the step gets one attempt and the plan says why", () => {
    const { plan: p, findings } = plan({ macs: [A], vmNics: [{ mac: A.toLowerCase(), model: "virtio" }] });
    expect(step(p, "move-static-ip").retries).toBe(0);
    expect(fixup(p, "static-ip").notices.join("\n")).toMatch(/The VM's NIC 52:54:00:00:00:0A \(model virtio\) has no driver in the image \(virtio-net: .*\): the step for Local Area Connection will not find the NIC/);
    expect(findings.map((f) => f.id)).toContain("nic-driver-missing:kvm");
    // An e1000 NIC has its driver here (E1G60): the step keeps its retries.
    expect(step(plan({ macs: [A], vmNics: [{ mac: A, model: "e1000" }] }).plan, "move-static-ip").retries).toBe(2);
  });

  it("KVM without virtio: the plan says to boot from IDE, not virtio or SATA (msahci is not boot-start)", () => {
    const { plan: p } = plan({ macs: [A] });
    expect(fixup(p, "boot-storage").notices[0]).toMatch(/^Boot the VM from IDE disk bus on the i440fx \(pc\) machine type .*; not from virtio-blk \(viostor\) \(viostor is not installed.*SATA AHCI \(msahci, Windows Vista \/ 7 \/ 2008 R2\) \(msahci is not boot-start \(Start=3\)\)\.$/);
  });
});

describe.skipIf(!hasCorpus())("real Windows 7 sample: two static NICs", () => {
  it("prefix lengths come from the NSI data; both PersistentRoutes gateways are duplicates once both NICs are mapped", async () => {
    if (!hasCorpus()) throw new Error(noCorpusReason);
    const loaded = loadWindows(await corpusFile("hives/regipy/SYSTEM.xz"), { useLogs: false });
    const model = buildPlan({ hives: loaded.hives, options: resolveOptions(loadProfile("p2v-default"), { target: "hyperv", macs: [A, B] }), source: "w7", profile: "p2v-default" });
    const nsi = model.model.network.adapters.flatMap((a) => a.tcpip?.nsi.ipv4.map((n) => `${n.address}/${n.prefixLength}`) ?? []);
    expect(nsi.sort()).toEqual(["10.3.58.5/24", "192.168.1.123/24"]);
    expect(model.model.network.persistentRoutes.map((r) => r.valueName)).toEqual(["0.0.0.0,0.0.0.0,192.168.1.1,-1", "0.0.0.0,0.0.0.0,10.3.58.1,-1"]);
    // No SOFTWARE hive: no runner, so notices only, and nothing is deleted from PersistentRoutes.
    const f = model.plan.fixups.find((x) => x.id === "static-ip")!;
    expect(f.notices.filter((n) => n.startsWith("No first-boot runner"))).toHaveLength(2);
    expect(f.registry.some((e) => e["delete-value"]?.endsWith("PersistentRoutes"))).toBe(false);
  });
});
