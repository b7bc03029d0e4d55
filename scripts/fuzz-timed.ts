/**
 * The command line of a fuzz target that runs for a count or a time budget:
 * `--runs N --seed S --seconds N`, ending with the line
 * `fuzz <target>: <N> inputs, <S> s, <R> inputs/s, <F> failures` (exit 1 on a failure).
 */
import { fuzzArgs } from "./fuzz-common.js";

export function runTimedFuzzer(
  target: string,
  defaultRuns: number,
  fuzz: (runs: number, seed: number, seconds: number) => { inputs: number; failures: number; firstFailure?: string },
): void {
  const argv = process.argv.slice(2);
  const { runs, seed } = fuzzArgs(argv, defaultRuns);
  const at = argv.indexOf("--seconds");
  const seconds = at >= 0 ? Number(argv[at + 1]) : Infinity;
  // A time budget alone runs until it is spent.
  const count = at >= 0 && !argv.includes("--runs") ? Number.MAX_SAFE_INTEGER : runs;
  const start = performance.now();
  const r = fuzz(count, seed, seconds);
  const took = (performance.now() - start) / 1000;
  if (r.firstFailure) console.error(r.firstFailure);
  console.log(`fuzz ${target}: ${r.inputs} inputs, ${took.toFixed(1)} s, ${Math.round(r.inputs / took)} inputs/s, ${r.failures} failures`);
  process.exitCode = r.failures ? 1 : 0;
}
