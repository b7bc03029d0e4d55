/** `p2vfix inspect` in process: exit codes for bad targets and options, options that change the text. */
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { captureOutput } from "../../src/cli/output.js";
import { main } from "../../src/cli/main.js";

const scenarios = resolve(import.meta.dirname, "../fixtures/scenarios");

describe("p2vfix inspect (CLI)", () => {
  it("a missing target is 'not found' (exit 6), a bad --target a usage error (exit 2)", async () => {
    const missing = captureOutput();
    expect(await main(["inspect", join(scenarios, "no-such-folder")], missing)).toBe(6);
    expect(missing.stderr()).toMatch(/target-not-found/);
    const bad = captureOutput();
    expect(await main(["inspect", join(scenarios, "win10-hyperv-guest"), "--target", "bochs"], bad)).toBe(2);
    expect(bad.stderr()).toMatch(/--target "bochs" is not a hypervisor p2vfix knows: use hyperv .*, vmware .*, kvm .* or xen/);
  });

  it("a folder without a SYSTEM hive is 'not found'; a file that is neither hive nor image is bad input", async () => {
    const out = captureOutput();
    expect(await main(["inspect", scenarios], out)).toBe(6);
    expect(out.stderr()).toMatch(/no-system-hive/);
    const notHive = captureOutput();
    expect(await main(["inspect", join(scenarios, "..", "vdisk", "disk.raw.sha256")], notHive)).toBe(3);
  });

  it("--all-services lists every service; no colour codes when output.color is off", async () => {
    const some = captureOutput();
    await main(["inspect", join(scenarios, "win10-hyperv-guest")], some);
    const all = captureOutput();
    await main(["inspect", join(scenarios, "win10-hyperv-guest"), "--all-services"], all);
    expect(some.stdout()).not.toMatch(/^WinDefend /m);
    expect(all.stdout()).toMatch(/^WinDefend\s+automatic\s+own-process/m);
    expect(all.stdout()).not.toMatch(/\x1b\[/);
    // Without --target there are no target-specific findings.
    const findingLines = some.stdout().split("\n").filter((l) => /^(PROBLEM|WARNING|INFO) /.test(l));
    expect(findingLines.length).toBeGreaterThan(0);
    expect(findingLines.join("\n")).not.toMatch(/boot-driver-missing|hypervisor-tools/);
  });
});
