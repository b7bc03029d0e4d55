/** A short run of scripts/fuzz-partition-fat.ts: damaged disks and FAT volumes never give an untyped error. */
import { describe, expect, it } from "vitest";
import { fuzz } from "../../scripts/fuzz-partition-fat.js";

describe("fuzz-partition-fat short run", () => {
  it("400 damaged inputs: each readable or a typed error", () => {
    const report = fuzz(400, 7);
    expect(report.inputs).toBe(400);
    expect(report.failures).toEqual([]);
    // The damage must actually reach the parsers' checks.
    expect(report.typedErrors.size).toBeGreaterThan(3);
  });
});
