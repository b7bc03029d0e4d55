import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NtfsError } from "../../../src/errors.js";
import { applyFixups, protectRecord } from "../../../src/fs/ntfs/update-sequence.js";

/** A fixed-up record of `strides` 512-byte strides with its array at 0x30 and number `usn`. */
function record(body: Uint8Array, strides: number, usn: number): Uint8Array {
  const r = body.slice(0, strides * 512);
  r.set([0x46, 0x49, 0x4c, 0x45, 0x30, 0x00, strides + 1, 0x00]);
  r[0x30] = usn & 0xff;
  r[0x31] = usn >> 8;
  return r;
}

describe("update sequence array on write", () => {
  it("protectRecord then applyFixups gives the record back, with the next sequence number", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), fc.constantFrom(2, 8), fc.integer({ min: 0, max: 0xffff }), (body, strides, usn) => {
        const fixed = record(body, strides, usn);
        const stamped = protectRecord(fixed, 0, "test");
        const next = stamped[0x30] | (stamped[0x31] << 8);
        expect(next).toBe(usn + 1 >= 0xffff ? 1 : usn + 1);
        for (let i = 1; i <= strides; i++) expect(stamped[i * 512 - 2] | (stamped[i * 512 - 1] << 8)).toBe(next);
        const back = applyFixups(stamped, 0, "test");
        // The array itself now holds the saved stride ends; everything else is as before.
        back.set(fixed.subarray(0x30, 0x30 + 2 * (strides + 1)), 0x30);
        expect(Buffer.from(back).equals(Buffer.from(fixed))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses an array that does not fit the record", () => {
    const r = record(new Uint8Array(1024), 2, 5);
    r[6] = 9; // 8 strides claimed in a 1024-byte record
    expect(() => protectRecord(r, 0, "test")).toThrow(NtfsError);
  });

  it("fixes a fresh buffer up in place with the same result as a copy, and copies when the array reaches a stride's end", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1024, maxLength: 1024 }),
        fc.integer({ min: 4, max: 511 }),
        fc.integer({ min: 2, max: 3 }),
        (body, usaWord, count) => {
          const raw = body.slice();
          const usaOffset = usaWord * 2;
          raw[4] = usaOffset & 0xff;
          raw[5] = usaOffset >> 8;
          raw[6] = count;
          raw[7] = 0;
          // Every stride ends with the array's number, so the record is not torn.
          for (let i = 1; i < count; i++) raw.set(raw.subarray(usaOffset, usaOffset + 2), i * 512 - 2);
          let copied: Uint8Array | Error;
          try {
            copied = applyFixups(raw.slice(), 0, "test");
          } catch (err) {
            copied = err as Error;
          }
          const fresh = raw.slice();
          if (copied instanceof Error) {
            expect(() => applyFixups(fresh, 0, "test", true)).toThrow(copied.message);
            return;
          }
          const inPlace = applyFixups(fresh, 0, "test", true);
          expect(Buffer.from(inPlace).equals(Buffer.from(copied))).toBe(true);
          const reachesStrideEnd = usaOffset + 2 * count > 510;
          expect(inPlace === fresh).toBe(!reachesStrideEnd);
        },
      ),
      { numRuns: 300 },
    );
  });
});
