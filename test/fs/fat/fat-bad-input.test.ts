/**
 * Damaged FAT volumes: loops, out-of-range clusters, bad boot sectors → typed errors, no
 * hang. Damage goes through an overlay on the generated FAT16 and FAT12 fixtures.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FsError, P2vfixError } from "../../../src/errors.js";
import { MemoryDevice, OverlayDevice, SliceDevice } from "../../../src/io/index.js";
import { detectFileSystem } from "../../../src/fs/detect.js";
import { FatFileSystem, openFat } from "../../../src/fs/fat/index.js";
import type { FileSystem } from "../../../src/fs/filesystem.js";
import { fixtureBytes } from "../../helpers/fixtures.js";

const fat16 = new MemoryDevice(fixtureBytes("fat/fat16.img"), { writable: false });
const fat12 = new MemoryDevice(fixtureBytes("fat/fat12.img"), { writable: false });
const fat32 = new MemoryDevice(fixtureBytes("fat/fat32.img"), { writable: false });

const boot16 = new FatFileSystem(fat16).boot;
const fatOffset = boot16.firstFatSector * boot16.bytesPerSector;

/** Volume offset of the root directory short entry with this 11-byte 8.3 name. */
function rootEntryOffset(device: MemoryDevice | OverlayDevice, name11: string): number {
  const root = boot16.firstRootDirSector * 512;
  const entries = device.read(root, boot16.rootEntryCount * 32);
  for (let off = 0; off < entries.length; off += 32) {
    if (Buffer.from(entries.subarray(off, off + 11)).toString("latin1") === name11) return root + off;
  }
  throw new Error(`no root entry ${name11}`);
}

function setFat16(d: OverlayDevice, cluster: number, value: number): void {
  const b = new Uint8Array([value & 0xff, value >> 8]);
  for (let copy = 0; copy < boot16.fatCount; copy++) d.write(fatOffset + copy * boot16.sectorsPerFat * 512 + cluster * 2, b);
}

function expectFsError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FsError);
  expect((caught as FsError).code).toBe(code);
}

describe("damaged FAT chains", () => {
  const clean = new FatFileSystem(fat16);
  const bigEntry = rootEntryOffset(fat16, "BIG     BIN");
  const first = new DataView(fat16.read(bigEntry + 26, 2).buffer).getUint16(0, true);

  it("a chain that loops back is a typed error", () => {
    const d = new OverlayDevice(fat16);
    setFat16(d, first + 5, first + 1);
    expectFsError(() => openFat(d).readFile("big.bin"), "fat-chain-loop");
  });

  it("a chain pointing past the last cluster is a typed error", () => {
    const d = new OverlayDevice(fat16);
    setFat16(d, first + 3, boot16.maxCluster + 1);
    expectFsError(() => openFat(d).readFile("big.bin"), "cluster-out-of-range");
  });

  it("a chain that ends early, runs into a free cluster, or hits a bad cluster is a typed error", () => {
    const cases: [number, string][] = [
      [0xffff, "fat-chain-short"],
      [0x0000, "fat-chain-free"],
      [0xfff7, "fat-bad-cluster"],
    ];
    for (const [value, code] of cases) {
      const d = new OverlayDevice(fat16);
      setFat16(d, first + 2, value);
      expectFsError(() => openFat(d).readFile("big.bin"), code);
      // The part before the damage still reads.
      expect(openFat(d).readFileRange("big.bin", 0, 1000)).toEqual(clean.readFileRange("big.bin", 0, 1000));
    }
  });

  it("a first cluster out of range is a typed error", () => {
    const d = new OverlayDevice(fat16);
    d.write(bigEntry + 26, new Uint8Array([0xff, 0xff]));
    expectFsError(() => openFat(d).readFile("big.bin"), "cluster-out-of-range");
  });
});

describe("directory cycles", () => {
  it("a subdirectory entry pointing back at its own directory is dropped, so walks end", () => {
    const d = new OverlayDevice(fat16);
    const deepEntry = rootEntryOffset(fat16, "DEEP       ");
    const deepCluster = new DataView(fat16.read(deepEntry + 26, 2).buffer).getUint16(0, true);
    const deepDir = (boot16.firstDataSector + (deepCluster - 2) * boot16.sectorsPerCluster) * 512;
    const entries = fat16.read(deepDir, 512);
    const a = [...Array(16).keys()].map((i) => i * 32).find((o) => Buffer.from(entries.subarray(o, o + 11)).toString("latin1") === "A          ")!;
    expect(openFat(d).list("deep").map((e) => e.name)).toEqual(["a"]);
    d.write(deepDir + a + 26, new Uint8Array([deepCluster & 0xff, deepCluster >> 8]));
    expect(openFat(d).list("deep")).toEqual([]);
  });
});

describe("boot sector checks", () => {
  const cases: [string, number, number[], string][] = [
    ["bytes per sector", 11, [0x00, 0x03], "fat-bad-sector-size"],
    ["sectors per cluster", 13, [3], "fat-bad-cluster-size"],
    ["reserved sectors", 14, [0, 0], "fat-bad-reserved"],
    ["number of FATs", 16, [0], "fat-bad-fat-count"],
    ["media byte", 21, [0x12], "fat-bad-media"],
    ["total sector count (more clusters than the FAT maps)", 19, [0xff, 0xff], "fat-too-small"],
  ];
  for (const [what, offset, bytes, code] of cases) {
    it(`rejects a bad ${what}`, () => {
      const d = new OverlayDevice(fat12);
      d.write(offset, new Uint8Array(bytes));
      expectFsError(() => openFat(d), code);
      expect(detectFileSystem(d)).toBe("unknown");
    });
  }

  it("rejects a FAT32 root cluster out of range", () => {
    const d = new OverlayDevice(fat32);
    d.write(44, new Uint8Array([0xff, 0xff, 0xff, 0x0f]));
    expectFsError(() => openFat(d), "cluster-out-of-range");
  });

  it("rejects a volume cut short (a truncated image)", () => {
    expectFsError(() => openFat(new SliceDevice(fat12, 0, fat12.size / 2)), "fat-volume-truncated");
  });

  it("rejects a volume smaller than a boot sector", () => {
    expectFsError(() => openFat(new MemoryDevice(new Uint8Array(100))), "truncated");
  });
});

describe("mutation (fast-check)", () => {
  function walkAndRead(fs: FileSystem, path = "", depth = 0): void {
    if (depth > 8) return;
    for (const e of fs.list(path)) {
      if (e.isDirectory) walkAndRead(fs, e.path, depth + 1);
      else if (e.size < 1 << 20) fs.readFile(e.path);
    }
  }

  it("random damage to the boot sector, FAT and directories gives data or typed errors", () => {
    const b = new FatFileSystem(fat12).boot;
    const regions = [
      [0, 512],
      [b.firstFatSector * 512, b.sectorsPerFat * 512],
      [b.firstRootDirSector * 512, b.rootDirSectors * 512],
      [b.firstDataSector * 512, 64 * 512], // subdirectories are created first
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: regions.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 }),
        (edits) => {
          const d = new OverlayDevice(fat12);
          for (const [region, pos, value] of edits) d.write(regions[region][0] + (pos % regions[region][1]), new Uint8Array([value]));
          try {
            walkAndRead(openFat(d));
          } catch (err) {
            if (!(err instanceof P2vfixError)) throw err;
          }
        },
      ),
      { numRuns: 250 },
    );
  });
});
