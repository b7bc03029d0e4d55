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

/** `--seconds S`: a time budget instead of a count of inputs (undefined when not given). */
export function fuzzSeconds(argv: readonly string[]): number | undefined {
  const i = argv.indexOf("--seconds");
  if (i < 0) return undefined;
  const n = Number(argv[i + 1]);
  if (!(n > 0)) throw new Error("--seconds needs a positive number");
  return n;
}

/** The one closing line every fuzzer prints (npm run fuzz collects them): `fuzz <target>: <N> inputs, <S> s, <R> inputs/s, <F> failures`. */
export function fuzzSummary(target: string, inputs: number, seconds: number, failures: number): string {
  return `fuzz ${target}: ${inputs} inputs, ${seconds.toFixed(1)} s, ${Math.round(inputs / Math.max(seconds, 1e-3))} inputs/s, ${failures} failures`;
}

/** Mutations spread over the whole input (not only its ends): bit flips, extreme integers, splices, truncation, growth. */
export function mutateAnywhere(seeds: readonly Uint8Array[], random: () => number, extremes: readonly number[] = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xffff, 0x1000]): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  let bytes = new Uint8Array(seeds[pick(seeds.length)]);
  for (let r = 0, rounds = 1 + pick(4); r < rounds && bytes.length > 0; r++) {
    const at = pick(bytes.length);
    const op = pick(7);
    if (op === 0) bytes[at] ^= 1 << pick(8);
    else if (op === 1) bytes[at] = pick(256);
    else if (op === 2 && at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, extremes[pick(extremes.length)] >>> 0, random() < 0.5);
    else if (op === 3) bytes = bytes.slice(0, at);
    else if (op === 4) {
      const other = seeds[pick(seeds.length)];
      const from = pick(Math.max(1, other.length));
      const piece = other.subarray(from, from + 1 + pick(64));
      const out = new Uint8Array(bytes.length + piece.length);
      out.set(bytes.subarray(0, at));
      out.set(piece, at);
      out.set(bytes.subarray(at), at + piece.length);
      bytes = out;
    } else if (op === 5) {
      const len = 1 + pick(Math.min(64, bytes.length - at));
      const out = new Uint8Array(bytes.length - len);
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + len), at);
      bytes = out;
    } else {
      // Copy a piece of the input over another place in it (repeats structures, swaps fields).
      const from = pick(bytes.length);
      const len = Math.min(1 + pick(32), bytes.length - from, bytes.length - at);
      bytes.copyWithin(at, from, from + len);
    }
  }
  return bytes;
}

export interface FuzzTarget {
  name: string;
  seeds: Uint8Array[];
  mutate?: (seeds: readonly Uint8Array[], random: () => number) => Uint8Array;
  /** Runs one input; returns normally or throws an expected (typed) error; oracles throw OracleFailure. */
  run: (input: Uint8Array) => void;
  /** Errors the target may throw on bad input (typed refusals). */
  expected: (err: unknown) => boolean;
  /** Per-input limits: an input taking more CPU time, or a heap that grows past the limit, is a failure. */
  perInputMs?: number;
  heapLimitBytes?: number;
  /** Differential against hivex (regf target): inputs compared, and those hivex refused. */
  hivex?: { compared: number; refused: number };
  /** Removes what the target created (scratch files). */
  cleanup?: () => void;
}

/** An oracle saw a wrong answer (not a crash): always a failure. */
export class OracleFailure extends Error {}

export interface FuzzLoopResult {
  inputs: number;
  seconds: number;
  failures: { index: number; message: string; input: Uint8Array }[];
}

/**
 * Runs a target for `runs` inputs or `seconds`, whichever is given (seconds wins). Failures: an
 * unexpected error, an oracle failure, an input over the per-input time limit (CPU time of the
 * process; measured, never asserted in tests: a failure here is reported with its input) or
 * the heap over its limit.
 */
export function fuzzLoop(target: FuzzTarget, options: { runs: number; seed: number; seconds?: number; maxFailures?: number }): FuzzLoopResult {
  const random = prng(options.seed);
  const mutate = target.mutate ?? mutateAnywhere;
  const started = performance.now();
  const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
  const failures: FuzzLoopResult["failures"] = [];
  const perInput = target.perInputMs ?? 2000;
  const heapLimit = target.heapLimitBytes ?? 1024 * 1024 * 1024;
  let inputs = 0;
  while (options.seconds !== undefined ? performance.now() < deadline : inputs < options.runs) {
    const input = mutate(target.seeds, random);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let failure: string | undefined;
    try {
      target.run(input);
    } catch (err) {
      if (err instanceof OracleFailure || !target.expected(err)) failure = `${(err as Error)?.name}: ${(err as Error)?.message}`;
    }
    // The limit is on CPU time: a long run under `nice` on a busy host is descheduled for
    // seconds at a time, which wall time would count (9 false failures in a 40-minute run).
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (!failure && cpuMs > perInput) failure = `took ${cpuMs.toFixed(0)} ms of CPU, ${(performance.now() - t0).toFixed(0)} ms in all (limit ${perInput} ms)`;
    if (!failure && (inputs & 63) === 0 && process.memoryUsage().heapUsed > heapLimit) failure = `heap ${process.memoryUsage().heapUsed} bytes over the limit ${heapLimit}`;
    if (failure) {
      failures.push({ index: inputs, message: failure, input });
      if (failures.length >= (options.maxFailures ?? 1)) {
        inputs++;
        break;
      }
    }
    inputs++;
  }
  return { inputs, seconds: (performance.now() - started) / 1000, failures };
}

/** Command-line driver shared by the per-target scripts: runs, prints the summary line, saves a failing input. */
export async function fuzzMain(target: () => Promise<FuzzTarget> | FuzzTarget, defaultRuns = 2000): Promise<void> {
  const argv = process.argv.slice(2);
  const { runs, seed } = fuzzArgs(argv, defaultRuns);
  const seconds = fuzzSeconds(argv);
  const t = await target();
  // Long runs go on past a failure (up to 20), so one finding does not end the run.
  const r = fuzzLoop(t, { runs, seed, maxFailures: 20, ...(seconds === undefined ? {} : { seconds }) });
  for (const f of r.failures) {
    const { writeFileSync } = await import("node:fs");
    const path = `/tmp/fuzz-${t.name}-failure-${seed}-${f.index}.bin`;
    writeFileSync(path, f.input);
    console.error(`fuzz ${t.name}: input ${f.index} (seed ${seed}) failed: ${f.message}; input saved to ${path}`);
  }
  console.log(fuzzSummary(t.name, r.inputs, r.seconds, r.failures.length));
  if (r.failures.length) process.exitCode = 1;
}

/**
 * For fuzzers with their own loop: runs `batch(runs, seed)` once (`--runs`), or again and again
 * with fresh seeds until `--seconds` is spent; prints the summary line. Returns the exit code.
 */
export function runBudget(target: string, argv: readonly string[], defaultRuns: number, batchRuns: number, batch: (runs: number, seed: number) => { inputs: number; failures: number }): number {
  const { runs, seed } = fuzzArgs(argv, defaultRuns);
  const seconds = fuzzSeconds(argv);
  const started = performance.now();
  let inputs = 0;
  let failures = 0;
  if (seconds === undefined) {
    const r = batch(runs, seed);
    inputs = r.inputs;
    failures = r.failures;
  } else {
    for (let round = 0; performance.now() - started < seconds * 1000 && failures === 0; round++) {
      const r = batch(batchRuns, seed + round);
      inputs += r.inputs;
      failures += r.failures;
    }
  }
  console.log(fuzzSummary(target, inputs, (performance.now() - started) / 1000, failures));
  return failures ? 1 : 0;
}
