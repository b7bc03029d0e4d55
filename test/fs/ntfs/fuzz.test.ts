/** A short run of scripts/fuzz-ntfs.ts: every mutated fixture reads fully or fails with a typed error. */
import { describe, expect, it } from "vitest";
import { fuzzNtfs } from "../../../scripts/fuzz-ntfs.js";

describe("fuzz-ntfs (short run)", () => {
  it("finds no crash, untyped error or slow input", () => {
    const r = fuzzNtfs({ runs: 12, seed: 7 });
    expect(r.inputs).toBe(12);
    expect(r.failures).toEqual([]);
    expect(r.opened + r.typedErrors).toBe(12);
  });
});
