/**
 * Hostile input: a real scenario hive (built by p2vfix's writer) with bytes flipped, truncated
 * or spliced. Opening and inspecting it either gives a report (corrupt sections listed under
 * `unknown`) or a typed P2vfixError; never another exception or a hang.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario } from "../../scripts/fixtures/build-scenarios.js";
import { P2vfixError } from "../../src/errors.js";
import { openHive } from "../../src/regf/open.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { InspectReport } from "../../src/windows/schema.js";

describe("mutated SYSTEM hives", () => {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-mutate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const original = new Uint8Array(readFileSync(join(buildScenario("hp-proliant-2012r2", dir), "SYSTEM")));

  it("give a report or a typed error", () => {
    let reports = 0;
    let errors = 0;
    let isolated = 0;
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.array(fc.nat(original.length - 1), { minLength: 1, maxLength: 16 }), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("truncate" as const), at: fc.array(fc.nat(original.length - 1), { minLength: 1, maxLength: 1 }), value: fc.constant(0) }),
    );
    fc.assert(
      fc.property(mutation, (m) => {
        const bytes = original.slice();
        if (m.kind === "flip") {
          // Mostly inside the hive bins: the base block is checksummed and would just refuse.
          for (const at of m.at) bytes[Math.max(4096, at)] = m.value;
        }
        const input = m.kind === "truncate" ? bytes.subarray(0, m.at[0]) : bytes;
        try {
          const hive = openHive(input);
          const r = inspectWindows({ system: hive.root(), sources: { system: "mutated" } }, { target: "hyperv" });
          InspectReport.parse(r);
          reports++;
          if (r.unknown.some((u) => /^(services|network\.adapters)\./.test(u.section))) isolated++;
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
          errors++;
        }
      }),
      { numRuns: 300, seed: 6 },
    );
    expect(reports + errors).toBe(300);
    expect(reports).toBeGreaterThan(0);
    // A corrupt service or adapter key costs that item, not its whole section.
    expect(isolated).toBeGreaterThan(0);
  });
});
