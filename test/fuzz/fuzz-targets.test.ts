/**
 * A short run of every fuzz target added for issue 17 (scripts/fuzz-*.ts), and the oracle
 * mutation test: with the cell reader's bounds check removed (the seam in fuzz-regf.ts), the
 * regf oracles fail within a short run, while the real reader passes the same inputs.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fuzzLoop, type FuzzTarget } from "../../scripts/fuzz-common.js";
import { ntfsWriteTarget } from "../../scripts/fuzz-ntfs-write.js";
import { lznt1Target, referenceLznt1 } from "../../scripts/fuzz-lznt1.js";
import { planTarget } from "../../scripts/fuzz-plan.js";
import { hasHivex } from "../../scripts/fuzz-hivex.js";
import { FUZZ_SEEDS, regfTarget } from "../../scripts/fuzz-regf.js";
import { regfLogTarget } from "../../scripts/fuzz-regf-log.js";
import { undoJournalTarget } from "../../scripts/fuzz-undo-journal.js";
import { vmconfigTarget } from "../../scripts/fuzz-vmconfig.js";
import { VmConfigError } from "../../src/errors.js";
import { decompressLznt1 } from "../../src/fs/ntfs/lznt1.js";
import { corpusBytes, hasCorpus } from "../helpers/corpus.js";

function shortRun(target: FuzzTarget, runs: number, seed: number): void {
  const r = fuzzLoop(target, { runs, seed, maxFailures: 3 });
  expect(r.inputs).toBe(runs);
  expect(r.failures.map((f) => `input ${f.index}: ${f.message}`)).toEqual([]);
}

describe("fuzz targets (short runs)", () => {
  it("lznt1: the reference decoder agrees on the seeds, and on mutated streams", () => {
    const t = lznt1Target();
    for (const seed of t.seeds) expect(Buffer.from(referenceLznt1(seed, 8192)!)).toEqual(Buffer.from(decompressLznt1(seed, 8192)));
    shortRun(t, 3000, 17);
  });
  it("plan loader", () => shortRun(planTarget(), 300, 17));
  it("VM definitions and OVA: every accepted definition, real or mutated, round-trips byte for byte", () => {
    const t = vmconfigTarget();
    expect(t.seeds.length).toBeGreaterThanOrEqual(6);
    for (const seed of t.seeds) t.run(seed);
    // Input 879 (seed 4) once lost bytes on unplug → plug; now its damaged value is refused, a typed error.
    expect(() => t.run(new Uint8Array(readFileSync(new URL("./regressions/vmconfig-879.ovf", import.meta.url))))).toThrow(VmConfigError);
    shortRun(t, 300, 3);
  });
  it("NTFS in-place write: the unmutated volume is written and reads back; mutated ones keep the oracles", { timeout: 60_000 }, () => {
    const t = ntfsWriteTarget();
    t.run(new Uint8Array()); // no patches: the write succeeds and every oracle holds
    shortRun(t, 60, 17);
  });
  it("undo file and journal decoders", () => shortRun(undoJournalTarget(), 400, 17));
  it.skipIf(!hasCorpus())("regf log replay", { timeout: 60_000 }, async () => shortRun(await regfLogTarget(), 40, 17));
  it.skipIf(!hasCorpus())("regf with the reg check and cell-bounds oracles, and hivex reading the same tree (every 20th accepted input)", { timeout: 60_000 }, async () => {
    const seeds = await Promise.all(FUZZ_SEEDS.map((f) => corpusBytes(f)));
    const target = regfTarget(seeds, { hivexEvery: 20 });
    try {
      shortRun(target, 200, 1);
    } finally {
      target.cleanup?.();
    }
    if (hasHivex()) expect(target.hivex!.compared - target.hivex!.refused).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasCorpus())("the oracles catch a wrong answer, not only crashes", () => {
  it("with the cell reader's bounds check removed, the regf fuzzer fails within 1500 inputs", { timeout: 120_000 }, async () => {
    const seeds = await Promise.all(FUZZ_SEEDS.map((f) => corpusBytes(f)));
    const weakened = fuzzLoop(regfTarget(seeds, { weakened: true }), { runs: 1500, seed: 1 });
    expect(weakened.failures.length).toBe(1);
    expect(weakened.failures[0].message).toMatch(/ends past the hive bins data|reg check/);
    // The same failing input passes with the real reader: it is the weakening that is caught.
    const real = regfTarget(seeds);
    expect(() => real.run(weakened.failures[0].input)).not.toThrow(/reg check|hive bins data/);
  });
});
