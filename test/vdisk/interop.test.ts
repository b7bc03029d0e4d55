/**
 * Interop: the virtual disk read through openImage equals `qemu-img convert -O raw` byte for
 * byte, and its size equals `qemu-img info`'s virtual-size, for every generated fixture and
 * every container in the corpus.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImageError } from "../../src/errors.js";
import { openImage } from "../../src/vdisk/index.js";
import { corpusPath, hasCorpus } from "../helpers/corpus.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { containerFixtures, fixturePath, rawSha256, scratchDir } from "./fixtures.js";
import { deviceSha256, fileSha256 } from "./read-all.js";

const scratch = scratchDir("interop");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function qemuRaw(path: string, format: string): Uint8Array {
  const out = join(scratch, "qemu.raw");
  const r = runTool("qemu-img", ["convert", "-f", format, "-O", "raw", path, out]);
  if (r.status !== 0) throw new Error(`qemu-img convert failed: ${r.stderr}`);
  return new Uint8Array(readFileSync(out));
}

function qemuVirtualSize(path: string, format: string): number {
  const r = runTool("qemu-img", ["info", "-f", format, "--output=json", path]);
  if (r.status !== 0) throw new Error(`qemu-img info failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.toString()) as { "virtual-size": number })["virtual-size"];
}

describe("container fixtures", () => {
  it.each(containerFixtures)("$name opens as $format", ({ name, format }) => {
    const image = openImage(fixturePath(name));
    try {
      expect(image.format).toBe(format);
      expect(image.logicalSectorSize).toBe(512);
      expect(image.files[0]).toBe(fixturePath(name));
      expect(image.warnings).toEqual([]);
      // Every container but the CHS-rounded VHD holds exactly the raw disk.
      if (name !== "dynamic-chs.vhd") expect(deviceSha256(image.device)).toBe(rawSha256());
    } finally {
      image.close();
    }
  });

  it("lists the extents of split and flat VMDKs as host files", () => {
    const image = openImage(fixturePath("split.vmdk"));
    expect(image.files).toEqual([fixturePath("split.vmdk"), fixturePath("split-s001.vmdk")]);
    image.close();
  });
});

describe.skipIf(!toolsAvailable("qemu-img"))("byte-for-byte against qemu-img", () => {
  it.each(containerFixtures)("$name equals qemu-img convert -O raw", ({ name, qemu }) => {
    const path = fixturePath(name);
    const image = openImage(path);
    try {
      expect(image.virtualSize).toBe(qemuVirtualSize(path, qemu));
      expect(deviceSha256(image.device)).toBe(fileSha256(qemuRaw(path, qemu)));
    } finally {
      image.close();
    }
  });

  describe.skipIf(!hasCorpus())("corpus containers", () => {
    it.each([
      ["images/dfvfs/ext2.vmdk", "vmdk", "vmdk-sparse"],
      ["images/dfvfs/image.qcow2", "qcow2", "qcow2"],
      ["images/dfvfs/windows_volume.qcow2", "qcow2", "qcow2"],
    ])("%s equals qemu-img", (rel, qemu, format) => {
      const path = corpusPath(rel);
      const image = openImage(path);
      try {
        expect(image.format).toBe(format);
        expect(image.virtualSize).toBe(qemuVirtualSize(path, qemu));
        expect(deviceSha256(image.device)).toBe(fileSha256(qemuRaw(path, qemu)));
      } finally {
        image.close();
      }
    });

    it("opens dfvfs image.vhd despite its wrong footer checksum, with a warning", () => {
      const path = corpusPath("images/dfvfs/image.vhd");
      // qemu refuses the original; give it a copy whose two footer checksums are repaired.
      const fixed = join(scratch, "image-fixed.vhd");
      copyFileSync(path, fixed);
      const bytes = new Uint8Array(readFileSync(fixed));
      for (const at of [0, bytes.length - 512]) {
        const footer = bytes.subarray(at, at + 512);
        footer.fill(0, 64, 68);
        let sum = 0;
        for (const b of footer) sum += b;
        new DataView(footer.buffer, footer.byteOffset).setUint32(64, ~sum >>> 0, false);
      }
      writeFileSync(fixed, bytes);
      const image = openImage(path);
      try {
        expect(image.format).toBe("vhd-dynamic");
        expect(image.warnings.join("\n")).toMatch(/checksum is wrong/);
        expect(image.virtualSize).toBe(qemuVirtualSize(fixed, "vpc"));
        expect(deviceSha256(image.device)).toBe(fileSha256(qemuRaw(fixed, "vpc")));
      } finally {
        image.close();
      }
    });

    it("refuses the differencing dfvfs image-differential.vhd, naming why", () => {
      const path = corpusPath("images/dfvfs/image-differential.vhd");
      expect(() => openImage(path)).toThrow(ImageError);
      expect(() => openImage(path)).toThrow(/differencing VHD/);
      try {
        openImage(path);
      } catch (err) {
        expect((err as ImageError).code).toBe("unsupported-differencing");
      }
    });
  });
});
