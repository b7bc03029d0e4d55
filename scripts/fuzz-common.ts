/** What every mutation fuzzer script shares: a seeded PRNG, its command line, the main-module check. */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Small deterministic PRNG (mulberry32) so a seed reproduces a run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `--runs N --seed S` (a random seed, printed, when none is given). */
export function fuzzArgs(argv: readonly string[], defaultRuns: number): { runs: number; seed: number } {
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
    return n;
  };
  return { runs: value("--runs") ?? defaultRuns, seed: value("--seed") ?? Date.now() % 2 ** 31 };
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}
