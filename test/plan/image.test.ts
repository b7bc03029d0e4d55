/**
 * The image path: the demo disk image (VHDX > MBR > NTFS holding the HP ProLiant scenario's
 * hives) planned with --vm, applied through the safe write path (undo file), inspected, applied
 * again (nothing written, no second undo file), undone (image SHA-256 identical, VM definition
 * byte-identical after the NIC is plugged back). --dry-run changes neither file.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario, demoImage } from "../../scripts/fixtures/build-scenarios.js";
import { restoreVmLinks, vmSidecarPath } from "../../src/plan/vm-link.js";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { fixtureFile } from "../helpers/fixtures.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { cli, sha } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-plan-image-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const undoFiles = () => readdirSync(work).filter((f) => f.endsWith(".p2vfix-undo"));

describe("apply on a disk image", () => {
  it("demo VHDX with a VMware .vmx: plan → dry run → apply → inspect → apply again → undo", async () => {
    const image = join(work, "demo.vhdx");
    writeFileSync(image, gunzipSync(readFileSync(demoImage)));
    const vmx = join(work, "FS01-p2v.vmx");
    copyFileSync(fixtureFile("vmconfig/FS01-p2v.vmx"), vmx);
    const vmxBytes = readFileSync(vmx);
    const original = sha(image);
    const nic = openVmConfig(vmx).nics()[1];

    const planPath = join(work, "plan.yaml");
    const plan = await cli("plan", image, "--vm", vmx, "--nic", String(nic.index), "-o", planPath);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`unplug ${nic.mac}`);
    const yaml = readFileSync(planPath, "utf8");
    expect(yaml).toMatch(/^target: vmware$/m);
    expect(yaml).toContain(`$targetMac = '${nic.mac!.toUpperCase()}'`);

    const dry = await cli("apply", image, planPath, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("LSI_SAS\\StartOverride");
    expect(dry.stdout).toMatch(/link down: would be ethernet1/);
    expect(sha(image)).toBe(original);
    expect(readFileSync(vmx)).toEqual(vmxBytes);
    expect(undoFiles()).toEqual([]);

    const applied = await cli("apply", image, planPath);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/undo file: .*\.p2vfix-undo/);
    expect(undoFiles()).toHaveLength(1);
    expect(openVmConfig(vmx).nics().find((n) => n.index === nic.index)!.connected).toBe(false);
    const written = sha(image);
    expect(written).not.toBe(original);

    const loaded = loadWindows(image);
    const findings = inspectWindows(loaded.hives, { ...loaded.options, target: "vmware" }).findings.map((f) => f.id);
    loaded.close();
    // LSI SAS boots now; the VM must not be switched to PVSCSI/SATA/NVMe, and vmxnet3 has no driver yet.
    expect(findings.sort()).toEqual(["boot-controller:vmware", "nic-driver-missing:vmware", "nic-teaming"]);

    const again = await cli("apply", image, planPath);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing written");
    expect(again.stdout).toContain("already unplugged");
    expect(sha(image)).toBe(written);
    expect(undoFiles()).toHaveLength(1);

    const undo = await cli("undo", image, "--vm", vmx);
    expect(undo.code, undo.stderr).toBe(0);
    expect(sha(image)).toBe(original);
    // undo plugs the NIC back too (from the sidecar record), so nothing is left to restore.
    expect(undo.stdout).toContain(`${vmx}: NIC ${nic.mac} plugged back`);
    expect(restoreVmLinks(image)).toEqual([]);
    expect(readFileSync(vmx)).toEqual(vmxBytes);
    expect(() => readFileSync(vmSidecarPath(image))).toThrow();
  });
});

describe.skipIf(!toolsAvailable("qemu-img"))("apply on the demo image in every writable container format", () => {
  const formats = [
    { name: "raw", args: ["-O", "raw"] },
    { name: "vhd", args: ["-O", "vpc"] },
    { name: "vmdk", args: ["-O", "vmdk", "-o", "subformat=monolithicSparse"] },
    { name: "qcow2", args: ["-O", "qcow2"] },
  ];
  for (const f of formats) {
    it(`${f.name}: apply fixes the findings, a second apply writes nothing, undo gives the SHA-256 back`, async () => {
      const vhdx = join(work, `src-${f.name}.vhdx`);
      writeFileSync(vhdx, gunzipSync(readFileSync(demoImage)));
      const image = join(work, `demo.${f.name}`);
      const r = runTool("qemu-img", ["convert", ...f.args, vhdx, image]);
      expect(r.status, r.stderr).toBe(0);
      const original = sha(image);
      const planPath = join(work, `plan-${f.name}.yaml`);
      expect((await cli("plan", image, "--target", "hyperv", "-o", planPath)).code).toBe(0);
      const applied = await cli("apply", image, planPath);
      expect(applied.code, applied.stderr).toBe(0);
      const loaded = loadWindows(image);
      expect(inspectWindows(loaded.hives, { ...loaded.options, target: "hyperv" }).findings.map((x) => x.id)).toEqual(["nic-teaming"]);
      loaded.close();
      const written = sha(image);
      expect((await cli("apply", image, planPath)).stdout).toContain("nothing written");
      expect(sha(image)).toBe(written);
      const undo = await cli("undo", image);
      expect(undo.code, undo.stderr).toBe(0);
      expect(sha(image)).toBe(original);
    }, 60_000);
  }
});

describe("a plan is applied only to the machine it was made for", () => {
  it("the HP plan on the Windows 10 hives is refused, nothing written", async () => {
    const hp = buildScenario("hp-proliant-2012r2", join(work, "mismatch"));
    const win10 = buildScenario("win10-hyperv-guest", join(work, "mismatch"));
    const planPath = join(work, "hp-plan.yaml");
    expect((await cli("plan", hp, "--target", "hyperv", "-o", planPath)).code).toBe(0);
    const before = sha(join(win10, "SYSTEM"));
    const r = await cli("apply", win10, planPath);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/plan-target-mismatch: the plan was made for HQ-FS01/);
    expect(sha(join(win10, "SYSTEM"))).toBe(before);
  });
});
