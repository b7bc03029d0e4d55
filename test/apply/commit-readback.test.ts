/**
 * The commit reads every written piece back through a handle of its own and compares it with
 * the bytes it meant to write: bytes that change under it (another program writing the image
 * meanwhile) fail the write, and the image is rolled back to its original bytes from the undo
 * file, byte for byte.
 */
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFilesInImage } from "../../src/plan/image-files.js";
import { toolsAvailable } from "../helpers/interop.js";
import { mkntfsVolume, sha, tempDir } from "../fs/ntfs/create-helpers.js";
import { rmSync } from "node:fs";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!toolsAvailable("mkntfs"))("the commit's read-back", () => {
  it("a written piece changed before it is read back fails the write; the image is rolled back", () => {
    const dir = tempDir();
    dirs.push(dir);
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const original = sha(readFileSync(image));
    const host = join(dir, "big.bin");
    const big = Buffer.alloc(3 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(host, big);
    expect(big.indexOf(big.subarray(big.length - 4096))).toBe(big.length - 4096);
    let clobbered = false;
    const write = () =>
      writeFilesInImage(image, [{ kind: "copy", sources: [host], dest: "/big.bin" }], {
        // Called as the commit writes each chunk: once the file's last 4 KiB are in the image (just
        // written, not yet read back), another writer overwrites them with zeros.
        onWriteProgress: () => {
          if (clobbered) return;
          const bytes = readFileSync(image);
          const at = bytes.indexOf(big.subarray(big.length - 4096));
          if (at < 0) return;
          const fd = openSync(image, "r+");
          try {
            writeSync(fd, new Uint8Array(4096), 0, 4096, at);
          } finally {
            closeSync(fd);
          }
          clobbered = true;
        },
      });
    expect(write).toThrow(/reading back the \d+ bytes written at \d+ gives different bytes; the original bytes were restored/);
    expect(clobbered).toBe(true);
    expect(sha(readFileSync(image))).toBe(original);
  });
});
