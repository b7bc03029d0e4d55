/**
 * `plan --vm` and the apply-side unplug: the target hypervisor and MAC come from the VM
 * definition; a libvirt domain's NIC is unplugged by apply and plugged back by restoreVmLinks
 * byte for byte; Hyper-V (no file) gets the PowerShell to run instead; a VM with several NICs
 * needs --nic or --mac.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario } from "../../scripts/fixtures/build-scenarios.js";
import { loadPlan } from "../../src/plan/load.js";
import { restoreVmLinks, vmSidecarPath } from "../../src/plan/vm-link.js";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { fixtureFile } from "../helpers/fixtures.js";
import { cli } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-plan-vm-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("plan --vm and the NIC unplug", () => {
  it("libvirt: target kvm and the MAC from the domain; apply unplugs, restoreVmLinks plugs back byte for byte", async () => {
    const dir = buildScenario("server2019-vmware", join(work, "kvm"));
    const xml = join(work, "fs01-p2v.xml");
    copyFileSync(fixtureFile("vmconfig/fs01-p2v.xml"), xml);
    const original = readFileSync(xml);
    // Several NICs and no --nic/--mac: every NIC, their MACs given in order to the old adapters
    // (one static adapter here: the second NIC keeps DHCP), and apply unplugs them all.
    const every = await cli("plan", dir, "--vm", xml, "-o", join(work, "x.yaml"));
    expect(every.code, every.stderr).toBe(0);
    const all = loadPlan(join(work, "x.yaml"));
    expect(all.vm?.nic).toEqual({ all: true });
    expect(all.nics.map((n) => [n.adapter, n.mac, n.step])).toEqual([["Ethernet0", "52:54:00:6B:3C:58", "move-static-ip"]]);
    expect(all.fixups.find((f) => f.id === "static-ip")!.notices.join("\n")).toContain("The new NIC 52:54:00:AA:01:02 has no old adapter with a static configuration left to take: it keeps DHCP.");
    const planPath = join(work, "kvm.yaml");
    const r = await cli("plan", dir, "--vm", xml, "--mac", "52-54-00-AA-01-02", "-o", planPath);
    expect(r.code, r.stderr).toBe(0);
    const plan = loadPlan(planPath);
    expect(plan.target).toBe("kvm");
    expect(plan.vm).toMatchObject({ file: xml, nic: { mac: "52:54:00:aa:01:02" }, link: "down" });
    expect(plan.firstBoot?.steps.find((s) => s.id === "move-static-ip")?.script).toContain("$targetMac = '52:54:00:AA:01:02'");
    const conflict = await cli("plan", dir, "--vm", xml, "--mac", "52:54:00:aa:01:02", "--target", "hyperv");
    expect(conflict.code).toBe(2);

    const applied = await cli("apply", dir, planPath);
    expect(applied.code, applied.stderr).toBe(0);
    expect(openVmConfig(xml).nics().find((n) => n.mac === "52:54:00:aa:01:02")!.connected).toBe(false);
    expect(readFileSync(`${xml}.bak`)).toEqual(original);
    expect(existsSync(vmSidecarPath(dir))).toBe(true);
    expect(restoreVmLinks(dir, { vmFile: xml })).toEqual([`${xml}: NIC 52:54:00:aa:01:02 plugged back`]);
    expect(readFileSync(xml)).toEqual(original);
    expect(restoreVmLinks(dir)).toEqual([]);
  });

  it("Hyper-V: target hyperv from the export; apply prints the PowerShell and edits nothing", async () => {
    const dir = buildScenario("hp-proliant-2012r2", join(work, "hv"));
    const json = join(work, "FS01-p2v-hyperv.json");
    copyFileSync(fixtureFile("vmconfig/FS01-p2v-hyperv.json"), json);
    const original = readFileSync(json);
    const planPath = join(work, "hv.yaml");
    expect((await cli("plan", dir, "--vm", json, "--nic", "0", "-o", planPath)).code).toBe(0);
    const plan = loadPlan(planPath);
    expect(plan.target).toBe("hyperv");
    expect(plan.vm?.nic.mac).toBe("00:15:5d:01:0a:02");
    const applied = await cli("apply", dir, planPath);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/has no file to edit: run Get-VMNetworkAdapter -VMName 'FS01-p2v' .*Disconnect-VMNetworkAdapter/);
    expect(readFileSync(json)).toEqual(original);
    expect(existsSync(vmSidecarPath(dir))).toBe(false);
  });
});
