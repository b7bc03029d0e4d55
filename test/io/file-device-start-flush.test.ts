/**
 * FileDevice.startFlush: the head-start fsync the commit runs while it reads the written bytes
 * back. It goes through a read-only descriptor of its own, open until the fsync's callback
 * closes it (no descriptor leaks), never through the device's own; a read-only device starts
 * nothing; flush() afterwards still works and the bytes are what was written. With noFollow (the
 * undo file's temp), a symbolic link at the name is not opened.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileDevice } from "../../src/io/file-device.js";
import { startWriteback } from "../../src/io/writeback.js";
import { openOn, turnUntil } from "../helpers/open-descriptors.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-start-flush-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
      await turnUntil(() => openOn(path) === 1);
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
