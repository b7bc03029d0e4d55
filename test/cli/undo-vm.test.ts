/** `p2vfix undo --vm FILE` after an apply that also unplugged a NIC: the image and the VM definition both come back byte for byte. */
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";

const root = resolve(import.meta.dirname, "../..");

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

describe("undo after plan --vm / apply", () => {
  it("restores the image and plugs the NIC back in the .vmx", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-undo-vm-"));
    const image = join(dir, "demo.qcow2");
    const vmx = join(dir, "FS01-p2v.vmx");
    copyFileSync(join(root, "examples/demo-hp-proliant.qcow2"), image);
    copyFileSync(join(root, "test/fixtures/vmconfig/FS01-p2v.vmx"), vmx);
    const plan = join(dir, "plan.yaml");
    expect((await run("plan", image, "--vm", vmx, "--nic", "1", "-o", plan)).code).toBe(0);
    expect((await run("apply", image, plan)).code).toBe(0);
    const shown = JSON.parse((await run("vm", "show", vmx, "--json")).stdout);
    expect(shown.nics.find((n: { index: number }) => n.index === 1).connected).toBe(false);
    // The VM definition does not list this image among its disks: undo edits it only when the user names it again.
    const imageBefore = readFileSync(image);
    const unconfirmed = await run("undo", image);
    expect(unconfirmed.code).toBe(4);
    expect(unconfirmed.stderr).toContain("vm-file-not-confirmed");
    expect(readFileSync(image)).toEqual(imageBefore);
    const undo = await run("undo", image, "--vm", vmx);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/plugged back/);
    expect(readFileSync(image)).toEqual(readFileSync(join(root, "examples/demo-hp-proliant.qcow2")));
    expect(readFileSync(vmx)).toEqual(readFileSync(join(root, "test/fixtures/vmconfig/FS01-p2v.vmx")));
  });
});
