/**
 * The demo disk image (VHDX > MBR > NTFS, built by scripts/fixtures/build-scenarios.ts --image
 * with mkntfs/ntfs-3g/sfdisk/qemu-img from the HP ProLiant scenario) read through the image layer:
 * the same findings as the scenario's .reg files, plus the driver-file checks a volume allows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
const scenariosDir = resolve(import.meta.dirname, "../fixtures/scenarios");
const demoImage = join(scenariosDir, "demo-hp-proliant.vhdx.gz");
import { captureOutput } from "../../src/cli/output.js";
import { main } from "../../src/cli/main.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";

describe("inspect a disk image", () => {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-demo-image-"));
  const image = join(dir, "demo.vhdx");
  writeFileSync(image, gunzipSync(readFileSync(demoImage)));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the installation on partition 1 and reports what the .reg scenario reports", () => {
    const loaded = loadWindows(image);
    try {
      const fromImage = inspectWindows(loaded.hives, { ...loaded.options, target: "hyperv" });
      const fromReg = inspectWindows(loadWindows(join(scenariosDir, "hp-proliant-2012r2")).hives, { target: "hyperv" });
      expect(fromImage.sources.filesystem).toMatch(/partition 1 \(ntfs\)/);
      expect(fromImage.findings).toEqual(fromReg.findings);
      // Files are reachable: driver images are checked, hiberfil.sys is known to be absent.
      const gen1 = fromImage.bootStorage.targets.find((t) => t.target === "hyperv")!.paths.find((p) => p.id === "gen1-ide")!;
      expect(gen1.drivers.map((d) => d.imageFile)).toEqual(["present", "present"]);
      const kvm = fromImage.bootStorage.targets.find((t) => t.target === "kvm")!.paths.find((p) => p.id === "virtio-blk")!;
      expect(kvm.drivers.map((d) => [d.service, d.state, d.imageFile])).toEqual([["viostor", "missing", "not-checked"]]);
      expect(fromImage.power.hiberfile).toEqual({ checked: true, present: false, signature: null, hibernated: false });
    } finally {
      loaded.close();
    }
  });

  it("p2vfix inspect IMAGE --json", async () => {
    const out = captureOutput();
    expect(await main(["inspect", image, "--target", "hyperv", "--json"], out)).toBe(0);
    const report = JSON.parse(out.stdout());
    expect(report.installation.productName).toBe("Windows Server 2012 R2 Standard");
    expect(report.findings.map((f: { id: string }) => f.id)).toContain("nic-teaming");
  });
});
