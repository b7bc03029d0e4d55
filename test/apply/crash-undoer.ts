/**
 * Child process of the crash test for undo itself: `undoApply(IMAGE)`, SIGKILLed after step N
 * when P2VFIX_TEST_KILL_AFTER_STEPS=N. Prints the step names when it finishes.
 *
 *   node --import tsx test/apply/crash-undoer.ts IMAGE
 */
import { createStepCounter, undoApply } from "../../src/apply/index.js";

const steps = createStepCounter();
undoApply(process.argv[2], { steps });
process.stdout.write(JSON.stringify({ steps: steps.names }) + "\n");
