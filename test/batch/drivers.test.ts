/**
 * An inventory entry's `drivers:` goes the way of `plan --drivers`: the image gets the driver
 * (file, service, binding) at apply with its own undo file, the record names that undo file, a
 * rerun skips the image, and undo takes the image back to its original bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, sha } from "../helpers/cli.js";
import { FileDevice } from "../../src/io/file-device.js";
import { NtfsVolume } from "../../src/fs/ntfs/volume.js";
import { corpusFile, hasCorpus } from "../helpers/corpus.js";
import { toolsAvailable } from "../helpers/interop.js";
import { sysBytes, virtioTree } from "../drivers/inf-fixtures.js";
import { makeIso, writeHostTree } from "../drivers/iso-helpers.js";
import { softwareHive, windowsVolume } from "../drivers/image-helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-batch-drivers-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));


function imageFile(image: string, path: string): string {
  const device = new FileDevice(image);
  try {
    return new TextDecoder().decode(new NtfsVolume(device).readFile(path));
  } finally {
    device.close();
  }
}

describe.skipIf(!toolsAvailable("genisoimage", "mkntfs") || !hasCorpus())("batch with drivers", () => {
  it("installs the inventory's drivers, records their undo file, skips on a rerun; undo restores the image", { timeout: 120_000 }, async () => {
    const iso = join(work, "virtio-win.iso");
    makeIso(writeHostTree(join(work, "virtio"), virtioTree()), iso, "joliet");
    const system = new Uint8Array(readFileSync(await corpusFile("hives/dissect.regf/SYSTEM.gz")));
    const software = softwareHive({ productName: "Windows 10 Pro", currentVersion: "6.3", build: 19045, installationType: "Client", major: 10 });
    const image = windowsVolume(work, "srv01", system, software);
    const original = sha(image);
    const inventory = join(work, "wave.yaml");
    writeFileSync(inventory, `defaults:\n  target: kvm\n  drivers: ${basename(iso)}\nimages:\n  - image: ${basename(image)}\n`);

    const first = await cli("batch", inventory, "--index", "0", "--state", join(work, "state"), "--json");
    expect(first.code, first.stderr).toBe(0);
    const record = JSON.parse(first.stdout); // --index: the one image's record
    expect(record).toMatchObject({ status: "done" });
    expect(record.findingsBefore).toContain("boot-driver-missing:kvm");
    expect(record.findingsAfter).not.toContain("boot-driver-missing:kvm");
    expect(record.driversUndoFile).toMatch(/\.p2vfix-undo$/);
    expect(record.driversUndoFile).not.toBe(record.undoFile);
    expect(imageFile(image, "/Windows/System32/drivers/viostor.sys")).toBe(sysBytes("viostor", "w10", "amd64"));
    const inspect = await cli("inspect", image, "--target", "kvm", "--json");
    expect(JSON.parse(inspect.stdout).findings.map((f: { id: string }) => f.id)).not.toContain("boot-driver-missing:kvm");

    const prepared = sha(image);
    const again = await cli("batch", inventory, "--index", "0", "--state", join(work, "state"), "--json");
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).status).toBe("skipped");
    expect(sha(image)).toBe(prepared);

    for (let i = 0; i < 4 && sha(image) !== original; i++) expect((await cli("undo", image)).code).toBe(0);
    expect(sha(image)).toBe(original);
  });
});
