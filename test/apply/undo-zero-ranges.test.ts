/**
 * Undo format version 2 through the whole write path: ranges whose original bytes are all zero
 * (a fresh image's free space) are not stored, yet `p2vfix undo`, the rollback after a failed
 * verify and an undo file of format version 1 all bring the image back byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readJournal, readUndoFile, runTransaction, undoApply } from "../../src/apply/index.js";
import { VerifyError } from "../../src/errors.js";
import { fileSha256 } from "./helpers.js";
import { encodeUndoFileV1 } from "./undo-v1.js";

const MiB = 1 << 20;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A 6 MiB raw image: a pattern, with zeros in [0.5, 3.25) MiB and [4.25, 4.75) MiB (free space). */
function image(): string {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-undo-zero-"));
  dirs.push(dir);
  const bytes = Buffer.alloc(6 * MiB);
  const zero = (i: number) => (i >= 0.5 * MiB && i < 3.25 * MiB) || (i >= 4.25 * MiB && i < 4.75 * MiB);
  for (let i = 0; i < bytes.length; i++) if (!zero(i)) bytes[i] = (i * 31 + 7) & 0xff || 1;
  const path = join(dir, "disk.raw");
  writeFileSync(path, bytes);
  return path;
}

/**
 * Four writes: over zeros only (a zeroBefore range), over [1, 4) MiB (zeros for 2.25 MiB, past
 * two 1 MiB pieces of the change map, then the pattern: stored whole), over zeros only again
 * (where the blob holds the next range's pattern: reading it there instead of zeros shows), over
 * the pattern only.
 */
const WRITES = [
  { offset: 0.75 * MiB, data: Buffer.alloc(64 * 1024, 0x11) },
  { offset: 1 * MiB, data: Buffer.alloc(3 * MiB, 0xab) },
  { offset: 4.5 * MiB, data: Buffer.alloc(64 * 1024, 0x33) },
  { offset: 5 * MiB, data: Buffer.alloc(64 * 1024, 0x22) },
];

function write(path: string, options: { failCommittedVerify?: boolean; dryRun?: boolean } = {}) {
  return runTransaction(
    path,
    (disk) => {
      for (const w of WRITES) disk.device.write(w.offset, new Uint8Array(w.data));
      return {
        changes: ["four writes"],
        verify: (_fresh, stage) => {
          if (stage === "committed" && options.failCommittedVerify) throw new VerifyError("verify-failed", "made to fail after the commit");
        },
        result: undefined,
      };
    },
    { dryRun: options.dryRun },
  );
}

describe("undo format version 2 through the write path", () => {
  it("all-zero ranges are not stored; p2vfix undo writes zeros back and the image's SHA-256 returns", () => {
    const path = image();
    const original = fileSha256(path);
    const report = write(path);
    expect(fileSha256(path)).not.toBe(original);
    const undo = readUndoFile(report.undoFile!);
    const ranges = undo.header.files[0].ranges;
    expect(undo.header.version).toBe(2);
    expect(ranges.map((r) => [r.offset, r.length, r.zeroBefore ?? false])).toEqual([
      [0.75 * MiB, 64 * 1024, true],
      [1 * MiB, 3 * MiB, false],
      [4.5 * MiB, 64 * 1024, true],
      [5 * MiB, 64 * 1024, false],
    ]);
    expect(undo.header.blobSize).toBe(3 * MiB + 64 * 1024);
    undo.close();
    // The file is its header and those bytes: nothing for the zero range.
    expect(statSync(report.undoFile!).size).toBe(12 + readFileSync(report.undoFile!).readUInt32LE(8) + 3 * MiB + 64 * 1024);
    // The dry run measures the same ranges.
    const dry = image();
    expect(write(dry, { dryRun: true }).files[0].ranges).toEqual(report.files[0].ranges);

    expect(undoApply(path).action).toBe("restored");
    expect(fileSha256(path)).toBe(original);
    // The zero range is recognised as holding its original bytes: nothing left to do.
    expect(undoApply(path, { undoFile: report.undoFile }).action).toBe("nothing-to-do");
  });

  it("a verify failing after the commit rolls back from the undo file: zeros for the zero range, the blob read at the right offsets", () => {
    const path = image();
    const original = fileSha256(path);
    expect(() => write(path, { failCommittedVerify: true })).toThrow(expect.objectContaining({ code: "readback-mismatch" }));
    expect(fileSha256(path)).toBe(original);
    expect(readJournal(path)?.state).toBe("rolled-back");
  });

  it("an undo file of format version 1 (every range stored, a blob hash) still undoes the write", () => {
    const path = image();
    const originalBytes = readFileSync(path);
    const report = write(path);
    const now = readFileSync(path);
    const v2 = readUndoFile(report.undoFile!);
    const v1 = encodeUndoFileV1({
      image: v2.header.image,
      changes: v2.header.changes,
      files: v2.header.files.map((file) => ({
        path: file.path,
        originalSize: file.originalSize,
        newSize: file.newSize,
        ranges: file.ranges.map((r) => ({ offset: r.offset, before: originalBytes.subarray(r.offset, r.offset + r.beforeLength), after: now.subarray(r.offset, r.offset + r.length) })),
      })),
    });
    v2.close();
    const v1Path = `${path}.20250101T000000.000Z.p2vfix-undo`;
    writeFileSync(v1Path, v1);
    const undo = readUndoFile(v1Path);
    expect(undo.header.version).toBe(1);
    undo.close();
    expect(undoApply(path, { undoFile: v1Path }).action).toBe("restored");
    expect(readFileSync(path).equals(originalBytes)).toBe(true);
    expect(undoApply(path, { undoFile: v1Path }).action).toBe("nothing-to-do");
  });
});
