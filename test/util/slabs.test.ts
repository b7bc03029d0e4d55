import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Slabs } from "../../src/util/slabs.js";

describe("Slabs", () => {
  it("hands out zeroed arrays of the asked length that never overlap, sharing a slab while they fit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), fc.array(fc.integer({ min: 0, max: 6000 }), { maxLength: 60 }), (slabSize, lengths) => {
        const slabs = new Slabs(slabSize);
        const taken = lengths.map((length) => slabs.take(length));
        taken.forEach((bytes, i) => {
          expect(bytes.length).toBe(lengths[i]);
          expect(bytes.every((b) => b === 0)).toBe(true);
          bytes.fill(i + 1);
        });
        // Each array still holds its own mark: none was handed out twice or overlaps another.
        taken.forEach((bytes, i) => expect(bytes.every((b) => b === ((i + 1) & 0xff))).toBe(true));
        // Arrays that fit one slab together share its buffer.
        for (let i = 1; i < taken.length; i++) {
          const previous = taken[i - 1];
          const fits = previous.byteOffset + previous.length + lengths[i] <= previous.buffer.byteLength;
          if (fits) expect(taken[i].buffer).toBe(previous.buffer);
        }
      }),
    );
  });
});
