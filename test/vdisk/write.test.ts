/**
 * Container writes. For every writable fixture the same writes (inside allocated blocks, in
 * unallocated ones, across block/grain/cluster boundaries, at the disk's end) are made twice:
 * directly on copies of the files, and through OverlayDevices whose written ranges are then
 * copied to the files (what the transaction engine does). Each result must read back, through
 * a fresh open, as the original disk with the writes applied; qemu-img must agree
 * (`compare` against that raw, `check` where qemu supports it); the overlay route must leave the
 * files untouched until the copy.
 */
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImageError, P2vfixError, RefusedError } from "../../src/errors.js";
import type { BlockDevice } from "../../src/io/block-device.js";
import { FileDevice } from "../../src/io/file-device.js";
import { OverlayDevice } from "../../src/io/overlay-device.js";
import { openContainer, openImage } from "../../src/vdisk/index.js";
import { currentHeader, HEADER_OFFSETS, HEADER_SIZE, parseHeader } from "../../src/vdisk/vhdx/header.js";
import { imageReader } from "../../src/vdisk/util.js";
import { corpusPath, hasCorpus } from "../helpers/corpus.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { fixturePath, scratchDir } from "./fixtures.js";
import { fileSha256 } from "./read-all.js";

const scratch = scratchDir("write");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const MiB = 2 ** 20;
const qemuAvailable = toolsAvailable("qemu-img");

const writableFixtures = [
  { name: "disk.raw", qemu: "raw" },
  { name: "fixed.vhd", qemu: "vpc" },
  { name: "dynamic.vhd", qemu: "vpc" },
  { name: "dynamic-chs.vhd", qemu: "vpc" },
  { name: "default.vhdx", qemu: "vhdx" },
  { name: "block1m.vhdx", qemu: "vhdx" },
  { name: "fixed.vhdx", qemu: "vhdx" },
  { name: "sparse.vmdk", qemu: "vmdk" },
  { name: "flat.vmdk", qemu: "vmdk" },
  { name: "split.vmdk", qemu: "vmdk" },
  { name: "splitflat.vmdk", qemu: "vmdk" },
  { name: "v2.qcow2", qemu: "qcow2" },
  { name: "v3.qcow2", qemu: "qcow2" },
  { name: "cluster4k.qcow2", qemu: "qcow2" },
  { name: "compressed.qcow2", qemu: "qcow2" },
] as const;

/** Fixtures where some of the writes land in unallocated blocks, so the host files must grow. */
const allocating = new Set(["dynamic.vhd", "dynamic-chs.vhd", "block1m.vhdx", "sparse.vmdk", "split.vmdk", "v2.qcow2", "v3.qcow2", "cluster4k.qcow2", "compressed.qcow2"]);

/** qemu-img check supports these (not vpc, not raw). */
const checkable = new Set(["vhdx", "vmdk", "qcow2"]);

/** Deterministic non-zero pattern bytes (so a write lost, misplaced or zeroed shows). */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) | 1;
  }
  return out;
}

/**
 * The writes made on every fixture (12 MiB disk, FAT16 partition 1-11 MiB, so its later part
 * and the area before the tail marker are unallocated in sparse containers).
 */
function writesFor(size: number): { offset: number; data: Uint8Array }[] {
  const spec: [number, number][] = [
    [MiB + 1000, 3000], // partition boot sector area: allocated everywhere
    [9 * MiB + 12345, 5000], // late in the partition: unallocated in sparse formats
    [2 * MiB - 700, 1400], // across a 2 MiB (VHD block, 1 MiB VHDX block) boundary
    [37 * 65536 - 10, 20], // across a 64 KiB grain/cluster boundary
    [7 * MiB + 3, 5], // a few bytes inside one sector of an unallocated block
    [4 * MiB - 1000, 2.5 * MiB], // several whole blocks, allocated and not
    [11 * MiB + 4096 - 5, 100], // over the tail marker
    [size - 300, 300], // the very end of the disk
  ];
  return spec.map(([offset, length], i) => ({ offset, data: pattern(length, i + 1) }));
}

/** Copies a fixture and its extent files into a fresh folder; returns the copy's path and its host files. */
function copyFixture(name: string): { path: string; files: string[] } {
  const dir = scratchDir("write-copy");
  const image = openImage(fixturePath(name));
  const files = image.files.map((f) => {
    const to = join(dir, basename(f));
    copyFileSync(f, to);
    return to;
  });
  image.close();
  return { path: files[0], files };
}

function originalDisk(name: string): Uint8Array {
  const image = openImage(fixturePath(name));
  try {
    return image.device.read(0, image.virtualSize);
  } finally {
    image.close();
  }
}

function expectedDisk(name: string): Uint8Array {
  const disk = originalDisk(name);
  for (const w of writesFor(disk.length)) disk.set(w.data, w.offset);
  return disk;
}

function readBack(path: string): Uint8Array {
  const image = openImage(path);
  try {
    return image.device.read(0, image.virtualSize);
  } finally {
    image.close();
  }
}

function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  const firstDiff = actual.findIndex((b, i) => b !== expected[i]);
  expect(firstDiff).toBe(-1);
}

function qemuAgrees(path: string, qemu: string, expected: Uint8Array): void {
  if (!qemuAvailable) return;
  const raw = join(scratch, `expected-${Math.random().toString(36).slice(2)}.raw`);
  writeFileSync(raw, expected);
  const cmp = runTool("qemu-img", ["compare", "-f", qemu, "-F", "raw", path, raw]);
  expect(cmp.stderr + cmp.stdout.toString()).toMatch(/identical/i);
  expect(cmp.status).toBe(0);
  rmSync(raw);
  if (checkable.has(qemu)) {
    const check = runTool("qemu-img", ["check", "-f", qemu, path]);
    expect(check.stdout.toString() + check.stderr).toMatch(/No errors were found/);
    expect(check.status).toBe(0);
  }
}

/** What the transaction engine does after verifying: each overlay's size and written ranges go to its file. */
function copyOverlayToFile(overlay: OverlayDevice, path: string): void {
  const file = new FileDevice(path, { writable: true });
  try {
    if (file.size !== overlay.size) file.resize(overlay.size);
    for (const r of overlay.writes()) file.write(r.offset, r.data);
    file.flush();
  } finally {
    file.close();
  }
}

describe("writes on every writable container", () => {
  it.each(writableFixtures)("$name: direct writes read back as the raw with the same writes", ({ name, qemu }) => {
    const { path, files } = copyFixture(name);
    const totalSize = () => files.reduce((sum, f) => sum + statSync(f).size, 0);
    const sizeBefore = totalSize();
    const expected = expectedDisk(name);
    const image = openImage(path, { writable: true });
    try {
      expect(image.device.writable).toBe(true);
      for (const w of writesFor(image.virtualSize)) image.device.write(w.offset, w.data);
      // Read back through the same open first (table caches must follow the writes).
      expectSameBytes(image.device.read(0, image.virtualSize), expected);
      image.device.flush();
    } finally {
      image.close();
    }
    expectSameBytes(readBack(path), expected);
    qemuAgrees(path, qemu, expected);
    if (allocating.has(name)) expect(totalSize()).toBeGreaterThan(sizeBefore);
    else expect(totalSize()).toBe(sizeBefore);
  });

  it.each(writableFixtures)("$name: writes through overlays leave the files untouched until the ranges are copied", ({ name, qemu }) => {
    const { path, files } = copyFixture(name);
    const before = files.map((f) => fileSha256(readFileSync(f)));
    const expected = expectedDisk(name);
    const overlays = new Map<string, OverlayDevice>();
    const overlayFor = (p: string): BlockDevice => {
      const o = new OverlayDevice(new FileDevice(p));
      overlays.set(p, o);
      return o;
    };
    const image = openContainer(overlayFor(path), path, { writable: true, openExtent: (p) => overlayFor(p) });
    try {
      expect(image.hostDevices.map((h) => h.path)).toEqual(files);
      for (const h of image.hostDevices) expect(h.device).toBe(overlays.get(h.path));
      for (const w of writesFor(image.virtualSize)) image.device.write(w.offset, w.data);
      expectSameBytes(image.device.read(0, image.virtualSize), expected);
    } finally {
      image.close();
    }
    expect(files.map((f) => fileSha256(readFileSync(f)))).toEqual(before);
    for (const [p, o] of overlays) {
      copyOverlayToFile(o, p);
      (o.base as FileDevice).close();
    }
    expectSameBytes(readBack(path), expected);
    qemuAgrees(path, qemu, expected);
  });
});

describe("format details of a write", () => {
  it("VHDX: both headers rewritten with new write GUIDs and sequence +2, log stays empty", () => {
    const { path } = copyFixture("default.vhdx");
    const headers = () => {
      const file = new FileDevice(path);
      const slots = HEADER_OFFSETS.map((at, slot) => parseHeader(imageReader(file.read(at, HEADER_SIZE), path, at), slot));
      file.close();
      return slots;
    };
    const [a0, b0] = headers();
    const current0 = currentHeader(a0, b0);
    if (typeof current0 === "string") throw new Error("fixture has no current header");
    const image = openImage(path, { writable: true });
    image.device.write(5 * MiB, pattern(4096, 9));
    image.close();
    const [a1, b1] = headers();
    expect(a1).toBeDefined();
    expect(b1).toBeDefined();
    const current1 = currentHeader(a1, b1);
    if (typeof current1 === "string") throw new Error("no current header after the write");
    expect(current1.sequenceNumber).toBe(current0.sequenceNumber + 2n);
    // The slot that was not current was written first (sequence +1), then the other (+2).
    expect(current1.slot).toBe(current0.slot);
    expect([a1!, b1!].find((h) => h.slot !== current0.slot)!.sequenceNumber).toBe(current0.sequenceNumber + 1n);
    expect(current1.logEmpty).toBe(true);
    const guids = (h: { raw: Uint8Array }) => Buffer.from(h.raw.subarray(16, 48)).toString("hex");
    expect(guids(current1)).not.toBe(guids(current0));
    expect(guids(a1!)).toBe(guids(b1!));
  });

  it("VMDK sparse: a new grain is entered in both grain tables, and the CID changes", () => {
    const { path } = copyFixture("sparse.vmdk");
    const cid = () => /CID=([0-9a-f]{8})/.exec(readFileSync(path).subarray(0, 64 * 1024).toString("latin1"))?.[1];
    const before = cid();
    expect(before).toMatch(/^[0-9a-f]{8}$/);
    const image = openImage(path, { writable: true });
    image.device.write(9 * MiB, pattern(512, 3));
    image.close();
    expect(cid()).not.toBe(before);
    const bytes = readFileSync(path);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const rgd = Number(view.getBigUint64(48, true)) * 512;
    const gd = Number(view.getBigUint64(56, true)) * 512;
    const gtes = view.getUint32(44, true);
    const grainSectors = Number(view.getBigUint64(20, true));
    const grain = (9 * MiB) / 512 / grainSectors;
    const gdIndex = Math.floor(grain / gtes);
    const entry = (dir: number) => view.getUint32(view.getUint32(dir + gdIndex * 4, true) * 512 + (grain % gtes) * 4, true);
    expect(entry(gd)).not.toBe(0);
    expect(entry(rgd)).toBe(entry(gd));
  });

  it("dynamic VHD: a new block moves the footer to the new end of the file", () => {
    const { path } = copyFixture("dynamic.vhd");
    const size0 = readFileSync(path).length;
    const image = openImage(path, { writable: true });
    image.device.write(9 * MiB + 100, pattern(10, 4));
    image.close();
    const bytes = readFileSync(path);
    // Block size 2 MiB plus a one-sector bitmap.
    expect(bytes.length).toBe(size0 + 2 * MiB + 512);
    expect(bytes.subarray(bytes.length - 512, bytes.length - 504).toString("latin1")).toBe("conectix");
    expect(Buffer.compare(bytes.subarray(bytes.length - 512), bytes.subarray(0, 512))).toBe(0);
  });
});

describe("refused writes change nothing", () => {
  function sha(files: string[]): string[] {
    return files.map((f) => fileSha256(readFileSync(f)));
  }

  it("stream-optimized VMDK cannot be opened for writing", () => {
    const { path, files } = copyFixture("stream.vmdk");
    const before = sha(files);
    expect(() => openImage(path, { writable: true })).toThrow(RefusedError);
    expect(sha(files)).toEqual(before);
  });

  it.skipIf(!qemuAvailable)("compressed qcow2 with an internal snapshot: a write touching a compressed cluster is refused as a whole", () => {
    const { path, files } = copyFixture("compressed.qcow2");
    expect(runTool("qemu-img", ["snapshot", "-c", "before", path]).status).toBe(0);
    // A qemu write after the snapshot gives the active disk its own copy of the L2 table
    // (COPIED again), whose compressed entries still point into bytes the snapshot shares.
    expect(runTool("qemu-io", ["-f", "qcow2", "-c", "write -P 1 0 512", path]).status).toBe(0);
    const before = sha(files);
    const image = openImage(path, { writable: true });
    try {
      // From an unallocated cluster (before the partition) into the compressed boot sector area.
      let err: unknown;
      try {
        image.device.write(MiB - 10, pattern(100, 5));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RefusedError);
      expect((err as P2vfixError).message).toMatch(/compressed and the image has internal snapshots/);
    } finally {
      image.close();
    }
    expect(sha(files)).toEqual(before);
  });

  it.skipIf(!qemuAvailable)("qcow2 with an internal snapshot: shared clusters are refused, the file is unchanged", () => {
    const { path, files } = copyFixture("v3.qcow2");
    const snap = runTool("qemu-img", ["snapshot", "-c", "before", path]);
    expect(snap.status).toBe(0);
    const before = sha(files);
    const image = openImage(path, { writable: true });
    try {
      expect(() => image.device.write(MiB, pattern(10, 7))).toThrow(/shared with a snapshot/);
    } finally {
      image.close();
    }
    expect(sha(files)).toEqual(before);
  });

  it("qcow2 marked dirty or corrupt is refused for writing, still readable", () => {
    const { path } = copyFixture("v3.qcow2");
    const bytes = readFileSync(path);
    bytes[79] |= 1; // incompatible_features bit 0: dirty
    writeFileSync(path, bytes);
    expect(() => openImage(path, { writable: true })).toThrow(RefusedError);
    openImage(path).close();
  });

  it.each([
    [
      "dynamic VHD in a saved state",
      "dynamic.vhd",
      (b: Uint8Array, v: DataView) => {
        const at = b.length - 512;
        b[at + 84] = 1;
        v.setUint32(at + 64, 0, false);
        let sum = 0;
        for (let i = 0; i < 512; i++) sum += b[at + i];
        v.setUint32(at + 64, ~sum >>> 0, false);
      },
      /saved state/,
    ],
    ["VMDK sparse extent not closed cleanly", "sparse.vmdk", (b: Uint8Array) => void (b[72] = 1), /uncleanShutdown/],
    ["VHDX with one damaged header", "default.vhdx", (b: Uint8Array) => void (b[65536 + 200] ^= 0xff), /header 1 is invalid/],
  ] as const)("%s: refused for writing, readable, unchanged", (_label, name, patch, message) => {
    const { path, files } = copyFixture(name);
    const bytes = new Uint8Array(readFileSync(path));
    patch(bytes, new DataView(bytes.buffer));
    writeFileSync(path, bytes);
    const before = sha(files);
    let err: unknown;
    try {
      openImage(path, { writable: true }).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as P2vfixError).message).toMatch(message);
    expect(sha(files)).toEqual(before);
    openImage(path).close();
  });

  it("a read-only device cannot carry a writable image", () => {
    const device = new FileDevice(fixturePath("v3.qcow2"));
    try {
      expect(() => openContainer(device, fixturePath("v3.qcow2"), { writable: true })).toThrow(ImageError);
    } finally {
      device.close();
    }
  });
});

describe.skipIf(!toolsAvailable("qemu-img", "qemu-io"))("allocation edge cases, checked by qemu", () => {
  function create(format: string, opts: string, size: string): string {
    const path = join(scratch, `edge-${format}-${Math.random().toString(36).slice(2)}.img`);
    const r = runTool("qemu-img", ["create", "-q", "-f", format, ...(opts ? ["-o", opts] : []), path, size]);
    if (r.status !== 0) throw new Error(r.stderr);
    return path;
  }

  function qemuReads(format: string, path: string, checks: [number, number, number][]): void {
    const args = ["-f", format, ...checks.flatMap(([value, offset, length]) => ["-c", `read -P ${value} ${offset} ${length}`]), path];
    const r = runTool("qemu-io", args);
    expect(r.status).toBe(0);
    expect(r.stdout.toString() + r.stderr).not.toMatch(/verification failed|error/i);
  }

  function expectQemuCheck(format: string, path: string): void {
    const check = runTool("qemu-img", ["check", "-f", format, path]);
    expect(check.stdout.toString() + check.stderr).toMatch(/No errors were found/);
    expect(check.status).toBe(0);
  }

  it.each([8, 16, 32, 64])("qcow2 with 512-byte clusters and %i-bit refcounts: new refcount blocks as the file grows", (bits) => {
    // A refcount block of 512 bytes covers 512*8/bits clusters: 600 KiB of new data needs several.
    const path = create("qcow2", `cluster_size=512,refcount_bits=${bits}`, "64M");
    const image = openImage(path, { writable: true });
    const chunk = new Uint8Array(600 * 1024).fill(0x3c);
    image.device.write(10 * MiB + 100, chunk);
    image.device.write(40 * MiB, new Uint8Array(512).fill(0x4d));
    image.close();
    expectQemuCheck("qcow2", path);
    qemuReads("qcow2", path, [
      [0x3c, 10 * MiB + 100, chunk.length],
      [0x4d, 40 * MiB, 512],
      [0, 10 * MiB, 100],
    ]);
  });

  it("qcow2 zero cluster that keeps its host cluster (write -z): written in place, the rest of it reads as zeros", () => {
    const path = create("qcow2", "", "1M");
    const prep = runTool("qemu-io", ["-f", "qcow2", "-c", "write -P 0x55 0 128k", "-c", "write -z 0 64k", path]);
    expect(prep.status).toBe(0);
    const sizeBefore = statSync(path).size;
    const image = openImage(path, { writable: true });
    image.device.write(1000, new Uint8Array(100).fill(0x66));
    image.close();
    // The preallocated host cluster was reused: the file did not grow.
    expect(statSync(path).size).toBe(sizeBefore);
    expectQemuCheck("qcow2", path);
    qemuReads("qcow2", path, [
      [0, 0, 1000],
      [0x66, 1000, 100],
      [0, 1100, 65536 - 1100],
      [0x55, 65536, 65536],
    ]);
  });

  it("VHDX with 1 MiB blocks: blocks on both sides of the first sector-bitmap BAT entry", () => {
    // chunk ratio = 2^23 × 512 / 1 MiB = 4096 blocks: BAT entry 4096 is a sector-bitmap slot, after 4 GiB.
    const path = create("vhdx", "block_size=1M", "10G");
    const image = openImage(path, { writable: true });
    image.device.write(4 * 1024 * MiB - 2048, new Uint8Array(4096).fill(0x42));
    image.device.write(9 * 1024 * MiB + 5, new Uint8Array(100).fill(0x43));
    image.close();
    expectQemuCheck("vhdx", path);
    qemuReads("vhdx", path, [
      [0x42, 4 * 1024 * MiB - 2048, 4096],
      [0x43, 9 * 1024 * MiB + 5, 100],
      [0, 9 * 1024 * MiB, 5],
      [0, 4 * 1024 * MiB + 2048, 4096],
    ]);
  });

  it("qcow2 with 1-bit refcounts is refused for writing, still readable", () => {
    const path = create("qcow2", "refcount_bits=1", "16M");
    expect(() => openImage(path, { writable: true })).toThrow(RefusedError);
    openImage(path).close();
  });

  it("qcow2 whose refcount table would have to grow: the write is refused and nothing changes", () => {
    // 512-byte clusters: one refcount table cluster (64 entries × 256 clusters) covers 8 MiB of host file.
    const path = create("qcow2", "cluster_size=512,refcount_bits=16", "64M");
    const image = openImage(path, { writable: true });
    let refused: unknown;
    let written = 0;
    try {
      for (; written < 16; written++) image.device.write(written * MiB, new Uint8Array(MiB).fill(written + 1));
    } catch (err) {
      refused = err;
    } finally {
      image.close();
    }
    expect(refused).toBeInstanceOf(RefusedError);
    expect((refused as P2vfixError).message).toMatch(/refcount table is full/);
    expect(written).toBeGreaterThan(2);
    expectQemuCheck("qcow2", path);
    qemuReads("qcow2", path, [
      [1, 0, MiB],
      [written, (written - 1) * MiB, MiB],
      [0, written * MiB, MiB],
    ]);
  });

  it("VMDK sparse extent without a grain table for the region: new primary and redundant tables", () => {
    const path = create("vmdk", "subformat=monolithicSparse", "100M");
    // Drop grain directory entry 2 (guest 64-96 MiB) in both directories, as a tool that
    // allocates tables lazily would have left it.
    const file = new FileDevice(path, { writable: true });
    const header = new DataView(file.read(0, 512).buffer);
    for (const at of [48, 56]) file.write(Number(header.getBigUint64(at, true)) * 512 + 2 * 4, new Uint8Array(4));
    file.close();
    const image = openImage(path, { writable: true });
    image.device.write(70 * MiB, new Uint8Array(4096).fill(0x77));
    image.close();
    expectQemuCheck("vmdk", path);
    qemuReads("vmdk", path, [
      [0x77, 70 * MiB, 4096],
      [0, 64 * MiB, MiB],
    ]);
    const bytes = readFileSync(path);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const gtOf = (headerAt: number) => view.getUint32(Number(view.getBigUint64(headerAt, true)) * 512 + 8, true);
    expect(gtOf(56)).not.toBe(0);
    expect(gtOf(48)).not.toBe(0);
    expect(gtOf(48)).not.toBe(gtOf(56));
  });

  it("dynamic VHD: a partly written sector whose bitmap bit was 0 reads as zeros around the new bytes (ours and qemu's)", () => {
    const path = create("vpc", "subformat=dynamic,force_size=on", "8M");
    const fill = runTool("qemu-io", ["-f", "vpc", "-c", "write -P 0xee 0 2M", path]);
    expect(fill.status).toBe(0);
    // Clear the bitmap bit of sector 3 of block 0: the file still holds 0xee there, reads give zeros.
    const file = new FileDevice(path, { writable: true });
    const dyn = new DataView(file.read(512, 1024).buffer);
    const bat = Number(dyn.getBigUint64(16, false));
    const block = new DataView(file.read(bat, 4).buffer).getUint32(0, false) * 512;
    file.write(block, new Uint8Array([0xef]));
    file.close();
    const image = openImage(path, { writable: true });
    expect(image.device.read(3 * 512, 512).every((b) => b === 0)).toBe(true);
    image.device.write(3 * 512 + 100, new Uint8Array(10).fill(0x11));
    image.close();
    const expected = new Uint8Array(512);
    expected.fill(0x11, 100, 110);
    expect(readBack(path).subarray(3 * 512, 4 * 512)).toEqual(expected);
    qemuReads("vpc", path, [
      [0, 3 * 512, 100],
      [0x11, 3 * 512 + 100, 10],
      [0, 3 * 512 + 110, 402],
      [0xee, 4 * 512, 512],
    ]);
  });
});

describe.skipIf(!hasCorpus())("writes on corpus containers (copied to a temp folder, never into the project)", () => {
  it.each([
    ["images/dfvfs/ext2.vmdk", "vmdk"],
    ["images/dfvfs/image.qcow2", "qcow2"],
    ["images/dfvfs/windows_volume.qcow2", "qcow2"],
  ])("%s: writes read back as the raw with the same writes; qemu-img agrees", (rel, qemu) => {
    const path = join(scratchDir("write-corpus"), basename(rel));
    copyFileSync(corpusPath(rel), path);
    const model = readBack(path);
    const size = model.length;
    const writes = [
      [Math.floor(size / 10), 3000],
      [Math.floor(size / 2) - 700, 1400],
      [Math.floor(size / 3) + 17, Math.min(300_000, Math.floor(size / 4))],
      [size - 300, 300],
    ].map(([offset, length], i) => ({ offset, data: pattern(length, 40 + i) }));
    const image = openImage(path, { writable: true });
    try {
      for (const w of writes) {
        image.device.write(w.offset, w.data);
        model.set(w.data, w.offset);
      }
    } finally {
      image.close();
    }
    expectSameBytes(readBack(path), model);
    qemuAgrees(path, qemu, model);
  });
});
