/**
 * Issue 17 item 5: before writing into a container, host space claimed twice where the write
 * lands is refused (exit 4, typed error, image byte for byte unchanged): qcow2 data or L2
 * clusters referenced twice or overlapping metadata, VHD and VHDX BAT entries overlapping each
 * other or the format's own structures, VMDK grains and grain tables overlapping each other, the
 * header, descriptor or directories. Each defect is crafted from an image qemu made.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { journalPath, runTransaction } from "../../src/apply/index.js";
import { ExitCode, P2vfixError } from "../../src/errors.js";
import { currentHeader, HEADER_OFFSETS, HEADER_SIZE, parseHeader } from "../../src/vdisk/vhdx/header.js";
import { parseRegionTable, REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, RegionGuid } from "../../src/vdisk/vhdx/region-table.js";
import { imageReader } from "../../src/vdisk/util.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { sha } from "../plan/helpers.js";
import { scratchDir } from "../vdisk/fixtures.js";

const scratch = scratchDir("integrity");
const COPIED = 1n << 63n;
const OFFSET_MASK = 0x00fffffffffffe00n;

/** A qemu-made image with `writes` ("offset length" for qemu-io) filled with data. */
function qemuImage(format: string, opts: string, size: string, writes: string[]): string {
  const path = join(scratch, `${format}-${Math.random().toString(36).slice(2)}.img`);
  const made = runTool("qemu-img", ["create", "-q", "-f", format, "-o", opts, path, size]);
  if (made.status !== 0) throw new Error(made.stderr);
  const wrote = runTool("qemu-io", ["-f", format, ...writes.flatMap((w) => ["-c", `write -P 0x5a ${w}`]), path]);
  if (wrote.status !== 0) throw new Error(wrote.stderr);
  return path;
}

/** qemu-img check's exit status on `image` (2: corruption), asserting its report matches `expect`. */
function qemuCheck(image: string, report: RegExp): number | null {
  const run = runTool("qemu-img", ["check", image]);
  expect(`${run.stdout}${run.stderr}`).toMatch(report);
  return run.status;
}

/** Writes 512 bytes at guest `offset` through a transaction; returns the typed refusal. */
function refusedWrite(image: string, offset: number): P2vfixError {
  const before = sha(image);
  let error: unknown;
  try {
    runTransaction(image, (img) => {
      img.device.write(offset, new Uint8Array(512).fill(0xee));
      return { changes: ["integrity test write"], verify: () => undefined, result: undefined };
    });
  } catch (err) {
    error = err;
  }
  expect(error, "the write was not refused").toBeInstanceOf(P2vfixError);
  const typed = error as P2vfixError;
  expect(typed.exitCode).toBe(ExitCode.refused);
  expect(sha(image)).toBe(before);
  expect(existsSync(journalPath(image))).toBe(false);
  return typed;
}

/** The unpatched image takes the same kind of write: the refusals come from the defects alone. */
function acceptedWrite(image: string, offset: number, qemuFormat?: string): void {
  const before = sha(image);
  runTransaction(image, (img) => {
    img.device.write(offset, new Uint8Array(512).fill(0xee));
    return { changes: ["control"], verify: () => undefined, result: undefined };
  });
  expect(sha(image)).not.toBe(before);
  if (qemuFormat) expect(runTool("qemu-img", ["check", "-q", "-f", qemuFormat, image]).status).toBe(0);
}

function patch(path: string, edit: (b: Buffer) => void): void {
  const bytes = readFileSync(path);
  edit(bytes);
  writeFileSync(path, bytes);
}

describe.skipIf(!toolsAvailable("qemu-img", "qemu-io"))("writes refused where host space is claimed twice", () => {
  describe("qcow2", () => {
    /** 4 KiB clusters: one L2 table maps 2 MiB, so an 8 MiB disk has four L1 entries. */
    const make = () => qemuImage("qcow2", "cluster_size=4096", "8M", ["0 16k", "2M 4k"]);
    const layout = (b: Buffer) => {
      const l1 = Number(b.readBigUInt64BE(40));
      const refTable = Number(b.readBigUInt64BE(48));
      const l2 = Number(b.readBigUInt64BE(l1) & OFFSET_MASK);
      return { l1, l2, refTable, refBlock: Number(b.readBigUInt64BE(refTable) & OFFSET_MASK) };
    };

    it("control: the untouched image is written", () => {
      acceptedWrite(make(), 512, "qcow2");
    });

    it("two L2 entries mapping the same data cluster", () => {
      const image = make();
      patch(image, (b) => {
        const { l2 } = layout(b);
        b.writeBigUInt64BE(b.readBigUInt64BE(l2), l2 + 8); // guest cluster 1 → guest cluster 0's host cluster
      });
      expect(refusedWrite(image, 4096).code).toBe("qcow2-overlap");
    });

    it("a data cluster that is a refcount block", () => {
      const image = make();
      patch(image, (b) => {
        const { l2, refBlock } = layout(b);
        b.writeBigUInt64BE(BigInt(refBlock) | COPIED, l2);
      });
      expect(refusedWrite(image, 0).code).toBe("qcow2-overlap");
    });

    it("a data cluster that is its own L2 table", () => {
      const image = make();
      patch(image, (b) => {
        const { l2 } = layout(b);
        b.writeBigUInt64BE(BigInt(l2) | COPIED, l2 + 16);
      });
      expect(refusedWrite(image, 2 * 4096).code).toBe("qcow2-overlap");
    });

    it("an L2 table that is the refcount table", () => {
      const image = make();
      patch(image, (b) => {
        const { l1, refTable } = layout(b);
        b.writeBigUInt64BE(BigInt(refTable) | COPIED, l1);
      });
      expect(refusedWrite(image, 0).code).toBe("qcow2-overlap");
    });

    it("one write over two guest clusters that two L2 tables map to the same host cluster", () => {
      const image = qemuImage("qcow2", "cluster_size=4096", "8M", ["2044k 8k"]);
      patch(image, (b) => {
        const { l1, l2 } = layout(b);
        const next = Number(b.readBigUInt64BE(l1 + 8) & OFFSET_MASK);
        b.writeBigUInt64BE(b.readBigUInt64BE(l2 + 511 * 8), next); // guest 2 MiB → guest 2 MiB - 4 KiB's host cluster
      });
      const spanning = refusedWrite(image, 2 * 2 ** 20 - 256);
      expect(spanning.code).toBe("qcow2-overlap");
    });

    /** The refcount (16-bit, qemu's default) of the host cluster at `host`. */
    const refcountAt = (b: Buffer, host: number) => layout(b).refBlock + 2 * (host / 4096);

    it("a data cluster whose refcount is 0 (qemu-img check: refcount=0 reference=1)", () => {
      const image = make();
      patch(image, (b) => {
        const data = Number(b.readBigUInt64BE(layout(b).l2) & OFFSET_MASK);
        b.writeUInt16BE(0, refcountAt(b, data));
      });
      expect(qemuCheck(image, /ERROR cluster \d+ refcount=0 reference=1/)).toBe(2);
      const err = refusedWrite(image, 512);
      expect(err.code).toBe("qcow2-refcount");
      expect(err.message).toMatch(/data cluster of guest cluster 0 .* refcount is 0/);
    });

    it("a data cluster marked COPIED whose refcount is 2 (qemu-img check: ERROR OFLAG_COPIED)", () => {
      const image = make();
      patch(image, (b) => {
        const data = Number(b.readBigUInt64BE(layout(b).l2) & OFFSET_MASK);
        b.writeUInt16BE(2, refcountAt(b, data));
      });
      expect(qemuCheck(image, /ERROR OFLAG_COPIED data cluster/)).toBe(2);
      expect(refusedWrite(image, 512).message).toMatch(/refcount is 2 although/);
    });

    it("an L2 table whose refcount is 0, where a new cluster's entry would be written", () => {
      const image = make();
      patch(image, (b) => b.writeUInt16BE(0, refcountAt(b, layout(b).l2)));
      expect(qemuCheck(image, /ERROR OFLAG_COPIED L2 cluster/)).toBe(2);
      // Guest cluster 8 is unallocated: its entry in L1[0]'s table would change.
      expect(refusedWrite(image, 8 * 4096).message).toMatch(/L2 table of L1 entry 0 .* refcount is 0/);
    });

    it("an L2 table whose refcount is 0 is not touched by an in-place write (a leak-like defect qemu would not hit either)", () => {
      const image = make();
      patch(image, (b) => b.writeUInt16BE(0, refcountAt(b, layout(b).l2)));
      acceptedWrite(image, 512);
    });

    it("two L2 tables mapping the same data cluster, refcount 1 (qemu-img check: refcount=1 reference=2)", () => {
      const image = make();
      patch(image, (b) => {
        const { l1, l2 } = layout(b);
        const second = Number(b.readBigUInt64BE(l1 + 8) & OFFSET_MASK);
        b.writeBigUInt64BE(b.readBigUInt64BE(l2), second + 8); // guest 2 MiB + 4 KiB → guest cluster 0's host cluster
      });
      expect(qemuCheck(image, /ERROR cluster \d+ refcount=1 reference=2/)).toBe(2);
      expect(refusedWrite(image, 2 * 2 ** 20 + 4096).code).toBe("qcow2-overlap");
    });

    it("two L1 entries sharing one L2 table", () => {
      const image = make();
      patch(image, (b) => {
        const { l1 } = layout(b);
        b.writeBigUInt64BE(b.readBigUInt64BE(l1), l1 + 8); // guest 2 MiB.. maps through L1[0]'s table
      });
      expect(refusedWrite(image, 2 * 2 ** 20).code).toBe("qcow2-overlap");
    });
  });

  describe("VHD dynamic", () => {
    /** 2 MiB blocks; qemu places the BAT at 1536 and blocks 0 and 1 after it. */
    const make = () => qemuImage("vpc", "subformat=dynamic", "8M", ["0 4M"]);
    const BAT = 1536;

    it("control: the untouched image is written", () => {
      acceptedWrite(make(), 2 ** 21);
    });

    it("two BAT entries pointing at the same block", () => {
      const image = make();
      patch(image, (b) => b.writeUInt32BE(b.readUInt32BE(BAT), BAT + 4));
      expect(refusedWrite(image, 2 ** 21).code).toBe("vhd-overlap");
    });

    it("two BAT entries pointing at overlapping blocks", () => {
      const image = make();
      patch(image, (b) => b.writeUInt32BE(b.readUInt32BE(BAT) + 8, BAT + 4));
      expect(refusedWrite(image, 2 ** 21).code).toBe("vhd-overlap");
    });

    it("a BAT entry whose block covers the dynamic header and the BAT", () => {
      const image = make();
      patch(image, (b) => b.writeUInt32BE(1, BAT));
      expect(refusedWrite(image, 0).code).toBe("vhd-overlap");
    });
  });

  describe("VHDX", () => {
    /** 1 MiB blocks: blocks 0 and 1 allocated. */
    const make = () => qemuImage("vhdx", "block_size=1M", "8M", ["0 2M"]);
    const layout = (b: Buffer) => {
      const header = currentHeader(
        ...(HEADER_OFFSETS.map((at, slot) => parseHeader(imageReader(new Uint8Array(b.subarray(at, at + HEADER_SIZE)), "x", at), slot)) as [never, never]),
      );
      const regions = parseRegionTable(imageReader(new Uint8Array(b.subarray(REGION_TABLE_OFFSETS[0], REGION_TABLE_OFFSETS[0] + REGION_TABLE_SIZE)), "x"));
      if (typeof header !== "object" || !regions) throw new Error("qemu made an unreadable VHDX");
      const region = (guid: string) => regions.find((r) => r.guid === guid)!.fileOffset;
      return { log: header.logOffset, bat: region(RegionGuid.bat), metadata: region(RegionGuid.metadata) };
    };
    /** A FULLY_PRESENT BAT entry placing the block at `offset`. */
    const entry = (offset: number) => (BigInt(offset / 2 ** 20) << 20n) | 6n;

    it("control: the untouched image is written", () => {
      acceptedWrite(make(), 2 ** 20, "vhdx");
    });

    it("two BAT entries pointing at the same block", () => {
      const image = make();
      patch(image, (b) => {
        const { bat } = layout(b);
        b.writeBigUInt64LE(b.readBigUInt64LE(bat), bat + 8);
      });
      expect(refusedWrite(image, 2 ** 20).code).toBe("vhdx-overlap");
    });

    it.each(["log", "bat", "metadata"] as const)("a BAT entry placing a block on the %s region", (region) => {
      const image = make();
      patch(image, (b) => {
        const l = layout(b);
        b.writeBigUInt64LE(entry(l[region]), l.bat);
      });
      expect(refusedWrite(image, 0).code).toBe("vhdx-overlap");
    });
  });

  describe("VMDK monolithicSparse", () => {
    /**
     * 64 KiB grains, 512-entry grain tables: a 64 MiB disk has two grain directory entries (one
     * per 32 MiB), in both directories. Grains 0-3 and 512 are allocated.
     */
    const make = () => qemuImage("vmdk", "subformat=monolithicSparse", "64M", ["0 256k", "32M 64k"]);
    const layout = (b: Buffer) => {
      const gd = Number(b.readBigUInt64LE(56)) * 512;
      const rgd = Number(b.readBigUInt64LE(48)) * 512;
      return { gd, rgd, gt0: b.readUInt32LE(gd) * 512, gt1: b.readUInt32LE(gd + 4) * 512, rgt0: b.readUInt32LE(rgd) * 512 };
    };
    /** qemu-img check's verdict on the crafted file: it looks only for grains past the end of the file. */
    const qemuVerdict = (image: string) => runTool("qemu-img", ["check", "-q", "-f", "vmdk", image]).status;

    it("control: the untouched image is written, in an allocated grain and in a new one", () => {
      acceptedWrite(make(), 512, "vmdk");
      acceptedWrite(make(), 2 ** 20, "vmdk");
    });

    it("two grain table entries mapping the same grain (qemu-img check sees nothing)", () => {
      const image = make();
      patch(image, (b) => {
        const { gt0 } = layout(b);
        b.writeUInt32LE(b.readUInt32LE(gt0), gt0 + 4); // guest grain 1 → guest grain 0's host grain
      });
      expect(qemuVerdict(image)).toBe(0);
      const err = refusedWrite(image, 65536);
      expect(err.code).toBe("vmdk-overlap");
      expect(err.message).toMatch(/grain 1 .* overlaps the grain 0/);
    });

    it("a grain that is a grain table", () => {
      const image = make();
      patch(image, (b) => {
        const { gt0, gt1 } = layout(b);
        b.writeUInt32LE(gt1 / 512, gt0 + 8);
      });
      expect(refusedWrite(image, 2 * 65536).message).toMatch(/grain 2 .* overlaps the grain table of grain directory entry 1/);
    });

    it("a grain over the embedded descriptor refuses every write (the CID update rewrites the descriptor)", () => {
      const image = make();
      patch(image, (b) => b.writeUInt32LE(2, layout(b).gt0 + 12));
      expect(refusedWrite(image, 2 ** 20).message).toMatch(/embedded descriptor .* overlaps the grain 3/);
    });

    it("two directory entries sharing one grain table, where a new grain's entry would be written", () => {
      const image = make();
      patch(image, (b) => {
        const { gd } = layout(b);
        b.writeUInt32LE(b.readUInt32LE(gd), gd + 4);
      });
      expect(refusedWrite(image, 32 * 2 ** 20 + 2 ** 20).message).toMatch(/grain table of grain directory entry 1 .* overlaps the grain table of grain directory entry 0/);
    });

    it("a redundant grain table over a grain, where a new grain's entry would be written in both tables", () => {
      const image = make();
      patch(image, (b) => {
        const { rgd, gt0 } = layout(b);
        b.writeUInt32LE(b.readUInt32LE(gt0), rgd);
      });
      expect(refusedWrite(image, 2 ** 20).message).toMatch(/redundant grain table of grain directory entry 0 .* overlaps the grain 0/);
    });

    it("more allocated grains than the file can hold apart: refused before any index grows with them", () => {
      const image = make();
      patch(image, (b) => {
        const { gt0 } = layout(b);
        for (let e = 4; e < 512; e++) b.writeUInt32LE(b.readUInt32LE(gt0), gt0 + 4 * e);
      });
      expect(refusedWrite(image, 2 ** 20 + 512).message).toMatch(/map more grains than \d+, all the file can hold/);
    });

    it("grain tables larger than qemu opens (numGTEsPerGT > 512) are not written", () => {
      const image = make();
      patch(image, (b) => b.writeUInt32LE(1024, 44));
      expect(refusedWrite(image, 512).message).toMatch(/more than qemu accepts \(512\)/);
    });

    it("a grain past the end of the file: qemu-img check reports corruption, and every write is refused", () => {
      const image = make();
      patch(image, (b) => b.writeUInt32LE(2 ** 30, layout(b).gt0 + 20));
      expect(qemuVerdict(image)).not.toBe(0);
      expect(refusedWrite(image, 512).code).toBe("vmdk-grain-past-eof");
    });
  });
});
