/**
 * A write larger than the overlay's memory budget (16 MiB): its pages go to a private spool file
 * that is gone afterwards, the undo file is written piece by piece, and `undo` still restores the
 * image byte for byte.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readUndoFile, undoApply } from "../../src/apply/index.js";
import { writeFilesInImage } from "../../src/plan/image-files.js";
import { toolsAvailable } from "../helpers/interop.js";
import { mkntfsVolume, sha, tempDir } from "../fs/ntfs/create-helpers.js";
import { openOn, turnUntil } from "../helpers/open-descriptors.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!toolsAvailable("mkntfs"))("writes past the overlay's memory budget", () => {
  it("a 40 MiB copy: spooled, undo file streamed, the image's fsync started on the way, undo restores the SHA-256, no spool file left", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 64 });
    const original = sha(readFileSync(image));
    const big = new Uint8Array(40 << 20);
    for (let i = 0; i < big.length; i += 512) big[i] = (i >> 9) & 0xff || 1;
    const host = join(dir, "big.bin");
    writeFileSync(host, big);
    const backup = join(dir, "backup");
    mkdirSync(backup);
    const report = writeFilesInImage(image, [{ kind: "copy", sources: [host], dest: "/big.bin" }], { backupDir: backup, hashes: true });
    // Head-start fsyncs every 8 MiB written (src/io/writeback.ts, Linux): open until the event loop turns.
    if (process.platform === "linux") {
      expect(openOn(image)).toBeGreaterThanOrEqual(4);
      await turnUntil(() => openOn(image) === 0);
      expect(openOn(image)).toBe(0);
    }
    expect(report.result.created[0].sha256).toBe(sha(big));
    expect(report.bytesWritten).toBeGreaterThanOrEqual(big.length);
    const undo = readUndoFile(report.undoFile!);
    expect(undo.header.files[0].ranges.reduce((n, r) => n + r.length, 0)).toBe(report.bytesWritten);
    expect(readdirSync(backup).filter((n) => !n.endsWith(".p2vfix-undo"))).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    undoApply(image, { undoFile: report.undoFile });
    expect(sha(readFileSync(image))).toBe(original);
  });
});
