import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf16le } from "../../src/util/byte-reader.js";

const reference = new TextDecoder("utf-16le");

/** Code units that matter to a UTF-16 decoder: ASCII, the rest of the BMP, BOMs, high and low surrogates. */
const unit = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 0xffff }), fc.constant(0xfeff), fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff }));

describe("decodeUtf16le", () => {
  it("gives what TextDecoder('utf-16le') gives, for any bytes at any offset (odd lengths, lone surrogates, BOMs, long runs)", () => {
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 300 }), fc.nat(3), fc.boolean(), (units, offset, dropLastByte) => {
        const buffer = new Uint8Array(offset + units.length * 2);
        units.forEach((code, i) => {
          buffer[offset + 2 * i] = code & 0xff;
          buffer[offset + 2 * i + 1] = code >> 8;
        });
        const bytes = buffer.subarray(offset, buffer.length - (dropLastByte && units.length > 0 ? 1 : 0));
        expect(decodeUtf16le(bytes)).toBe(reference.decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps a name's surrogate pair and drops a leading BOM, as TextDecoder does", () => {
    const encode = (units: number[]) => new Uint8Array(Uint16Array.from(units).buffer);
    expect(decodeUtf16le(encode([0x66, 0xd83d, 0xde00]))).toBe("f\u{1f600}");
    expect(decodeUtf16le(encode([0xfeff, 0x41]))).toBe("A");
    expect(decodeUtf16le(encode([0xd800, 0x41]))).toBe("\ufffdA");
  });
});
