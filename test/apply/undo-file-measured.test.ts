import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readUndoFile, sha256 } from "../../src/apply/index.js";
import { writeUndoFileMeasured, type FileToMeasure, type MeasuredRange } from "../../src/apply/undo-file.js";
import { openIn, turnUntil } from "../helpers/open-descriptors.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-undo-measured-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const identity = { path: "/images/disk.img", size: 1 << 24, mtimeMs: 1700000000000.5, dev: 65024, ino: 2147129 };

/**
 * A file whose `count` ranges of `size` bytes each had bytes (i + 1) before, or zeros for the
 * indexes in `zero` (measured as zeroBefore, nothing kept); counts how often it was measured.
 */
function fakeFile(path: string, count: number, size: number, stretches: number, zero: number[] = []): FileToMeasure & { measured: number } {
  const file = {
    path,
    originalSize: 1 << 24,
    newSize: 1 << 24,
    stretches,
    measured: 0,
    measure(keep: (before: Uint8Array) => void): MeasuredRange[] {
      file.measured++;
      const out: MeasuredRange[] = [];
      for (let i = 0; i < count; i++) {
        const common = { offset: i * 2 * size, length: size, beforeLength: size, sha256After: sha256(new Uint8Array(size).fill(0xff)) };
        if (zero.includes(i)) {
          out.push({ ...common, zeroBefore: true });
          continue;
        }
        const before = new Uint8Array(size).fill(i + 1);
        keep(before);
        out.push({ ...common, sha256Before: sha256(before) });
      }
      return out;
    },
  };
  return file;
}

describe("undo file written while measuring", () => {
  it.skipIf(process.platform !== "linux")("a blob of many MiB (its fsync started early, every 8 MiB) reads back whole; the head starts' descriptors are closed once the event loop runs", async () => {
    const folder = mkdtempSync(join(dir, "large-"));
    const file = fakeFile("/images/disk.img", 4, 2 << 20, 4);
    const path = join(folder, "large.p2vfix-undo");
    writeUndoFileMeasured(path, { image: identity, changes: ["disk.img:/big"], files: [file] });
    // The head start's descriptor: open until its callback runs, which the event loop has not yet.
    expect(openIn(folder).length).toBeGreaterThan(0);
    const undo = readUndoFile(path);
    try {
      expect(undo.header.blobSize).toBe(8 << 20);
      undo.header.files[0].ranges.forEach((r, i) => expect(Buffer.from(undo.before(r)).equals(Buffer.alloc(2 << 20, i + 1))).toBe(true));
    } finally {
      undo.close();
    }
    await turnUntil(() => openIn(folder).length === 0);
    expect(openIn(folder)).toEqual([]);
    expect(readdirSync(folder)).toEqual(["large.p2vfix-undo"]);
  });

  it("reads back like any undo file: header padded in its room, blob after it, each range's original bytes", () => {
    const file = fakeFile("/images/disk.img", 3, 700_000, 3);
    const path = join(dir, "a.p2vfix-undo");
    const written = writeUndoFileMeasured(path, { image: identity, changes: ["disk.img:/tree/"], files: [file] })!;
    const undo = readUndoFile(path);
    expect(file.measured).toBe(1);
    expect(undo.header.files[0].ranges).toHaveLength(3);
    undo.header.files[0].ranges.forEach((r, i) => expect(Buffer.from(undo.before(r)).equals(Buffer.alloc(700_000, i + 1))).toBe(true));
    expect(undo.header.version).toBe(2);
    expect(written.files.map((f) => f.ranges.length)).toEqual([3]);
    // The blob starts where the transaction's rollback will look for it.
    expect(written.blobStart).toBeGreaterThan(12 + JSON.stringify(undo.header).length);
  });

  it("zeroBefore ranges take no room in the blob: the stored ones follow each other, each checked by its own SHA-256", () => {
    const file = fakeFile("/images/disk.img", 4, 700_000, 4, [0, 2]);
    const path = join(dir, "zero.p2vfix-undo");
    const written = writeUndoFileMeasured(path, { image: identity, changes: ["disk.img:/tree/"], files: [file] })!;
    const undo = readUndoFile(path);
    expect(undo.header.files[0].ranges.map((r) => [r.blobOffset, r.zeroBefore ?? false])).toEqual([
      [0, true],
      [0, false],
      [700_000, true],
      [700_000, false],
    ]);
    expect(undo.header.blobSize).toBe(1_400_000);
    expect(statSync(path).size).toBe(written.blobStart + 1_400_000);
    undo.header.files[0].ranges.forEach((r, i) => expect(Buffer.from(undo.before(r)).equals(Buffer.alloc(700_000, r.zeroBefore ? 0 : i + 1))).toBe(true));
    undo.close();
  });

  it("a header larger than the room reserved for it: measured again with more room, same content", () => {
    // 600 ranges announced as 0 stretches: their header (~150 KiB) does not fit the 64 KiB reserved.
    const file = fakeFile("/images/disk.img", 600, 512, 0);
    const path = join(dir, "b.p2vfix-undo");
    writeUndoFileMeasured(path, { image: identity, changes: ["x"], files: [file] });
    expect(file.measured).toBe(2);
    const undo = readUndoFile(path);
    expect(undo.header.files[0].ranges).toHaveLength(600);
    expect(Buffer.from(undo.before(undo.header.files[0].ranges[599])).equals(Buffer.alloc(512, 600))).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("nothing changed: no undo file and no temp left behind", () => {
    const path = join(dir, "c.p2vfix-undo");
    expect(writeUndoFileMeasured(path, { image: identity, changes: [], files: [fakeFile("/images/disk.img", 0, 0, 0)] })).toBeUndefined();
    expect(readdirSync(dir).filter((n) => n.startsWith("c.") || n.includes(".c.p2vfix-undo"))).toEqual([]);
  });
});
