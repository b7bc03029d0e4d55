/**
 * OpenFile.readInto (cat's read straight into its buffer) gives the bytes read() gives, for
 * resident, plain, sparse and compressed files, whatever the buffer held before.
 */
import { describe, expect, it } from "vitest";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { fixtureDevice } from "./helpers.js";

describe("NTFS readInto", () => {
  const vol = openNtfs(fixtureDevice("windows"));
  const files = ["/Users/Public/sparse.bin", "/Compressed/text.txt", "/Compressed/mixed.bin", "/Compressed/random.bin", "/Windows/System32/config/SYSTEM", "/Users/Public/ads.txt:zone.identifier"];

  it.each(files)("%s: chunks through one dirty buffer equal read()", (path) => {
    const file = vol.openFile(path);
    const whole = file.read(0, file.size);
    // A chunk size that cuts clusters and compression units, and a target offset inside the buffer.
    for (const chunk of [4099, 70_001]) {
      const buffer = new Uint8Array(chunk + 7);
      for (let offset = 0; offset < file.size; offset += chunk) {
        const length = Math.min(chunk, file.size - offset);
        buffer.fill(0x5a);
        file.readInto!(offset, buffer, 7, length);
        expect(buffer.subarray(0, 7).every((b) => b === 0x5a)).toBe(true);
        expect(Buffer.from(buffer.subarray(7, 7 + length)).equals(Buffer.from(whole.subarray(offset, offset + length))), `${path} at ${offset}`).toBe(true);
      }
    }
    expect(() => file.readInto!(file.size - 1, new Uint8Array(10), 0, 2)).toThrow(/outside/);
    expect(() => file.readInto!(0, new Uint8Array(10), 9, 2)).toThrow(/read target/);
    file.close();
  });
});
