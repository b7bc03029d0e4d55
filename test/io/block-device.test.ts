/**
 * FileDevice over a real block device (a loop device): the size comes from the kernel (fstat
 * says 0), unaligned reads and writes go through whole sectors and land exactly, the size cannot
 * change; the size found by reading agrees with the kernel's; a link to it outside /dev is refused. Character devices, FIFOs are
 * refused with a typed error, without waiting on them.
 */
import { execFileSync } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageError, RefusedError } from "../../src/errors.js";
import { hostTargetKind } from "../../src/image/host-target.js";
import { probeSizeByReading } from "../../src/io/block-device-size.js";
import { FileDevice } from "../../src/io/file-device.js";
import { readFileHead } from "../../src/io/file-head.js";
import { attachLoop, detachLoops, loopDevicesAvailable } from "../helpers/loop-device.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-blockdev-"));
afterAll(() => {
  detachLoops();
  rmSync(work, { recursive: true, force: true });
});

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("size by reading (what macOS and containers without /sys get)", () => {
  it("finds the end of files of many sizes, to the byte", () => {
    for (const size of [0, 100, 512, 513, 4096, 1 << 20, (1 << 20) + 1536, 3 * 512 * 1021 + 77]) {
      const file = join(work, `size-${size}`);
      writeFileSync(file, randomBytes(size, size));
      const fd = openSync(file, "r");
      try {
        expect(probeSizeByReading(fd), `size ${size}`).toBe(size);
      } finally {
        closeSync(fd);
      }
    }
  });
});

describe("refused before anything waits on them", () => {
  it("a character device and a FIFO are typed errors (not-a-disk), for the device, the head reader and the target check", () => {
    const fifo = join(work, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const path of ["/dev/null", "/dev/zero", fifo]) {
      expect(() => new FileDevice(path), path).toThrow(expect.objectContaining({ code: "not-a-disk" }));
      expect(() => new FileDevice(path)).toThrow(ImageError);
      expect(() => readFileHead(path, 16)).toThrow(expect.objectContaining({ code: "not-a-disk" }));
      expect(() => hostTargetKind(path)).toThrow(expect.objectContaining({ code: "not-a-disk" }));
    }
    expect(() => new FileDevice(fifo, { writable: true })).toThrow(expect.objectContaining({ code: "not-a-disk" }));
  });
});

describe.skipIf(!loopDevicesAvailable())("a loop device", () => {
  const size = (1 << 20) + 3 * 512;
  const backing = join(work, "backing.img");
  const original = randomBytes(size, 7);
  let device = "";
  beforeAll(() => {
    writeFileSync(backing, original);
    device = attachLoop(backing);
  });

  it("has the backing file's size (fstat says 0), also when found by reading", () => {
    const fd = openSync(device, "r");
    try {
      expect(fstatSync(fd).size).toBe(0);
      expect(probeSizeByReading(fd)).toBe(size);
    } finally {
      closeSync(fd);
    }
    const dev = new FileDevice(device);
    expect(dev.isBlockDevice).toBe(true);
    expect(dev.size).toBe(size);
    expect(dev.allocatedBytes()).toBe(size);
    expect(hostTargetKind(device)).toBe("block-device");
    dev.close();
  });

  it("is taken by its own name, not through a link outside /dev (a link planted in an image folder)", () => {
    const link = join(work, "disk.img");
    symlinkSync(device, link);
    expect(() => hostTargetKind(link)).toThrow(expect.objectContaining({ code: "device-through-link" }));
    expect(() => hostTargetKind(link)).toThrow(RefusedError);
  });

  it("reads and writes at unaligned offsets through whole sectors, exactly", () => {
    const dev = new FileDevice(device, { writable: true });
    try {
      expect(dev.read(1000, 777)).toEqual(original.subarray(1000, 1777));
      expect(dev.read(size - 5, 5)).toEqual(original.subarray(size - 5));
      const data = randomBytes(1500, 99);
      dev.write(513, data);
      const tail = randomBytes(3, 5);
      dev.write(size - 3, tail);
      dev.flush();
      expect(dev.read(0, 2100)).toEqual(new Uint8Array([...original.subarray(0, 513), ...data, ...original.subarray(2013, 2100)]));
      // What reached the backing file: the new bytes and nothing else.
      const expected = new Uint8Array(original);
      expected.set(data, 513);
      expected.set(tail, size - 3);
      expect(Buffer.from(readFileSync(backing)).equals(Buffer.from(expected))).toBe(true);
      expect(() => dev.write(size - 2, new Uint8Array(3))).toThrow();
      expect(() => dev.resize(size + 512)).toThrow(RefusedError);
      expect(() => dev.resize(size + 512)).toThrow(expect.objectContaining({ code: "device-cannot-grow" }));
    } finally {
      dev.close();
    }
  });
});
