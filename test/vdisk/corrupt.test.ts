/**
 * Bad input: truncated files, corrupt tables, entries pointing outside the file. Every case
 * gives a typed P2vfixError (or a documented fallback with a warning), never a RangeError,
 * a hang or a huge allocation. Mutations are applied through an OverlayDevice over the
 * fixture, so nothing is copied per run.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../src/errors.js";
import { FileDevice } from "../../src/io/file-device.js";
import { OverlayDevice } from "../../src/io/overlay-device.js";
import { SliceDevice } from "../../src/io/slice-device.js";
import type { BlockDevice } from "../../src/io/block-device.js";
import { openContainer } from "../../src/vdisk/index.js";
import { parseRegionTable, RegionGuid } from "../../src/vdisk/vhdx/region-table.js";
import { imageReader } from "../../src/vdisk/util.js";
import { fixturePath, rawSha256 } from "./fixtures.js";
import { deviceSha256 } from "./read-all.js";

/** Opens `name` with `patch` applied on an overlay; returns the error thrown while opening or reading all, if any. */
function openPatched(name: string, patch: (dev: OverlayDevice, file: BlockDevice) => void, length?: number): { error?: unknown; warnings?: string[]; sha256?: string } {
  const file = new FileDevice(fixturePath(name));
  const base = length === undefined ? file : new SliceDevice(file, 0, length);
  const dev = new OverlayDevice(base);
  patch(dev, file);
  try {
    const image = openContainer(dev, fixturePath(name));
    try {
      // A mutated header may claim a huge disk: then read only its two ends.
      if (image.virtualSize > 64 << 20) {
        image.device.read(0, 1 << 20);
        image.device.read(image.virtualSize - (1 << 20), 1 << 20);
        return { warnings: image.warnings };
      }
      return { warnings: image.warnings, sha256: deviceSha256(image.device) };
    } finally {
      image.close();
    }
  } catch (error) {
    return { error };
  } finally {
    file.close();
  }
}

function expectTyped(result: { error?: unknown }, code?: string): void {
  expect(result.error).toBeInstanceOf(P2vfixError);
  if (code) expect((result.error as P2vfixError).code).toBe(code);
}

const be32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
};
const le32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const be64 = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, false);
  return b;
};
const le64 = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
};

/** First non-zero u32 entry of a table (an allocated block/grain/L1 entry). */
function firstAllocated(file: BlockDevice, at: number, count: number, size: 4 | 8, littleEndian: boolean, empty: bigint): number {
  const bytes = file.read(at, count * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const v = size === 4 ? BigInt(view.getUint32(i * 4, littleEndian)) : view.getBigUint64(i * 8, littleEndian);
    if (v !== 0n && v !== empty) return at + i * size;
  }
  throw new Error("no allocated entry");
}

describe("corrupt tables", () => {
  it("a clean overlay reads the raw disk (the harness itself works)", () => {
    expect(openPatched("stream.vmdk", () => {}).sha256).toBe(rawSha256());
  });

  it("VHD: BAT entry pointing outside the file", () => {
    const r = openPatched("dynamic.vhd", (dev, file) => {
      const bat = Number(new DataView(file.read(512 + 16, 8).buffer).getBigUint64(0, false));
      dev.write(firstAllocated(file, bat, 6, 4, false, 0xffffffffn), be32(0x7ffffff0));
    });
    expectTyped(r, "points-outside-file");
  });

  it("VHD: sectors whose bitmap bit is 0 read as zeros, their neighbours as data", () => {
    const raw = new Uint8Array(readFileSync(fixturePath("disk.raw")));
    const file = new FileDevice(fixturePath("dynamic.vhd"));
    const bat = Number(new DataView(file.read(512 + 16, 8).buffer).getBigUint64(0, false));
    const blockSize = new DataView(file.read(512 + 32, 4).buffer).getUint32(0, false);
    const entryAt = firstAllocated(file, bat, 6, 4, false, 0xffffffffn);
    const block = (entryAt - bat) / 4;
    const bitmapAt = new DataView(file.read(entryAt, 4).buffer).getUint32(0, false) * 512;
    file.close();
    // A sector of the block that holds data, so that zeroing it shows.
    let sector = 0;
    while (raw.subarray(block * blockSize + sector * 512, block * blockSize + sector * 512 + 512).every((b) => b === 0)) sector++;
    const dev = new OverlayDevice(new FileDevice(fixturePath("dynamic.vhd")));
    dev.write(bitmapAt + (sector >> 3), new Uint8Array([0xff ^ (0x80 >> (sector & 7))]));
    const image = openContainer(dev, fixturePath("dynamic.vhd"));
    const at = block * blockSize + (sector - 1) * 512;
    const got = image.device.read(Math.max(0, at), 3 * 512);
    const want = raw.slice(Math.max(0, at), Math.max(0, at) + 3 * 512);
    want.fill(0, block * blockSize + sector * 512 - Math.max(0, at), block * blockSize + sector * 512 - Math.max(0, at) + 512);
    expect(Buffer.compare(got, want)).toBe(0);
    image.close();
    dev.base.close();
  });

  it("VHD: damaged end footer falls back to the copy at offset 0", () => {
    const r = openPatched("dynamic.vhd", (dev, file) => dev.write(file.size - 512 + 48, be64(1n << 40n)));
    expect(r.error).toBeUndefined();
    expect(r.warnings?.join("\n")).toMatch(/copy at offset 0/);
    expect(r.sha256).toBe(rawSha256());
  });

  it("qcow2: L1 entry pointing outside the file, unaligned L2 entry", () => {
    const l1 = (file: BlockDevice) => Number(new DataView(file.read(40, 8).buffer).getBigUint64(0, false));
    expectTyped(openPatched("v3.qcow2", (dev, file) => dev.write(l1(file), be64(0x8000_0000_0000_0000n | (1n << 40n)))), "points-outside-file");
    const r = openPatched("v3.qcow2", (dev, file) => {
      const l2 = Number(new DataView(file.read(l1(file), 8).buffer).getBigUint64(0, false) & 0x00fffffffffffe00n);
      const at = firstAllocated(file, l2, 8192, 8, false, 0n);
      dev.write(at, be64(0x8000_0000_0000_0000n | 0x10200n));
    });
    expectTyped(r, "bad-l2");
  });

  it("qcow2: corrupt compressed cluster", () => {
    const r = openPatched("compressed.qcow2", (dev, file) => {
      const l1 = Number(new DataView(file.read(40, 8).buffer).getBigUint64(0, false));
      const l2 = Number(new DataView(file.read(l1, 8).buffer).getBigUint64(0, false) & 0x00fffffffffffe00n);
      const entry = new DataView(file.read(l2, 8).buffer).getBigUint64(0, false);
      const host = Number(entry & ((1n << 54n) - 1n));
      dev.write(host, new Uint8Array(64).fill(0xff));
    });
    expectTyped(r, "bad-compressed-cluster");
  });

  it("VMDK: grain table entry outside the file; damaged primary GD uses the redundant copy", () => {
    const gd = (file: BlockDevice) => Number(new DataView(file.read(56, 8).buffer).getBigUint64(0, true)) * 512;
    const r = openPatched("sparse.vmdk", (dev, file) => {
      const gt = new DataView(file.read(gd(file), 4).buffer).getUint32(0, true) * 512;
      dev.write(firstAllocated(file, gt, 512, 4, true, 0n), le32(0x7ffffff0));
    });
    expectTyped(r, "points-outside-file");
    const r2 = openPatched("sparse.vmdk", (dev, file) => dev.write(gd(file), le32(0x7ffffff0)));
    expect(r2.error).toBeUndefined();
    expect(r2.warnings?.join("\n")).toMatch(/redundant/);
    expect(r2.sha256).toBe(rawSha256());
  });

  it("VMDK stream: corrupt grain data and a missing footer", () => {
    const r = openPatched("stream.vmdk", (dev) => dev.write(0x10000 + 12, new Uint8Array(16).fill(0xee)));
    // Either the corrupted bytes were inside a grain (bad-grain) or in padding (reads fine).
    if (r.error) expectTyped(r, "bad-grain");
  });

  it("VMDK stream: grain directory found through the footer (gdOffset = GD_AT_END), or refused without one", () => {
    // qemu writes the GD offset into the header; VMware writes GD_AT_END there and a header
    // copy at EOF-1024. Turn the qemu file into the VMware layout (its last KiB is padding).
    const atEnd = le64(0xffffffffffffffffn);
    const moved = openPatched("stream.vmdk", (dev, file) => {
      dev.write(file.size - 1024, file.read(0, 512));
      dev.write(56, atEnd);
    });
    expect(moved.error).toBeUndefined();
    expect(moved.sha256).toBe(rawSha256());
    expectTyped(openPatched("stream.vmdk", (dev) => dev.write(56, atEnd)), "bad-footer");
  });

  it("VHDX: BAT entry with an invalid state or outside the file", () => {
    const batAt = (file: BlockDevice) => {
      const regions = parseRegionTable(imageReader(file.read(192 * 1024, 64 * 1024), "t", 192 * 1024));
      return regions!.find((e) => e.guid === RegionGuid.bat)!.fileOffset;
    };
    expectTyped(openPatched("default.vhdx", (dev, file) => dev.write(batAt(file), le64(5n))), "bad-bat");
    expectTyped(openPatched("default.vhdx", (dev, file) => dev.write(batAt(file), le64((100000n << 20n) | 6n))), "points-outside-file");
  });
});

const singleFileFixtures = ["fixed.vhd", "dynamic.vhd", "default.vhdx", "block1m.vhdx", "sparse.vmdk", "stream.vmdk", "v2.qcow2", "v3.qcow2", "compressed.qcow2"];

describe("truncated images", () => {
  it.each(singleFileFixtures)("%s truncated anywhere: typed error or a readable disk", (name) => {
    const size = readFileSync(fixturePath(name)).length;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: size - 1 }), (length) => {
        const r = openPatched(name, () => {}, length);
        if (r.error !== undefined) expect(r.error).toBeInstanceOf(P2vfixError);
      }),
      { numRuns: 12 },
    );
  });
});

describe("mutated images (fast-check)", () => {
  it.each(singleFileFixtures)("%s with random bytes overwritten in its metadata: typed error or a readable disk", (name) => {
    const file = new FileDevice(fixturePath(name));
    const size = file.size;
    file.close();
    // Metadata lives near the start (headers, tables) and at the end (footers).
    const position = fc.oneof(fc.integer({ min: 0, max: Math.min(size, 1 << 20) - 8 }), fc.integer({ min: Math.max(0, size - 2048), max: size - 8 }));
    const mutation = fc.record({ at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
        const r = openPatched(name, (dev) => mutations.forEach((m) => dev.write(m.at, m.bytes)));
        if (r.error !== undefined) expect(r.error).toBeInstanceOf(P2vfixError);
      }),
      { numRuns: 15 },
    );
  });
});
