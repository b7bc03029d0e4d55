/**
 * readInto (a read straight into the caller's buffer, host runs merged) gives the same bytes
 * as read() in every container format, whatever the buffer held before: zero and sparse runs
 * are written as zeros, not skipped.
 */
import { createHash } from "node:crypto";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readDeviceInto } from "../../src/io/block-device.js";
import { openImage } from "../../src/vdisk/index.js";
import { containerFixtures, fixturePath, rawSha256, scratchDir } from "./fixtures.js";
import { deviceSha256 } from "./read-all.js";

describe("readInto through the container mapping", () => {
  for (const fixture of containerFixtures) {
    it(`${fixture.name}: the whole disk through one dirty buffer equals the raw disk`, () => {
      const image = openImage(fixturePath(fixture.name));
      try {
        const device = image.device;
        // An odd chunk size and an offset into the buffer: runs split mid-cluster, and writes
        // must land at targetOffset, not at 0.
        const chunk = (1 << 20) + 4097;
        const buffer = new Uint8Array(chunk + 13);
        const hash = createHash("sha256");
        for (let offset = 0; offset < device.size; offset += chunk) {
          const length = Math.min(chunk, device.size - offset);
          buffer.fill(0xa5);
          readDeviceInto(device, offset, buffer, 13, length);
          expect(buffer[12]).toBe(0xa5);
          hash.update(buffer.subarray(13, 13 + length));
        }
        const viaReadInto = hash.digest("hex");
        expect(viaReadInto).toBe(deviceSha256(device));
        // The CHS-rounded VHD is a little larger than the raw disk it came from.
        if (fixture.name !== "dynamic-chs.vhd") expect(viaReadInto).toBe(rawSha256());
        // And piecewise equal to read() at a few unaligned places.
        for (const [offset, length] of [[1, 511], [65_535, 131_075], [device.size - 70_000, 70_000]]) {
          const into = new Uint8Array(length).fill(0xff);
          readDeviceInto(device, offset, into, 0, length);
          expect(Buffer.from(into).equals(Buffer.from(device.read(offset, length)))).toBe(true);
        }
        expect(() => readDeviceInto(device, device.size - 10, new Uint8Array(20), 0, 20)).toThrow(/outside/);
      } finally {
        image.close();
      }
    });
  }
});

describe("readInto merges only runs that follow each other in the host file", () => {
  it("clusters allocated in reverse order read back in virtual order", () => {
    const dir = scratchDir("read-into");
    try {
      const path = join(dir, "v3.qcow2");
      copyFileSync(fixturePath("v3.qcow2"), path);
      // Written last-first, the clusters land in the host file in reverse virtual order:
      // consecutive virtual clusters, host offsets going down.
      const cluster = 65_536;
      const base = 8 << 20;
      const pattern = (i: number) => new Uint8Array(cluster).fill(0x10 + i);
      const writable = openImage(path, { writable: true });
      try {
        for (let i = 3; i >= 0; i--) writable.device.write(base + i * cluster, pattern(i));
        writable.device.flush();
      } finally {
        writable.close();
      }
      const image = openImage(path);
      try {
        const into = new Uint8Array(4 * cluster + 100).fill(0xee);
        readDeviceInto(image.device, base - 50, into, 0, 4 * cluster + 100);
        const expected = new Uint8Array(4 * cluster + 100);
        expected.set(image.device.read(base - 50, 50), 0);
        for (let i = 0; i < 4; i++) expected.set(pattern(i), 50 + i * cluster);
        expected.set(image.device.read(base + 4 * cluster, 50), 50 + 4 * cluster);
        expect(Buffer.from(into).equals(Buffer.from(expected))).toBe(true);
      } finally {
        image.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
