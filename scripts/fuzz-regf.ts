/**
 * Mutation fuzzer for the regf reader, seeded from corpus hives: flips bytes, writes extreme
 * dwords (cell offsets, counts, sizes), truncates and splices, then opens, walks, reads every
 * value and exports, whole and on demand (the two must agree). Only RegfError (or NotFoundError)
 * may escape; anything else is a bug.
 *
 *   tsx scripts/fuzz-regf.ts [ITERATIONS=2000] [SEED=1]
 */
import { NotFoundError, RegfError } from "../src/errors.js";
import { jsonExportChunks } from "../src/regf/export/json-export.js";
import { regExportChunks } from "../src/regf/export/reg-export.js";
import { Hive } from "../src/regf/hive.js";
import { MemoryDevice } from "../src/io/memory-device.js";
import { openHiveOnDemand } from "../src/regf/open.js";
import { CellSpace } from "../src/regf/cells/cell.js";
import { checkHive } from "../src/regf/check/check-hive.js";
import { baseBlockChecksum } from "../src/regf/base-block.js";
import { walkHbins } from "../src/regf/hbin.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fuzzArgs, fuzzMain, isMainModule, mutateAnywhere, OracleFailure, prng, type FuzzTarget } from "./fuzz-common.js";
import { hasHivex, hivexTree, ourTree } from "./fuzz-hivex.js";

/** Small seed hives covering ri, big data, compressed and UTF-16 names, many value types. */
export const FUZZ_SEEDS = [
  "hives/yarp/BigDataHive",
  "hives/yarp/StringValuesHive",
  "hives/yarp/MultiSzHive",
  "hives/yarp/CompHive",
  "hives/yarp/UnicodeHive",
  "hives/hivex/special",
  "hives/hivex/rlenvalue_test_hive",
  "hives/nt-hive/testhive",
  "hives/python-registry/UNICODE_TESTS",
  "hives/EricZimmerman-Registry/SAM_hasBigEndianDWord",
  "hives/EricZimmerman-Registry/SECURITYNoRoot",
  "hives/plaso/100_sub_keys.hiv",
];

export interface FuzzResult {
  inputs: number;
  /** Inputs the reader refused with a RegfError / NotFoundError. */
  refused: number;
  /** Inputs read and exported completely. */
  accepted: number;
}

const EXTREMES = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8, 0x20, 0x1000, 0xffff, 0x80000004, 16344, 16345];

export function mutate(seeds: Uint8Array[], random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const base = seeds[pick(seeds.length)];
  let bytes = new Uint8Array(base);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const op = pick(6);
    // Most structure lives in the first bins: aim there more often.
    const where = () => (random() < 0.7 && bytes.length > 4096 ? 4096 + pick(Math.min(bytes.length - 4096, 16384)) : pick(bytes.length));
    if (bytes.length < 8) break;
    if (op === 0) {
      for (let i = 0, n = 1 + pick(8); i < n; i++) bytes[where()] ^= 1 << pick(8);
    } else if (op === 1) {
      const at = where() & ~3;
      if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, EXTREMES[pick(EXTREMES.length)], true);
    } else if (op === 2) {
      const at = where();
      if (at + 2 <= bytes.length) new DataView(bytes.buffer).setUint16(at, [0, 0xffff, 1, 0x8000][pick(4)], true);
    } else if (op === 3) {
      bytes = bytes.slice(0, pick(bytes.length));
    } else if (op === 4) {
      const other = seeds[pick(seeds.length)];
      const len = 1 + pick(512);
      const from = pick(Math.max(1, other.length - len));
      const to = where();
      bytes.set(other.subarray(from, from + Math.max(0, Math.min(len, bytes.length - to))), to);
    } else {
      // Point a random aligned dword at a random cell-looking offset.
      const at = where() & ~3;
      if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, (pick(Math.max(1, bytes.length - 4096)) & ~7) >>> 0, true);
    }
  }
  return bytes;
}

/** Reads everything the public API can reach; returns the .reg export, throws what the reader throws. */
function readAll(hive: Hive): string {
  hive.stats();
  const root = hive.root();
  let exported = "";
  for (const chunk of regExportChunks(root, { prefix: "HKLM\\F" })) exported += chunk;
  for (const chunk of jsonExportChunks(root)) void chunk.length;
  for (const k of root.subkeys()) {
    k.className();
    k.securityDescriptor();
    hive.key(k.name);
    for (const v of k.values()) {
      v.string();
      v.multiString();
      v.dword();
      v.qword();
    }
  }
  return exported;
}

/** The export, or the typed error the reader refused with (anything else escapes: a bug). */
function attempt(read: () => string): { exported: string } | { refusal: RegfError | NotFoundError } {
  try {
    return { exported: read() };
  } catch (err) {
    if (err instanceof RegfError || err instanceof NotFoundError) return { refusal: err };
    throw err;
  }
}

/**
 * Reads the input whole, and also on demand (cells read as visited in 512-byte chunks, so that
 * many cells cross a chunk edge; unread bytes poisoned): where
 * the whole read succeeds, the on-demand read must give the same export. Throws the whole read's
 * refusal, or an Error when the two reads disagree.
 */
export function exercise(bytes: Uint8Array): void {
  const whole = attempt(() => readAll(new Hive(bytes)));
  const lazy = attempt(() => {
    const hive = openHiveOnDemand(new MemoryDevice(bytes, { writable: false }), [], "fuzz input", { poison: 0xa5, chunkSize: 512 });
    return hive ? readAll(hive) : "not opened on demand";
  });
  if ("exported" in whole) {
    if (!("exported" in lazy)) throw new Error(`read whole, but refused on demand: ${lazy.refusal.message}`);
    if (lazy.exported !== "not opened on demand" && lazy.exported !== whole.exported) throw new Error("the on-demand read exports differently from the whole read");
    return;
  }
  throw whole.refusal;
}

export function fuzzRegf(seeds: Uint8Array[], iterations: number, seed = 1): FuzzResult {
  const random = prng(seed);
  const result: FuzzResult = { inputs: 0, refused: 0, accepted: 0 };
  for (let i = 0; i < iterations; i++) {
    const input = mutate(seeds, random);
    result.inputs++;
    try {
      exercise(input);
      result.accepted++;
    } catch (err) {
      if (err instanceof RegfError || err instanceof NotFoundError) {
        result.refused++;
        continue;
      }
      const e = err as Error;
      const wrapped = new Error(`fuzz input ${i} (seed ${seed}) escaped with ${e?.name}: ${e?.message}`, { cause: err });
      (wrapped as Error & { input?: Uint8Array }).input = input;
      throw wrapped;
    }
  }
  return result;
}

/**
 * What `reg check` may still report on a hive the reader reads completely: properties the
 * reader deliberately does not rely on (hashes, sort order, the base block checksum, security
 * descriptors, counts it recounts, parent links, cells it never visits). Anything else
 * (a cell overrunning the bins, a value it reads out of bounds) means the reader accepted
 * bytes it should have refused.
 */
export const TOLERATED_CHECK_ERRORS = new Set([
  "bad-hash",
  "unsorted-subkeys",
  "bad-checksum",
  "bad-cell-size",
  "dangling-reference",
  "bad-security-list",
  "security-not-listed",
  "missing-subkey-list",
  "bad-subkey-count",
  "bad-parent",
  "bad-security",
  "dirty",
  // Two references to one cell: the reader reads each in bounds, and does not track ownership.
  "shared-cell",
  // Security records: the reader shows descriptors, it does not rely on their reference counts or presence.
  "bad-reference-count",
  "no-security",
]);

/**
 * Runs `read` with every cell the reader looks at recorded (file position of its data and its
 * length); `weakened` also removes the cell reader's bounds check (the seam the oracle
 * mutation test uses: the oracles must then fail quickly).
 */
function tracingCells<T>(read: () => T, weakened: boolean): { result: T; cells: [number, number][] } {
  const original = Object.getOwnPropertyDescriptor(CellSpace.prototype, "tryCell")!;
  const strict = original.value as (this: CellSpace, offset: number) => number;
  const cells: [number, number][] = [];
  CellSpace.prototype.tryCell = function (this: CellSpace, offset: number): number {
    let pos: number;
    if (!weakened) pos = strict.call(this, offset);
    else {
      if ((offset & 7) !== 0 || offset + 4 > this.dataSize) return -1;
      const at = 4096 + offset;
      const onDemand = (this as unknown as { onDemand?: { ensure(at: number, length: number): void } }).onDemand;
      onDemand?.ensure(at, 4);
      const raw = this.view.getInt32(at, true);
      if (raw >= 0) return -1;
      // Removed: `if (size < 6 || offset + size > this.dataSize) return -1;` (the cell must end inside the hive bins data).
      onDemand?.ensure(at, Math.min(-raw, this.bytes.length - at));
      pos = at + 4;
    }
    if (pos >= 0 && cells.length < 1_000_000) cells.push([pos, this.dataLength(pos)]);
    return pos;
  };
  try {
    return { result: read(), cells };
  } finally {
    Object.defineProperty(CellSpace.prototype, "tryCell", original);
  }
}

/**
 * The regf target with oracles beyond "no crash": the checker (checkHive, `reg check`) must
 * never throw; an input the reader refuses must fail the check; an input the reader reads
 * completely must pass it, up to TOLERATED_CHECK_ERRORS, and every cell it read must lie inside
 * the hive bins data the base block declares. `weakened` reads through a cell
 * reader without its bounds check: the oracles must then fail quickly (the mutation test).
 */
export function regfTarget(seeds: Uint8Array[], options: { weakened?: boolean; hivexEvery?: number } = {}): FuzzTarget {
  const hivexEvery = options.hivexEvery ?? 0;
  const differential = hivexEvery > 0 && hasHivex();
  let accepted = 0;
  const hivex = { compared: 0, refused: 0 };
  let scratch: string | undefined;
  return {
    name: options.weakened ? "regf-weakened" : "regf",
    seeds,
    mutate: (s, random) => (random() < 0.5 ? mutate(s as Uint8Array[], random) : mutateAnywhere(s, random, EXTREMES)),
    run(input) {
      let refusal: unknown;
      let cells: [number, number][] = [];
      try {
        cells = tracingCells(() => exercise(input), options.weakened ?? false).cells;
      } catch (err) {
        if (!(err instanceof RegfError || err instanceof NotFoundError)) throw err;
        refusal = err;
      }
      const check = checkHive(input);
      if (refusal !== undefined) {
        if (check.ok) throw new OracleFailure(`the reader refused (${(refusal as RegfError).code}) a hive reg check passes`);
        return;
      }
      // regf spec: a cell lies inside the hive bins data, whose length a sound base block gives
      // (offset 40); one with a wrong checksum is invalid (recovered from a log by Windows), the
      // bins present bound it then (yarp EffectiveSizeHive).
      const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
      const sound = input.length >= 512 && view.getUint32(508, true) === baseBlockChecksum(input);
      const binsEnd = 4096 + (sound ? view.getUint32(40, true) : walkHbins(input));
      const outside = cells.find(([pos, length]) => pos + length > binsEnd);
      if (outside) throw new OracleFailure(`the reader read a cell at 0x${(outside[0] - 4).toString(16)} of ${outside[1]} bytes that ends past the hive bins data (0x${binsEnd.toString(16)})`);
      const untolerated = check.errors.find((e) => !TOLERATED_CHECK_ERRORS.has(e.code));
      if (untolerated) throw new OracleFailure(`the reader read completely a hive reg check refuses: ${untolerated.code}: ${untolerated.message}`);
      // Sampled differential: where hivex reads the hive too, it must see the same tree.
      if (differential && accepted++ % hivexEvery === 0) {
        scratch ??= mkdtempSync(join(tmpdir(), "p2vfix-fuzz-hivex-"));
        const file = join(scratch, "input.hiv");
        writeFileSync(file, input);
        const theirs = hivexTree(file);
        hivex.compared++;
        if (theirs.tree === undefined) {
          hivex.refused++;
          return;
        }
        if (theirs.tree !== ourTree(new Hive(input))) throw new OracleFailure("hivex reads a different key/value tree from this hive");
      }
    },
    hivex,
    cleanup() {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
    expected: () => false,
    perInputMs: 2000,
  };
}

async function main(): Promise<void> {
  const { corpusBytes, hasCorpus, noCorpusReason } = await import("../test/helpers/corpus.js");
  if (!hasCorpus()) throw new Error(noCorpusReason);
  const seeds = await Promise.all(FUZZ_SEEDS.map((f) => corpusBytes(f)));
  // --hivex-every N: the hivex differential on every Nth accepted input (0: off; default 200).
  const at = process.argv.indexOf("--hivex-every");
  const hivexEvery = at >= 0 ? Number(process.argv[at + 1]) : 200;
  const target = regfTarget(seeds, { weakened: process.argv.includes("--weakened"), hivexEvery });
  try {
    await fuzzMain(() => target);
  } finally {
    target.cleanup?.();
    if (target.hivex) console.log(`hivex differential: ${target.hivex.compared} accepted inputs compared, ${target.hivex.refused} of them refused by hivex`);
  }
  void fuzzArgs;
}

if (isMainModule(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
