import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryDevice, OverlayDevice, SliceDevice } from "../../src/io/index.js";
import { ImageError } from "../../src/errors.js";

describe("OverlayDevice", () => {
  it("reads like a plain device after any sequence of writes, and never touches the base", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(255), fc.uint8Array({ minLength: 0, maxLength: 40 })), { maxLength: 30 }),
        (writes) => {
          const original = new Uint8Array(300).map((_, i) => i & 0xff);
          const base = new MemoryDevice(original.slice());
          const model = new MemoryDevice(original.slice());
          const overlay = new OverlayDevice(base);
          for (const [offset, data] of writes) {
            const clipped = data.subarray(0, 300 - offset);
            overlay.write(offset, clipped);
            model.write(offset, clipped);
          }
          expect(overlay.read(0, 300)).toEqual(model.read(0, 300));
          expect(base.bytes).toEqual(original);
          // Ranges stay sorted and disjoint.
          const ranges = overlay.writes();
          for (let i = 1; i < ranges.length; i++) {
            expect(ranges[i].offset).toBeGreaterThan(ranges[i - 1].offset + ranges[i - 1].data.length - 1);
          }
        },
      ),
    );
  });

  it("grows and shrinks without touching the base; a shrunk tail stays gone", () => {
    const base = new MemoryDevice(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const overlay = new OverlayDevice(base);
    overlay.resize(12);
    overlay.write(10, new Uint8Array([9, 9]));
    expect(overlay.read(0, 12)).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 9, 9]));
    overlay.resize(4);
    overlay.resize(12);
    expect(overlay.read(0, 12)).toEqual(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(base.bytes).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(overlay.size).toBe(12);
  });

  it("rejects out-of-range access with a typed error", () => {
    const dev = new SliceDevice(new MemoryDevice(new Uint8Array(100)), 10, 50);
    expect(() => dev.read(40, 20)).toThrow(ImageError);
    expect(() => new SliceDevice(dev, 40, 20)).toThrow(ImageError);
  });
});
