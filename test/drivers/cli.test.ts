/**
 * The CLI: `drivers list --from ISO --for HIVES` (human and --json), `drivers add --dry-run`
 * (nothing written), and a refusal's exit code (no package for this Windows → 3, bad input).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, sha } from "../helpers/cli.js";
import { corpusFile, hasCorpus } from "../helpers/corpus.js";
import { toolsAvailable } from "../helpers/interop.js";
import { virtioTree } from "./inf-fixtures.js";
import { makeIso, writeHostTree } from "./iso-helpers.js";
import { softwareHive, windowsVolume } from "./image-helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-drivers-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));


describe.skipIf(!toolsAvailable("genisoimage", "mkntfs") || !hasCorpus())("p2vfix drivers", () => {
  let iso = "";
  let hives = "";
  let system: Uint8Array = new Uint8Array();
  const software = softwareHive({ productName: "Windows 10 Pro", currentVersion: "6.3", build: 19045, installationType: "Client", major: 10 });
  beforeAll(async () => {
    iso = join(work, "virtio-win.iso");
    makeIso(writeHostTree(join(work, "virtio"), virtioTree()), iso, "joliet");
    system = new Uint8Array(readFileSync(await corpusFile("hives/dissect.regf/SYSTEM.gz")));
    hives = join(work, "hives");
    mkdirSync(hives);
    writeFileSync(join(hives, "SYSTEM"), system);
    writeFileSync(join(hives, "SOFTWARE"), software);
  });

  it("list: the choice and why, for a folder of hives", async () => {
    const r = await cli("drivers", "list", "--from", iso, "--for", hives);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("image: Windows NT 10.0 build 19045 client amd64 (virtio-win folder w10)");
    expect(r.stdout).toMatch(/viostor: viostor\/w10\/amd64\/viostor\.inf \(SCSIAdapter, .*boot start\)/);
    expect(r.stdout).toContain("why: virtio-win folder w10/amd64 is the one for");
    const j = await cli("drivers", "list", "--from", iso, "--for", hives, "--json");
    const parsed = JSON.parse(j.stdout);
    expect(parsed.chosen.map((c: { driver: string; inf: string }) => `${c.driver}:${c.inf}`).sort()).toEqual(["NetKVM:NetKVM/w10/amd64/netkvm.inf", "vioscsi:vioscsi/w10/amd64/vioscsi.inf", "viostor:viostor/w10/amd64/viostor.inf"]);
    expect(parsed.os).toEqual({ arch: "amd64", major: 10, minor: 0, build: 19045, productType: 1 });
  });

  it("add --dry-run writes nothing; no package for this Windows exits 3 with the reason", async () => {
    const vol = windowsVolume(work, "cli", system, software);
    const before = sha(vol);
    const dry = await cli("drivers", "add", vol, "--from", iso, "--driver", "viostor", "--dry-run", "--json");
    expect(dry.code, dry.stderr).toBe(0);
    const j = JSON.parse(dry.stdout);
    expect(j.dryRun).toBe(true);
    expect(j.drivers.map((d: { driver: string }) => d.driver)).toEqual(["viostor"]);
    expect(j.diff.some((d: { key: string; name?: string }) => d.key === "ControlSet001\\Services\\viostor" && d.name === "Start")).toBe(true);
    expect(sha(vol)).toBe(before);
    const w7only = join(work, "w7only");
    const tree = Object.fromEntries(Object.entries(virtioTree()).filter(([k]) => k.includes("/w7/")));
    const w7iso = join(work, "w7.iso");
    makeIso(writeHostTree(w7only, tree), w7iso, "joliet");
    const bad = await cli("drivers", "add", vol, "--from", w7iso);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/no-driver-for-windows: .*no driver package fits Windows NT 10.0 build 19045 client amd64/);
    expect(sha(vol)).toBe(before);
  });

  it("plan --drivers: the plan carries the drivers, apply installs them (diff shows files and keys), undo restores the image", async () => {
    const vol = windowsVolume(work, "plan", system, software);
    const before = sha(vol);
    const planPath = join(work, "plan.yaml");
    const plan = await cli("plan", vol, "--target", "kvm", "--drivers", iso, "--driver", "viostor", "-o", planPath);
    expect(plan.code, plan.stderr).toBe(0);
    expect(readFileSync(planPath, "utf8")).toMatch(/^drivers:\n {2}from: .*virtio-win\.iso\n {2}only:\n {4}- viostor/m);
    expect(readFileSync(planPath, "utf8")).not.toContain("drivers-pnputil");
    expect(plan.stdout).toContain("with them the VM can also boot from the virtio disk bus (virtio-blk) once the plan is applied");
    // The boot-storage fixup's advice from the image as it is ("no KVM boot controller can load this image") gives way to it.
    const without = await cli("plan", vol, "--target", "kvm", "--json");
    const adviceOf = (text: string) => JSON.parse(text).fixups.find((f: { id: string }) => f.id === "boot-storage")?.notices ?? [];
    expect(adviceOf(without.stdout).join(" ")).toMatch(/^No KVM boot controller can load this image|Boot the VM from/);
    const withDrivers = await cli("plan", vol, "--target", "kvm", "--drivers", iso, "--driver", "viostor", "--json");
    expect(adviceOf(withDrivers.stdout).join(" ")).not.toMatch(/No KVM boot controller can load this image|Boot the VM from/);
    expect(adviceOf(withDrivers.stdout).join(" ")).toContain("with them the VM can also boot from the virtio disk bus (virtio-blk)");
    // With NetKVM (staged for Plug and Play) the plan's first first-boot step installs it with pnputil.
    const all = await cli("plan", vol, "--target", "kvm", "--drivers", iso, "--json");
    expect(all.code, all.stderr).toBe(0);
    const steps = JSON.parse(all.stdout).firstBoot.steps;
    expect(steps[0]).toMatchObject({ id: "drivers-pnputil", shell: "powershell", fixup: "drivers" });
    expect(steps[0].script).toContain("pnputil.exe -i -a");
    const dry = await cli("apply", vol, planPath, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("/Windows/System32/drivers/viostor.sys");
    expect(dry.stdout).toContain("ControlSet001\\Services\\viostor");
    expect(sha(vol)).toBe(before);
    const applied = await cli("apply", vol, planPath);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/driver viostor \(viostor\/w10\/amd64\/viostor\.inf\): boot start, bound in DriverDatabase/);
    const findings = await cli("inspect", vol, "--target", "kvm", "--json");
    expect(JSON.parse(findings.stdout).findings.map((f: { id: string }) => f.id)).not.toContain("boot-driver-missing:kvm");
    for (let i = 0; i < 3 && sha(vol) !== before; i++) expect((await cli("undo", vol)).code).toBe(0);
    expect(sha(vol)).toBe(before);
  });
});
