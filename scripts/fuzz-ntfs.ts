/**
 * Fuzzes the NTFS reader: the committed fixture volumes, with bytes overwritten in their MFT
 * and index records (or the volume truncated), are opened and read in full with bounded work.
 * Anything but success or a P2vfixError, or an input that takes over two seconds, is a bug
 * and is reported with the mutation that caused it. Prints how many inputs ran.
 *
 *   npx tsx scripts/fuzz-ntfs.ts [--runs N] [--seed S]
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { P2vfixError } from "../src/errors.js";
import { MemoryDevice } from "../src/io/memory-device.js";
import { AttributeType } from "../src/fs/ntfs/attribute.js";
import { ReparseTag } from "../src/fs/ntfs/reparse-point.js";
import { openNtfs } from "../src/fs/ntfs/volume.js";
import { volumeState } from "../src/fs/ntfs/volume-state.js";
import { isMainModule, prng, runBudget } from "./fuzz-common.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../test/fixtures/ntfs");
const FIXTURES = ["windows", "hibernated", "dirty"] as const;
const MAX_ENTRIES = 3000;
const READ_BYTES = 256 * 1024;
const SLOW_MS = 2000;

/**
 * Drives every read path once: open, volume state, walk every directory, read the start and
 * end of every file and stream. Returns how many entries it visited.
 */
export function exerciseVolume(bytes: Uint8Array): number {
  const vol = openNtfs(new MemoryDevice(bytes, { writable: false }));
  volumeState(vol);
  let visited = 0;
  const pending = ["/"];
  while (pending.length > 0 && visited < MAX_ENTRIES) {
    const dir = pending.pop()!;
    for (const info of vol.list(dir)) {
      if (++visited >= MAX_ENTRIES) break;
      if (info.isDirectory) {
        pending.push(info.path);
        continue;
      }
      // Files the reader refuses by design (WOF placeholders, EFS ciphertext) are only stat'ed.
      if (info.encrypted || vol.reparseTag(info.id!) === ReparseTag.wof) continue;
      vol.readFileRange(info.path, 0, Math.min(info.size, READ_BYTES));
      if (info.size > READ_BYTES) vol.readFileRange(info.path, info.size - 1000, 1000);
      for (const stream of info.streams ?? []) vol.readFileRange(`${info.path}:${stream}`, 0, READ_BYTES);
    }
  }
  return visited;
}

/** Volume byte ranges holding metadata: the first MFT records and the INDX nodes of big directories. */
export function metadataRanges(bytes: Uint8Array): Array<[number, number]> {
  const vol = openNtfs(new MemoryDevice(bytes, { writable: false }));
  const cs = vol.boot.clusterSize;
  const ranges: Array<[number, number]> = [[vol.boot.mftLcn * cs, 64 * vol.boot.mftRecordSize]];
  const stack = [vol.resolve("/")!.record];
  const seen = new Set<number>();
  while (stack.length && seen.size < 64) {
    const record = stack.pop()!;
    if (seen.has(record)) continue;
    seen.add(record);
    const allocation = vol.attributes(record).filter((a) => a.type === AttributeType.indexAllocation);
    if (allocation.length) {
      for (const run of vol.stream(record, AttributeType.indexAllocation, "$I30").runs) if (run.lcn !== null) ranges.push([run.lcn * cs, run.length * cs]);
    }
    for (const e of vol.directoryIndex(record).entries()) if (e.reference.record >= 16 && vol.record(e.reference.record).isDirectory) stack.push(e.reference.record);
  }
  return ranges;
}

export interface FuzzResult {
  inputs: number;
  typedErrors: number;
  opened: number;
  failures: { fixture: string; mutation: string; error: string }[];
}


export function fuzzNtfs(options: { runs: number; seed: number }): FuzzResult {
  const random = prng(options.seed);
  const result: FuzzResult = { inputs: 0, typedErrors: 0, opened: 0, failures: [] };
  const volumes = FIXTURES.map((name) => {
    const bytes = new Uint8Array(gunzipSync(readFileSync(join(fixtures, `${name}.ntfs.gz`))));
    return { name, bytes, ranges: metadataRanges(bytes) };
  });
  for (let i = 0; i < options.runs; i++) {
    const volume = volumes[i % volumes.length];
    let input: Uint8Array;
    let mutation: string;
    if (random() < 0.05) {
      const length = Math.floor(random() * volume.bytes.length);
      input = volume.bytes.subarray(0, length);
      mutation = `truncate to ${length}`;
    } else {
      input = volume.bytes.slice();
      const edits: string[] = [];
      const count = 1 + Math.floor(random() * 6);
      for (let e = 0; e < count; e++) {
        const [start, length] = volume.ranges[Math.floor(random() * volume.ranges.length)];
        const at = start + Math.floor(random() * length);
        const value = Math.floor(random() * 256);
        input[at] = value;
        edits.push(`0x${at.toString(16)}=0x${value.toString(16)}`);
      }
      mutation = edits.join(" ");
    }
    result.inputs++;
    const started = performance.now();
    try {
      exerciseVolume(input);
      result.opened++;
    } catch (err) {
      if (err instanceof P2vfixError) result.typedErrors++;
      else result.failures.push({ fixture: volume.name, mutation, error: String((err as Error)?.stack ?? err) });
    }
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_MS) result.failures.push({ fixture: volume.name, mutation, error: `took ${Math.round(elapsed)} ms` });
  }
  return result;
}

function main(argv: string[]): number {
  return runBudget("ntfs", argv, 300, 50, (runs, seed) => {
    const r = fuzzNtfs({ runs, seed });
    for (const f of r.failures) console.log(`  seed ${seed} ${f.fixture}: ${f.mutation}\n    ${f.error.split("\n").slice(0, 4).join("\n    ")}`);
    return { inputs: r.inputs, failures: r.failures.length };
  });
}

if (isMainModule(import.meta.url)) process.exitCode = main(process.argv.slice(2));
