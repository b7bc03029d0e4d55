/**
 * Choosing one package per driver from a host folder (no tools needed): virtio-win's two
 * layouts are one package, the image's exact OS folder and architecture only, several INFs of
 * one driver chosen by the closest decoration, a tie refused, and the image's Windows read
 * from its hives.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { selectDrivers, targetOsOf, virtioOsDir } from "../../src/drivers/select.js";
import { openDriverSource } from "../../src/drivers/source.js";
import type { TargetOs } from "../../src/drivers/target-os.js";
import { loadWindows } from "../../src/windows/load.js";
import { buildScenario } from "../../scripts/fixtures/build-scenarios.js";
import { storageInf, virtioTree } from "./inf-fixtures.js";
import { writeHostTree } from "./iso-helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-select-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const os = (o: Partial<TargetOs>): TargetOs => ({ arch: "amd64", major: 10, minor: 0, build: 17763, productType: 3, ...o });

describe("driver selection", () => {
  const virtio = openDriverSource(writeHostTree(join(work, "virtio"), virtioTree()));

  it("virtio-win folders: exactly the image's Windows and architecture; both layouts are one package", () => {
    const s = selectDrivers(virtio, os({}));
    expect(s.virtioOsDir).toBe("2k19");
    expect(s.chosen.map((c) => `${c.driver} ${c.infPath}`).sort()).toEqual(["NetKVM NetKVM/2k19/amd64/netkvm.inf", "vioscsi vioscsi/2k19/amd64/vioscsi.inf", "viostor viostor/2k19/amd64/viostor.inf"]);
    expect(selectDrivers(virtio, os({ arch: "x86", major: 6, minor: 1, build: 7601, productType: 1 })).chosen.map((c) => c.infPath).sort()).toEqual(["vioscsi/w7/x86/vioscsi.inf", "viostor/w7/x86/viostor.inf"]);
    expect(selectDrivers(virtio, os({ build: 20348 })).virtioOsDir).toBe("2k22");
    const arm = selectDrivers(virtio, os({ arch: "arm64", productType: 1, build: 22631 }));
    expect(arm.chosen).toEqual([]);
    expect(arm.unmatched.find((u) => u.driver === "viostor")!.reasons[0]).toMatch(/is for another Windows or architecture \(this image needs w11\/arm64\)/);
  });

  it("the OS folder table", () => {
    expect(virtioOsDir(os({ build: 14393 }))).toBe("2k16");
    expect(virtioOsDir(os({ build: 26100 }))).toBe("2k25");
    expect(virtioOsDir(os({ build: 22000, productType: 1 }))).toBe("w11");
    expect(virtioOsDir(os({ build: 19045, productType: 1 }))).toBe("w10");
    expect(virtioOsDir(os({ major: 6, minor: 3, build: 9600, productType: 2 }))).toBe("2k12R2");
  });

  it("several INFs of one driver (VMware-like folders): the closest decoration wins; a tie is refused", () => {
    const inf = (decorations: string[]) => storageInf({ service: "pvscsi", description: "PVSCSI", ids: ["PCI\\VEN_15AD&DEV_07C0"], decorations });
    const dir = writeHostTree(join(work, "vmware"), {
      "Win7/pvscsi.inf": inf(["NTamd64.6.1"]),
      "Win8/pvscsi.inf": inf(["NTamd64.6.2", "NTamd64.10.0...17763"]),
    });
    const s = selectDrivers(openDriverSource(dir), os({}));
    expect(s.chosen.map((c) => [c.driver, c.infPath, c.resolved.modelsSection])).toEqual([["pvscsi", "Win8/pvscsi.inf", "VirtIO.NTamd64.10.0...17763"]]);
    expect(selectDrivers(openDriverSource(dir), os({ major: 6, minor: 1, build: 7601 })).chosen[0].infPath).toBe("Win7/pvscsi.inf");
    const tie = writeHostTree(join(work, "tie"), { "a/pvscsi.inf": inf(["NTamd64.10.0"]), "b/pvscsi.inf": inf(["NTamd64.10.0", "NTx86.6.1"]) });
    expect(() => selectDrivers(openDriverSource(tie), os({}))).toThrow(expect.objectContaining({ code: "driver-ambiguous" }));
  });

  it("the image's Windows from its hives: Server 2019 and Server 2008 R2 scenarios", () => {
    for (const [scenario, want] of [
      ["server2019-vmware", { arch: "amd64", major: 10, minor: 0, build: 17763, productType: 3 }],
      ["server2008r2-two-nics", { arch: "amd64", major: 6, minor: 1, build: 7601, productType: 3 }],
    ] as const) {
      const loaded = loadWindows(buildScenario(scenario, join(work, scenario)));
      try {
        expect(targetOsOf(loaded.hives.system, loaded.hives.software, scenario)).toEqual(want);
      } finally {
        loaded.close();
      }
    }
  });

  it("without SOFTWARE the build is unknown: refused, nothing guessed", () => {
    const loaded = loadWindows(buildScenario("server2019-vmware", join(work, "nosoft")));
    try {
      expect(() => targetOsOf(loaded.hives.system, undefined, "x")).toThrow(expect.objectContaining({ code: "windows-unknown" }));
    } finally {
      loaded.close();
    }
  });
});
