import { describe, expect, it } from "vitest";
import { LOG_ENTRY_SEED_HIGH, LOG_ENTRY_SEED_LOW, marvin32 } from "../../../src/regf/log/marvin32.js";
import { corpusBytes, hasCorpus, noCorpusReason } from "../../helpers/corpus.js";

/** Every HvLE entry of these logs was hashed by Windows: both hashes must match ours. */
const LOGS = [
  "yarp/NewDirtyHive1/NewDirtyHive.LOG1",
  "yarp/NewDirtyHive1/NewDirtyHive.LOG2",
  "DFIRArtifactMuseum/Win10_RathbunVM/DEFAULT.LOG2",
  "DFIRArtifactMuseum/Amcache_Win10_APTSimulatorVM/Amcache.hve.LOG1",
];

describe.skipIf(!hasCorpus())(`marvin32 against hashes Windows wrote${hasCorpus() ? "" : ` (skipped: ${noCorpusReason})`}`, () => {
  for (const rel of LOGS) {
    it(rel, async () => {
      const log = await corpusBytes(`hives/${rel}`);
      const v = new DataView(log.buffer, log.byteOffset, log.byteLength);
      let checked = 0;
      for (let off = 512; off + 40 <= log.length && v.getUint32(off, true) === 0x454c7648; off += v.getUint32(off + 4, true)) {
        const size = v.getUint32(off + 4, true);
        const h1 = marvin32(log.subarray(off + 40, off + size));
        const h2 = marvin32(log.subarray(off, off + 32));
        expect([h1.low, h1.high]).toEqual([v.getUint32(off + 24, true), v.getUint32(off + 28, true)]);
        expect([h2.low, h2.high]).toEqual([v.getUint32(off + 32, true), v.getUint32(off + 36, true)]);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});

describe("marvin32", () => {
  it("depends on the seed and on every byte, including a 1-3 byte tail", () => {
    const data = new Uint8Array(37).map((_, i) => i * 7);
    const base = marvin32(data);
    expect(marvin32(data, LOG_ENTRY_SEED_HIGH, LOG_ENTRY_SEED_LOW)).not.toEqual(base);
    for (let i = 0; i < data.length; i++) {
      const changed = data.slice();
      changed[i] ^= 1;
      expect(marvin32(changed)).not.toEqual(base);
    }
    // Lengths differing only by the tail give different hashes (the 0x80 marker moves).
    const hashes = new Set([0, 1, 2, 3, 4].map((n) => JSON.stringify(marvin32(new Uint8Array(n)))));
    expect(hashes.size).toBe(5);
  });
});
