/**
 * The staged verify of a copy into an image (src/plan/image-files.ts): each copied file is read
 * back from the staged volume and compared byte for byte with the host file: a small one with
 * the bytes the copy read, a larger one with the host file read again, which must still be the
 * file that was read. A staged copy that differs, or a large host file changed after it was read
 * (same size and mtime, so only the bytes tell) or replaced, fails the write: typed error, image
 * unchanged, no undo file.
 */
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { VerifyError } from "../../src/errors.js";
import { AttributeType } from "../../src/fs/ntfs/attribute.js";
import { NtfsWriter, type FileContent } from "../../src/fs/ntfs/create/ntfs-writer.js";
import { namesInFolder, writeFilesInImage } from "../../src/plan/image-files.js";
import { toolsAvailable } from "../helpers/interop.js";
import { mkntfsVolume, sha, tempDir as newTempDir } from "../fs/ntfs/create-helpers.js";

// One folder for the file, removed when it is done; a fresh one inside it per test.
const root = newTempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tempDir = () => mkdtempSync(join(root, "case-"));

/** 3 MiB of varied bytes: non-resident, more than one compare piece. */
function bigContent(): Buffer {
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 123);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, Math.min(i, bytes.length - 4));
  return bytes;
}

const undoFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".p2vfix-undo"));

describe.skipIf(!toolsAvailable("mkntfs"))("cp into an image: staged verify against the host file", () => {
  it("reports the SHA-256 of what reads back when asked, equal to the host file's; none otherwise", () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const big = join(dir, "big.bin");
    const small = join(dir, "small.txt");
    writeFileSync(big, bigContent());
    writeFileSync(small, "");
    const report = writeFilesInImage(image, [{ kind: "copy", sources: [big, small], dest: "/", recursive: false }], { hashes: true });
    expect(report.result.created).toEqual([
      { path: "/big.bin", size: statSync(big).size, sha256: sha(readFileSync(big)) },
      { path: "/small.txt", size: 0, sha256: sha(new Uint8Array(0)) },
    ]);
    const plain = writeFilesInImage(image, [{ kind: "copy", sources: [big], dest: "/again.bin", recursive: false }]);
    expect(plain.result.created).toEqual([{ path: "/again.bin", size: statSync(big).size }]);
  });

  it("a host file whose bytes change after they were copied (size and mtime kept) fails the write", () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const big = join(dir, "big.bin");
    const content = bigContent();
    writeFileSync(big, content);
    const before = sha(readFileSync(image));
    // A whole-second mtime, so setting it back after the change restores it exactly.
    utimesSync(big, 1_700_000_000, 1_700_000_000);
    const write = () =>
      writeFilesInImage(image, [{ kind: "copy", sources: [big], dest: "/", recursive: false }], {
        // Called after the file was copied, before the staged verify: one byte near the end flipped.
        onProgress: () => {
          const changed = Buffer.from(content);
          changed[changed.length - 5] ^= 0xff;
          writeFileSync(big, changed);
          utimesSync(big, 1_700_000_000, 1_700_000_000);
        },
      });
    // Once: a second run would copy the changed bytes.
    expect(write).toThrow(/reads back different bytes/);
    expect(sha(readFileSync(image))).toBe(before);
    expect(undoFiles(dir)).toEqual([]);
  });

  it("a host file (past the kept size) replaced after it was copied (another inode, same bytes) fails the write", () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const src = join(dir, "tool.bin");
    writeFileSync(src, bigContent());
    utimesSync(src, 1_700_000_000, 1_700_000_000);
    const before = sha(readFileSync(image));
    let error: unknown;
    try {
      writeFilesInImage(image, [{ kind: "copy", sources: [src], dest: "/", recursive: false }], {
        onProgress: () => {
          writeFileSync(`${src}.new`, readFileSync(src));
          utimesSync(`${src}.new`, 1_700_000_000, 1_700_000_000);
          renameSync(`${src}.new`, src);
        },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as VerifyError).code).toBe("source-changed");
    expect(sha(readFileSync(image))).toBe(before);
    expect(undoFiles(dir)).toEqual([]);
  });

  it("a small host file changed after it was copied is not read again: the image holds the bytes the copy read", () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const src = join(dir, "tool.cmd");
    writeFileSync(src, "@echo off\r\n");
    const report = writeFilesInImage(image, [{ kind: "copy", sources: [src], dest: "/", recursive: false }], {
      hashes: true,
      onProgress: () => writeFileSync(src, "@echo on!\r\n"),
    });
    expect(report.result.created).toEqual([{ path: "/tool.cmd", size: 11, sha256: sha(Buffer.from("@echo off\r\n")) }]);
  });

  // The verify must be an independent read of the staged volume: a writer that put other bytes
  // there than the host file's, or a staged record changed behind the reader, fails the write.
  const small = Buffer.from("a small file, resident in its MFT record\r\n");
  /** Copies `content` (as /file.bin) with `spy` in place: the staged verify refuses, image untouched, no undo file. */
  function refusedWhile(content: Buffer, spy: () => { mockRestore(): void }): void {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const src = join(dir, "file.bin");
    writeFileSync(src, content);
    const before = sha(readFileSync(image));
    const installed = spy();
    try {
      expect(() => writeFilesInImage(image, [{ kind: "copy", sources: [src], dest: "/", recursive: false }])).toThrow(/reads back different bytes/);
    } finally {
      installed.mockRestore();
    }
    expect(sha(readFileSync(image))).toBe(before);
    expect(undoFiles(dir)).toEqual([]);
  }
  it.each([
    ["a small (resident) file", small],
    ["a large file", bigContent()],
  ])("%s whose bytes the writer changes after reading them from the host fails the write, nothing written", (_kind, content) => {
    const createFile = NtfsWriter.prototype.createFile;
    refusedWhile(content, () => vi.spyOn(NtfsWriter.prototype, "createFile").mockImplementation(function (this: NtfsWriter, path, fileContent, options) {
      const pieces = fileContent as Exclude<FileContent, Uint8Array>; // the copy hands pieces, never one buffer
      const flipped: FileContent = {
        size: pieces.size,
        read: (offset, length) => {
          const bytes = pieces.read(offset, length);
          if (offset === 0) bytes[length >> 1] ^= 0x20; // a writer bug: the piece changed after it was read
          return bytes;
        },
      };
      return createFile.call(this, path, flipped, options);
    }));
  });

  it.each([
    ["a small file's bytes in its MFT record", small],
    ["a large file's data cluster", bigContent()],
  ])("%s changed on the staged volume after the writer's commit fails the write, nothing written", (_kind, content) => {
    const commit = NtfsWriter.prototype.commit;
    refusedWhile(content, () => vi.spyOn(NtfsWriter.prototype, "commit").mockImplementation(function (this: NtfsWriter) {
      const ranges = commit.call(this);
      // Behind the writer's back, on the staged device: one byte of the file's content.
      const vol = this.vol;
      const record = vol.resolve("/file.bin")!.record;
      const stream = vol.stream(record, AttributeType.data, "");
      let at: number;
      if (stream.resident) {
        const [place] = vol.recordPlacement(record);
        const raw = vol.device.read(place.deviceOffset, place.length);
        at = place.deviceOffset + Buffer.from(raw).indexOf(content.subarray(0, 16)) + 8;
        expect(at).toBeGreaterThan(place.deviceOffset + 8);
      } else at = stream.mapRange(0, 4096)[0].deviceOffset! + 1000;
      const byte = vol.device.read(at, 1);
      byte[0] ^= 0x01;
      vol.device.write(at, byte);
      return ranges;
    }));
  });

  it.each([
    ["a link to a host file", (path: string, secret: string) => symlinkSync(secret, path)],
    ["a FIFO", (path: string) => execFileSync("mkfifo", [path])],
  ])("a file swapped for %s after the walk, before it is opened, is refused: nothing followed, nothing written", (_kind, plant) => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const tree = join(dir, "tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "a.txt"), "first\r\n");
    writeFileSync(join(tree, "b.txt"), "second\r\n");
    const secret = join(dir, "secret.txt");
    writeFileSync(secret, "not for the image");
    const before = sha(readFileSync(image));
    let swapped = false;
    const write = () =>
      writeFilesInImage(image, [{ kind: "copy", sources: [tree], dest: "/", recursive: true }], {
        // After a.txt is copied (the walk is done): b.txt becomes a link or a FIFO.
        onProgress: () => {
          if (swapped) return;
          swapped = true;
          rmSync(join(tree, "b.txt"));
          plant(join(tree, "b.txt"), secret);
        },
      });
    expect(write).toThrow(/is no longer the file found a moment ago|could not be opened as the file found/);
    expect(sha(readFileSync(image))).toBe(before);
    expect(undoFiles(dir)).toEqual([]);
  });

  it("a host folder swapped for a link after the walk looked at it is not listed: the other place's names never come in", () => {
    const dir = tempDir();
    const tree = join(dir, "tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "tool.cmd"), "@echo off\r\n");
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "secret.txt"), "not for the image");
    const found = lstatSync(tree);
    expect(namesInFolder(tree, found)).toEqual(["tool.cmd"]);
    renameSync(tree, `${tree}.old`);
    symlinkSync(elsewhere, tree);
    expect(() => namesInFolder(tree, found)).toThrow(/is no longer the folder found a moment ago/);
    // A folder put back in its place, but another one (another inode), is refused too.
    rmSync(tree);
    mkdirSync(tree);
    expect(() => namesInFolder(tree, found)).toThrow(/is no longer the folder found a moment ago/);
  });
});
