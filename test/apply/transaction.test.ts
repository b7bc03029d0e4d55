/**
 * A registry edit written into a raw image through the whole transaction, checked with the
 * established tools: sleuthkit (icat) and ntfs-3g (ntfscat) return the new hive byte for byte,
 * hivex reads the new value, ntfsfix finds the volume fine, and qemu-img compare shows the
 * image differs from the original only in the hive's clusters (as sleuthkit maps them). Then
 * `p2vfix undo` brings back the original SHA-256; dry runs and failed verifies write nothing.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal, readUndoFile, sha256, writeHivesInImage, type HiveEditContext } from "../../src/apply/index.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { ExitCode, VerifyError } from "../../src/errors.js";
import { NtfsVolume } from "../../src/fs/ntfs/volume.js";
import { editHive } from "../../src/regf/edit/admission.js";
import { toolsAvailable } from "../helpers/interop.js";
import { fileSha256, freshCopy, sameSizeRewriter } from "./helpers.js";

const KEY = "ControlSet001\\Services\\p2vfix-fixture";
const PART_OFFSET_SECTORS = 2048;

function setStart(value: number) {
  return (c: HiveEditContext) => {
    const e = editHive(c.hive, { now: () => new Date("2025-01-01T00:00:00Z") });
    e.setValue(KEY, "Start", 4, new Uint8Array([value, 0, 0, 0]));
    return e.serialize({ minSequence: c.recovery.lastAppliedSequence ?? 0 });
  };
}

function run(cmd: string, args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe.skipIf(!toolsAvailable("icat", "ifind", "istat", "fsstat", "ntfscat", "ntfsinfo", "ntfsfix", "hivexregedit", "qemu-img"))("write a hive into a raw image: interop", () => {
  it("peer tools read the new hive; the image differs from the original only in the hive's clusters; undo restores it", async () => {
    const image = freshCopy("clean.img");
    const dir = dirname(image);
    const original = join(dir, "original.img");
    copyFileSync(image, original);
    const originalSha = fileSha256(image);

    const report = writeHivesInImage(`${image}:SYSTEM`, setStart(2), { rewriter: sameSizeRewriter });
    expect(report.dryRun).toBe(false);
    expect(report.files[0].ranges.length).toBeGreaterThan(0);
    expect(report.bytesWritten).toBeLessThan(report.result[0].sizeAfter);
    expect(readJournal(image)?.state).toBe("done");

    // sleuthkit and ntfs-3g read the same new hive, with the SHA-256 p2vfix reported.
    const inode = run("ifind", ["-o", String(PART_OFFSET_SECTORS), "-n", "/Windows/System32/config/SYSTEM", image]).stdout.toString().trim();
    const icat = run("icat", ["-o", String(PART_OFFSET_SECTORS), image, inode]);
    expect(icat.status, icat.stderr).toBe(0);
    expect(sha256(icat.stdout)).toBe(report.result[0].sha256After);
    const part = join(dir, "part.ntfs");
    expect(run("dd", [`if=${image}`, `of=${part}`, "bs=512", `skip=${PART_OFFSET_SECTORS}`, "status=none"]).status).toBe(0);
    const ntfscat = run("ntfscat", [part, "/Windows/System32/config/SYSTEM"]);
    expect(ntfscat.status, ntfscat.stderr).toBe(0);
    expect(sha256(ntfscat.stdout)).toBe(report.result[0].sha256After);
    const fix = run("ntfsfix", ["-n", part]);
    expect(fix.status, fix.stderr).toBe(0);
    const info = run("ntfsinfo", ["-F", "/Windows/System32/config/SYSTEM", part]).stdout.toString();
    expect(info).toMatch(new RegExp(`Data size:\\s+${report.result[0].sizeAfter}\\b`));
    const fsstat = run("fsstat", ["-o", String(PART_OFFSET_SECTORS), image]);
    expect(fsstat.status, fsstat.stderr).toBe(0);
    expect(fsstat.stdout.toString()).toMatch(/File System Type: NTFS/);

    // hivex reads the written value.
    const hiveFile = join(dir, "SYSTEM.out");
    writeFileSync(hiveFile, icat.stdout);
    const exported = run("hivexregedit", ["--export", hiveFile, `\\${KEY}`]).stdout.toString();
    expect(exported).toMatch(/"Start"=dword:00000002/);

    // The twin: the original with the new hive bytes put into the clusters sleuthkit lists.
    const twin = join(dir, "twin.img");
    copyFileSync(original, twin);
    const istat = run("istat", ["-o", String(PART_OFFSET_SECTORS), image, inode]).stdout.toString().split("\n");
    const clusters = istat
      .slice(istat.findIndex((l) => /^Type: \$DATA/.test(l)) + 1)
      .join(" ")
      .trim()
      .split(/\s+/)
      .filter((t) => /^\d+$/.test(t))
      .map(Number);
    expect(clusters.length * 4096).toBeGreaterThanOrEqual(icat.stdout.length);
    const twinBytes = readFileSync(twin);
    clusters.slice(0, Math.ceil(icat.stdout.length / 4096)).forEach((c, i) => {
      icat.stdout.subarray(i * 4096, (i + 1) * 4096).copy(twinBytes, PART_OFFSET_SECTORS * 512 + c * 4096);
    });
    writeFileSync(twin, twinBytes);
    const same = run("qemu-img", ["compare", "-f", "raw", "-F", "raw", twin, image]);
    expect(same.status, same.stdout.toString()).toBe(0);
    const differs = run("qemu-img", ["compare", "-f", "raw", "-F", "raw", original, image]);
    expect(differs.status).toBe(1);

    // Undo: back to the original bytes; a second undo has nothing to do.
    const out = captureOutput();
    expect(await main(["undo", image], out)).toBe(ExitCode.ok);
    expect(out.stdout()).toMatch(/restored .*: the image is back to the bytes it held before that write/);
    expect(fileSha256(image)).toBe(originalSha);
    expect(readJournal(image)?.state).toBe("undone");
    const again = captureOutput();
    expect(await main(["undo", image, "--json"], again)).toBe(ExitCode.ok);
    expect(JSON.parse(again.stdout()).action).toBe("nothing-to-do");
  });
});

describe("transaction", () => {
  it("--dry-run reports the ranges and writes nothing", () => {
    const image = freshCopy("clean.img");
    const before = fileSha256(image);
    const siblings = readdirSync(dirname(image));
    const report = writeHivesInImage(`${image}:SYSTEM`, setStart(3), { rewriter: sameSizeRewriter, dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.files[0].ranges.length).toBeGreaterThan(0);
    expect(report.undoFile).toBeUndefined();
    expect(fileSha256(image)).toBe(before);
    expect(readdirSync(dirname(image))).toEqual(siblings);
  });

  it("the undo file holds the original bytes and SHA-256 before/after of every range, and the image identity", () => {
    const image = freshCopy("clean.img");
    const originalBytes = readFileSync(image);
    const report = writeHivesInImage(`${image}:SYSTEM`, setStart(1), { rewriter: sameSizeRewriter, backupDir: dirname(image) });
    const undo = readUndoFile(report.undoFile!);
    const now = readFileSync(image);
    expect(undo.header.image.size).toBe(originalBytes.length);
    expect(undo.header.changes).toEqual(report.changes);
    for (const r of undo.header.files[0].ranges) {
      expect(Buffer.from(undo.before(r)).equals(originalBytes.subarray(r.offset, r.offset + r.length))).toBe(true);
      const before = originalBytes.subarray(r.offset, r.offset + r.length);
      // All-zero original bytes are not stored (format version 2), every other range's are, by SHA-256.
      expect(r.zeroBefore ?? false).toBe(before.every((b) => b === 0));
      expect(r.sha256Before).toBe(r.zeroBefore ? undefined : sha256(before));
      expect(r.sha256After).toBe(sha256(now.subarray(r.offset, r.offset + r.length)));
    }
    // Outside the ranges nothing changed.
    const touched = new Uint8Array(now.length);
    for (const r of undo.header.files[0].ranges) touched.fill(1, r.offset, r.offset + r.length);
    let stray = 0;
    for (let i = 0; i < now.length; i++) if (!touched[i] && now[i] !== originalBytes[i]) stray++;
    expect(stray).toBe(0);
  });

  it("undo refuses an image changed since (neither before nor after bytes) unless --force", async () => {
    const image = freshCopy("clean.img");
    const originalSha = fileSha256(image);
    const report = writeHivesInImage(`${image}:SYSTEM`, setStart(2), { rewriter: sameSizeRewriter });
    const range = readUndoFile(report.undoFile!).header.files[0].ranges[0];
    const bytes = readFileSync(image);
    bytes[range.offset] ^= 0xff;
    writeFileSync(image, bytes);
    const changed = fileSha256(image);
    const out = captureOutput();
    expect(await main(["undo", image], out)).toBe(ExitCode.refused);
    expect(out.stderr()).toMatch(/undo-unexpected-state.*--force/);
    expect(fileSha256(image)).toBe(changed);
    expect(await main(["undo", image, "--force"], captureOutput())).toBe(ExitCode.ok);
    expect(fileSha256(image)).toBe(originalSha);
  });

  it("a verify failure (the bytes read back differ from the edit) writes nothing", () => {
    const image = freshCopy("clean.img");
    const before = fileSha256(image);
    const siblings = readdirSync(dirname(image));
    const corrupting: typeof sameSizeRewriter = (fs, path, data) => {
      const wrong = data.slice();
      wrong[8192] ^= 1;
      sameSizeRewriter(fs, path, wrong);
    };
    expect(() => writeHivesInImage(`${image}:SYSTEM`, setStart(2), { rewriter: corrupting })).toThrow(VerifyError);
    expect(fileSha256(image)).toBe(before);
    expect(readdirSync(dirname(image))).toEqual(siblings);
  });

  it("an edit that breaks the hive structure is caught by the check and writes nothing", () => {
    const image = freshCopy("clean.img");
    const before = fileSha256(image);
    const broken = (c: HiveEditContext) => {
      const b = c.hive.bytes.slice();
      b.fill(0xee, 4096, 4096 + 32); // the first hbin header
      return b;
    };
    expect(() => writeHivesInImage(`${image}:SYSTEM`, broken, { rewriter: sameSizeRewriter })).toThrow(/structural check/);
    expect(fileSha256(image)).toBe(before);
  });

  const hasNtfsWriter = typeof (NtfsVolume.prototype as unknown as { rewriteFile?: unknown }).rewriteFile === "function";
  it.skipIf(hasNtfsWriter)("without an NTFS writer (NtfsVolume.rewriteFile) the default path refuses and writes nothing", () => {
    const image = freshCopy("clean.img");
    const before = fileSha256(image);
    expect(() => writeHivesInImage(`${image}:SYSTEM`, setStart(2))).toThrow(expect.objectContaining({ code: "ntfs-write-unavailable", exitCode: ExitCode.refused }));
    expect(fileSha256(image)).toBe(before);
  });
});
