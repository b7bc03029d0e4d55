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
import { demoImage } from "../../scripts/fixtures/build-scenarios.js";
import { restoreVmLinks, vmSidecarPath } from "../../src/plan/vm-link.js";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { fixtureFile } from "../helpers/fixtures.js";
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
    expect(findings.sort()).toEqual(["nic-teaming"]);

    const again = await cli("apply", image, planPath);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing written");
    expect(again.stdout).toContain("already unplugged");
    expect(sha(image)).toBe(written);
    expect(undoFiles()).toHaveLength(1);

    const undo = await cli("undo", image);
    expect(undo.code, undo.stderr).toBe(0);
    expect(sha(image)).toBe(original);
    expect(restoreVmLinks(image)).toEqual([`${vmx}: NIC ${nic.mac} plugged back`]);
    expect(readFileSync(vmx)).toEqual(vmxBytes);
    expect(() => readFileSync(vmSidecarPath(image))).toThrow();
  });
});
