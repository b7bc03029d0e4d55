/** A short run of scripts/fuzz-vdisk.ts: every mutated fixture opens or fails with a typed error. */
import { describe, expect, it } from "vitest";
import { fuzzVdisk } from "../../scripts/fuzz-vdisk.js";

describe("fuzz-vdisk (short run)", () => {
  it("finds no untyped failure in 60 mutated images", () => {
    const r = fuzzVdisk({ runs: 60, seed: 20261125 });
    expect(r.inputs).toBe(60);
    expect(r.failures).toEqual([]);
    // The mutations must reach both outcomes, or the fuzzer tests nothing.
    expect(r.typedErrors).toBeGreaterThan(0);
    expect(r.opened).toBeGreaterThan(0);
  });
});
