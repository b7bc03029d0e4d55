/**
 * The commit starts the image's fsync every 8 MiB it writes, `p2vfix undo` before it reads the
 * restored bytes back (io/writeback.ts): through a read-only descriptor of their own, still open
 * when the call returns (its callback has not run: the event loop has not turned) and closed once
 * it does; the image holds the new bytes, then the original ones, byte for byte either way. (A
 * commit of 8 MiB or more: test/apply/spool.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readUndoFile, sha256, undoApply, writeHivesInImage, type HiveEditContext } from "../../src/apply/index.js";
import { editHive } from "../../src/regf/edit/admission.js";
import { fileSha256, freshCopy, sameSizeRewriter } from "./helpers.js";
import { openOn, turnUntil } from "../helpers/open-descriptors.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-commit-writeback-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setStart(value: number) {
  return (c: HiveEditContext) => {
    const e = editHive(c.hive, { now: () => new Date("2025-01-01T00:00:00Z") });
    e.setValue("ControlSet001\\Services\\p2vfix-fixture", "Start", 4, new Uint8Array([value, 0, 0, 0]));
    return e.serialize({ minSequence: c.recovery.lastAppliedSequence ?? 0 });
  };
}

describe.skipIf(process.platform !== "linux")("the image's fsync started before the read-back (Linux)", () => {
  it("a small write leaves no head-start descriptor, its undo one until the event loop runs, none after; the bytes are right", async () => {
    const image = freshCopy("clean.img", mkdtempSync(join(dir, "image-")));
    const originalSha = fileSha256(image);
    const report = writeHivesInImage(`${image}:SYSTEM`, setStart(3), { rewriter: sameSizeRewriter });
    expect(openOn(image)).toBe(0);
    // What the report says was written is what the image holds.
    expect(fileSha256(image)).not.toBe(originalSha);
    const now = readFileSync(image);
    const ranges = report.files[0].ranges;
    expect(ranges.length).toBeGreaterThan(0);
    const undo = readUndoFile(report.undoFile!);
    try {
      for (const range of undo.header.files[0].ranges) expect(sha256(now.subarray(range.offset, range.offset + range.length))).toBe(range.sha256After);
    } finally {
      undo.close();
    }

    undoApply(image);
    expect(openOn(image)).toBe(1);
    await turnUntil(() => openOn(image) === 0);
    expect(openOn(image)).toBe(0);
    expect(fileSha256(image)).toBe(originalSha);
  });
});
