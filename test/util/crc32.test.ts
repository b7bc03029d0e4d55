/** The plain-code CRC-32s (src/util/crc32.ts) give zlib's CRC-32 and the standard check values. */
import fc from "fast-check";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, crc32c } from "../../src/util/crc32.js";

const check = new TextEncoder().encode("123456789");

describe("CRC-32 in plain code", () => {
  it("the catalogue's check values of '123456789'", () => {
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32c(check)).toBe(0xe3069283);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it("same as zlib's crc32 on any bytes, and continues an earlier CRC", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 64 }), (bytes, more) => {
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
        const both = new Uint8Array([...bytes, ...more]);
        expect(crc32(more, crc32(bytes))).toBe(zlibCrc32(both));
      }),
      { numRuns: 200 },
    );
  });
});
