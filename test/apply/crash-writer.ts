/**
 * Child process of the crash test: one registry edit written into IMAGE through the real
 * transaction, with the NTFS writer (or the same-size test double before it existed). P2VFIX_TEST_KILL_AFTER_STEPS=N makes it
 * SIGKILL itself after step N. Prints the step names as JSON when it finishes.
 *
 *   node --import tsx test/apply/crash-writer.ts IMAGE
 */
import { createStepCounter, writeHivesInImage } from "../../src/apply/index.js";
import { editHive } from "../../src/regf/edit/admission.js";
import { bestRewriter } from "./helpers.js";

export const CRASH_KEY = "ControlSet001\\Services\\p2vfix-fixture";

const image = process.argv[2];
const steps = createStepCounter();
const report = writeHivesInImage(
  `${image}:SYSTEM`,
  (c) => {
    const e = editHive(c.hive, { now: () => new Date("2025-01-01T00:00:00Z") });
    // Several values across the hive, so the write touches several ranges.
    for (const name of ["Value0000", "Value0150", "Value0319"]) e.setValue(CRASH_KEY, name, 4, new Uint8Array([1, 2, 3, 4]));
    e.setValue(CRASH_KEY, "Start", 4, new Uint8Array([4, 0, 0, 0]));
    return e.serialize({ minSequence: c.recovery.lastAppliedSequence ?? 0 });
  },
  { ...(bestRewriter ? { rewriter: bestRewriter } : {}), steps },
);
process.stdout.write(JSON.stringify({ steps: steps.names, sha256After: report.result[0].sha256After, ranges: report.files[0].ranges.length }) + "\n");
