/**
 * FileDevice.startFlush: the head-start fsync the commit runs while it reads the written bytes
 * back. It goes through a read-only descriptor of its own, open until the fsync's callback
 * closes it (no descriptor leaks), never through the device's own; a read-only device starts
 * nothing; flush() afterwards still works and the bytes are what was written. With noFollow (the
 * undo file's temp), a symbolic link at the name is not opened.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileDevice } from "../../src/io/file-device.js";
import { startWriteback } from "../../src/io/writeback.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-start-flush-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How many of this process's descriptors are open on `path` (Linux /proc). */
function openOn(path: string): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count++;
    } catch {
      // closed while listing (readdir's own descriptor)
    }
  }
  return count;
}

/** Turns the event loop until `done()` or a bounded number of turns. */
async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 2000 && !done(); turn++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.skipIf(process.platform !== "linux")("FileDevice.startFlush (Linux)", () => {
  it("fsyncs through a descriptor of its own, closed by the callback; flush() after it still works", async () => {
    const path = join(dir, "image.raw");
    writeFileSync(path, new Uint8Array(1 << 20));
    const device = new FileDevice(path, { writable: true });
    try {
      device.write(4096, new Uint8Array(8192).fill(0x5a));
      expect(openOn(path)).toBe(1);
      device.startFlush();
      // Its descriptor stays open until the fsync's callback runs on the event loop.
      expect(openOn(path)).toBe(2);
      await until(() => openOn(path) === 1);
      expect(openOn(path)).toBe(1);
      device.flush();
    } finally {
      device.close();
    }
    expect(openOn(path)).toBe(0);
    const bytes = readFileSync(path);
    expect(bytes.subarray(4096, 4096 + 8192).every((b) => b === 0x5a)).toBe(true);
    expect(bytes.subarray(0, 4096).every((b) => b === 0)).toBe(true);
  });

  it("a read-only device starts nothing", () => {
    const path = join(dir, "read-only.raw");
    writeFileSync(path, new Uint8Array(4096));
    const device = new FileDevice(path);
    try {
      device.startFlush();
      expect(openOn(path)).toBe(1);
    } finally {
      device.close();
    }
  });

  it("noFollow: a symbolic link at the name is not opened", () => {
    const target = join(dir, "target.raw");
    const link = join(dir, "link.raw");
    writeFileSync(target, new Uint8Array(4096));
    symlinkSync(target, link);
    startWriteback(link, { noFollow: true });
    expect(openOn(target)).toBe(0);
    startWriteback(target, { noFollow: true });
    expect(openOn(target)).toBe(1);
  });
});
