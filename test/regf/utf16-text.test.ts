/**
 * Value text (value.ts utf16All, utf16UpToNul, and so RegValue.string/multiString) keeps every
 * UTF-16 code unit as stored, lone surrogates included, at any byte alignment, and stops at the
 * first NUL unit: checked against a unit-by-unit decoding of random units.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { utf16All, utf16UpToNul } from "../../src/regf/value.js";

/** Little-endian bytes of `units` placed `offset` bytes into a larger array (a hive's bytes). */
function placed(units: number[], offset: number, oddTail: boolean): Uint8Array {
  const host = new Uint8Array(offset + 2 * units.length + (oddTail ? 1 : 0) + 3).fill(0xee);
  units.forEach((u, i) => {
    host[offset + 2 * i] = u & 0xff;
    host[offset + 2 * i + 1] = u >> 8;
  });
  return host.subarray(offset, offset + 2 * units.length + (oddTail ? 1 : 0));
}

function unitByUnit(units: number[]): string {
  return units.map((u) => String.fromCharCode(u)).join("");
}

// Units weighted towards the interesting ones: NUL, surrogates (lone or paired), Latin-1, BMP.
const unit = fc.oneof(fc.constant(0), fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 1, max: 0xff }), fc.integer({ min: 1, max: 0xffff }));

describe("UTF-16LE value text", () => {
  it("every unit kept as stored, at any alignment, an odd last byte ignored", () => {
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 300 }), fc.nat(7), fc.boolean(), (units, offset, oddTail) => {
        const bytes = placed(units, offset, oddTail);
        expect(utf16All(bytes)).toBe(unitByUnit(units));
        const nul = units.indexOf(0);
        expect(utf16UpToNul(bytes)).toBe(unitByUnit(nul < 0 ? units : units.slice(0, nul)));
      }),
      { numRuns: 300 },
    );
  });

  it("lone surrogates survive (no replacement character) and long texts decode whole", () => {
    expect([...utf16All(placed([0xd800, 0x41, 0xdc00, 0xd83d], 1, false))].map((c) => c.charCodeAt(0))).toEqual([0xd800, 0x41, 0xdc00, 0xd83d]);
    const long = Array.from({ length: 70_000 }, (_, i) => 0x20 + (i % 0x5f));
    expect(utf16UpToNul(placed([...long, 0, 0x41], 3, true))).toBe(unitByUnit(long));
  });
});

describe("UTF-16LE value text on a Node without Buffer#ucs2Slice (the documented fallback)", () => {
  it("decodes exactly as with it", async () => {
    const proto = Buffer.prototype as unknown as { ucs2Slice?: unknown };
    const native = proto.ucs2Slice;
    delete proto.ucs2Slice;
    let fallback: typeof import("../../src/regf/value.js");
    try {
      vi.resetModules();
      fallback = await import("../../src/regf/value.js");
    } finally {
      proto.ucs2Slice = native;
      vi.resetModules();
    }
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 300 }), fc.nat(7), fc.boolean(), (units, offset, oddTail) => {
        const bytes = placed(units, offset, oddTail);
        expect(fallback.utf16All(bytes)).toBe(unitByUnit(units));
        const nul = units.indexOf(0);
        expect(fallback.utf16UpToNul(bytes)).toBe(unitByUnit(nul < 0 ? units : units.slice(0, nul)));
      }),
      { numRuns: 200 },
    );
  });
});
