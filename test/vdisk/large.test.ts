/**
 * Large sparse images (made with qemu-img at test time, a few MiB on disk): opening costs no
 * more than the tables touched, data written by qemu-io far into the disk reads back, the rest
 * reads as zeros. Also the VHDX BAT interleave past one chunk and a 4096-byte-sector VHDX.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openImage } from "../../src/vdisk/index.js";
import { guidToString, imageReader } from "../../src/vdisk/util.js";
import { MetadataGuid } from "../../src/vdisk/vhdx/metadata.js";
import { parseRegionTable, RegionGuid } from "../../src/vdisk/vhdx/region-table.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { scratchDir } from "./fixtures.js";

const scratch = scratchDir("large");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const GiB = 2 ** 30;
const MiB = 2 ** 20;

function run(command: string, ...args: string[]): void {
  const r = runTool(command, args);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${r.stderr}`);
}

function expectFilled(bytes: Uint8Array, value: number): void {
  const bad = bytes.findIndex((b) => b !== value);
  expect(bad).toBe(-1);
}

describe.skipIf(!toolsAvailable("qemu-img", "qemu-io"))("100 GiB sparse images", () => {
  it.each([
    ["vpc", "subformat=dynamic,force_size=on", "vhd-dynamic"],
    ["vhdx", "", "vhdx"],
    ["vmdk", "subformat=monolithicSparse", "vmdk-sparse"],
    ["vmdk", "subformat=twoGbMaxExtentSparse", "vmdk-split"],
    ["qcow2", "", "qcow2"],
  ])("%s %s: data at 99 GiB reads back, the rest is zeros", (format, opts, expected) => {
    const path = join(scratch, `big-${format}-${expected}.img`);
    run("qemu-img", "create", "-q", "-f", format, ...(opts ? ["-o", opts] : []), path, "100G");
    run("qemu-io", "-f", format, "-c", `write -P 0xab ${99 * GiB} ${MiB}`, path);
    const image = openImage(path);
    try {
      expect(image.format).toBe(expected);
      expect(image.virtualSize).toBe(100 * GiB);
      expectFilled(image.device.read(99 * GiB, MiB), 0xab);
      expectFilled(image.device.read(50 * GiB, MiB), 0);
      expectFilled(image.device.read(100 * GiB - MiB, MiB), 0);
      // The run straddling the written range: zeros, then data, then zeros.
      const around = image.device.read(99 * GiB - 4096, MiB + 8192);
      expectFilled(around.subarray(0, 4096), 0);
      expectFilled(around.subarray(4096, 4096 + MiB), 0xab);
      expectFilled(around.subarray(4096 + MiB), 0);
    } finally {
      image.close();
    }
  });

  it("streamOptimized 100 GiB image opens and reads zeros", () => {
    const path = join(scratch, "big-stream.vmdk");
    run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized", path, "100G");
    const image = openImage(path);
    expect(image.format).toBe("vmdk-stream");
    expectFilled(image.device.read(99 * GiB, MiB), 0);
    image.close();
  });
});

/** File offset of a VHDX metadata item's value. */
function vhdxMetadataItem(bytes: Uint8Array, guid: string): number {
  const regions = parseRegionTable(imageReader(bytes.subarray(192 * 1024, 256 * 1024), "t", 192 * 1024))!;
  const meta = regions.find((e) => e.guid === RegionGuid.metadata)!.fileOffset;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const count = view.getUint16(meta + 10, true);
  for (let i = 0; i < count; i++) {
    const at = meta + 32 + i * 32;
    if (guidToString(bytes.subarray(at, at + 16)) === guid) return meta + view.getUint32(at + 16, true);
  }
  throw new Error(`no metadata item ${guid}`);
}

describe.skipIf(!toolsAvailable("qemu-img", "qemu-io"))("VHDX block layout", () => {
  it("reads blocks past the first chunk (sector-bitmap entries interleaved in the BAT)", () => {
    // 1 MiB blocks, 512-byte sectors: one chunk = 4096 blocks = 4 GiB.
    const path = join(scratch, "chunks.vhdx");
    run("qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M", path, "9G");
    run("qemu-io", "-f", "vhdx", "-c", `write -P 0x11 ${4 * GiB - MiB} ${MiB}`, "-c", `write -P 0x22 ${4 * GiB} ${MiB}`, "-c", `write -P 0x33 ${8 * GiB + 5 * MiB} ${MiB}`, path);
    const image = openImage(path);
    try {
      expectFilled(image.device.read(4 * GiB - MiB, MiB), 0x11);
      expectFilled(image.device.read(4 * GiB, MiB), 0x22);
      expectFilled(image.device.read(8 * GiB + 5 * MiB, MiB), 0x33);
      expectFilled(image.device.read(8 * GiB + 4 * MiB, MiB), 0);
    } finally {
      image.close();
    }
  });

  it("reports a 4096-byte logical sector size and reads what qemu wrote", () => {
    // qemu neither creates nor opens 4Kn VHDX ("Operation not supported"): write with qemu at
    // 512, then set the metadata item. With 1024 blocks no chunk boundary is crossed at either
    // sector size, so the BAT layout, and thus the data, is the same.
    const path = join(scratch, "4k.vhdx");
    run("qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M", path, "1G");
    run("qemu-io", "-f", "vhdx", "-c", `write -P 0x44 ${512 * MiB} 8192`, path);
    const bytes = new Uint8Array(readFileSync(path));
    new DataView(bytes.buffer).setUint32(vhdxMetadataItem(bytes, MetadataGuid.logicalSectorSize), 4096, true);
    writeFileSync(path, bytes);
    const image = openImage(path);
    try {
      expect(image.logicalSectorSize).toBe(4096);
      expect(image.device.sectorSize).toBe(4096);
      expectFilled(image.device.read(512 * MiB, 8192), 0x44);
      expectFilled(image.device.read(512 * MiB + 8192, 4096), 0);
    } finally {
      image.close();
    }
  });
});
