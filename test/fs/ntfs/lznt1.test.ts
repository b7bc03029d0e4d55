import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NtfsError } from "../../../src/errors.js";
import { decompressLznt1 } from "../../../src/fs/ntfs/lznt1.js";

// [MS-XCA] 3.3 "LZNT1" worked example: 59 compressed bytes, 142 bytes of text with its NUL.
const example = Uint8Array.from(
  "38 b0 88 46 23 20 00 20 47 20 41 00 10 a2 47 01 a0 45 20 44 00 08 45 01 50 79 00 c0 45 20 05 24 13 88 05 b4 02 4a 44 ef 03 58 02 8c 09 16 01 48 45 00 be 00 9e 00 04 01 18 90 00"
    .split(" ")
    .map((h) => parseInt(h, 16)),
);
const exampleText =
  "F# F# G A A G F# E D D E F# F# E E F# F# G A A G F# E D D E F# E D D E E F# D E F# G F# D E F# G F# E D E A F# F# G A A G F# E D D E F# E D D\0";

describe("LZNT1", () => {
  it("decompresses the MS-XCA example", () => {
    expect(example.length).toBe(59);
    expect(exampleText.length).toBe(142);
    const out = decompressLznt1(example, 4096);
    expect(new TextDecoder().decode(out.subarray(0, 142))).toBe(exampleText);
    expect(out.subarray(142)).toEqual(new Uint8Array(4096 - 142));
  });

  it("copies uncompressed chunks and places each chunk at a 4 KiB boundary", () => {
    const raw = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    const chunk = new Uint8Array(2 + 4096);
    chunk[0] = (4096 + 2 - 3) & 0xff;
    chunk[1] = 0x30 | ((4096 + 2 - 3) >> 8);
    chunk.set(raw, 2);
    const input = new Uint8Array([...chunk, ...example, 0, 0]);
    const out = decompressLznt1(input, 8192);
    expect(out.subarray(0, 4096)).toEqual(raw);
    expect(new TextDecoder().decode(out.subarray(4096, 4096 + 142))).toBe(exampleText);
  });

  it("rejects back-references before the chunk start and truncated chunks", () => {
    // Flag byte 0x01: first token is a back-reference, with nothing decoded yet.
    expect(() => decompressLznt1(Uint8Array.from([0x02, 0xb0, 0x01, 0x00, 0x00]), 4096)).toThrow(expect.objectContaining({ code: "bad-compression" }));
    expect(() => decompressLznt1(example.subarray(0, 40), 4096)).toThrow(NtfsError);
  });

  it("never hangs, crashes or writes past the unit on arbitrary input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(512, 4096, 8192), (bytes, size) => {
        try {
          expect(decompressLznt1(bytes, size).length).toBe(size);
        } catch (err) {
          expect(err).toBeInstanceOf(NtfsError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
