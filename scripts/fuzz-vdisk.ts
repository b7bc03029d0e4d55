/**
 * Fuzzes the container readers: every fixture in test/fixtures/vdisk, mutated (bytes
 * overwritten near headers/tables/footers, or truncated) through an OverlayDevice, is opened
 * and read in full. Anything but success or a P2vfixError is a bug and is reported with the
 * mutation that caused it. Prints how many inputs ran.
 *
 *   npx tsx scripts/fuzz-vdisk.ts [--runs N] [--seed S]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { P2vfixError } from "../src/errors.js";
import type { BlockDevice } from "../src/io/block-device.js";
import { checkRange } from "../src/io/range.js";
import { OverlayDevice } from "../src/io/overlay-device.js";
import { SliceDevice } from "../src/io/slice-device.js";
import { openContainer } from "../src/vdisk/index.js";
import { isMainModule, prng, runBudget } from "./fuzz-common.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../test/fixtures/vdisk");

export interface FuzzResult {
  inputs: number;
  typedErrors: number;
  opened: number;
  failures: { fixture: string; mutation: string; error: string }[];
}


/**
 * The fixtures decompressed into a temp folder and opened once per process (removed at exit):
 * decompressing them for every batch cost a third of the run. Inputs are overlays on them.
 */
let prepared: { names: string[]; work: string; files: Map<string, BlockDevice> } | undefined;

/**
 * A fixture held in memory, read-only, whose reads are views (no copy, no system call): only
 * the overlay above reads it, and copies what it reads. Reading every input whole through
 * files cost most of the run.
 */
class FixtureBytes implements BlockDevice {
  readonly writable = false;
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.bytes.length, "fuzz fixture");
    return this.bytes.subarray(offset, offset + length);
  }
  write(): void {
    throw new Error("fuzz fixtures are read-only");
  }
  flush(): void {}
  close(): void {}
}

function prepare(): { names: string[]; work: string; files: Map<string, BlockDevice> } {
  if (prepared) return prepared;
  const work = join(tmpdir(), `p2vfix-fuzz-vdisk-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const names: string[] = [];
  for (const gz of readdirSync(fixtures).filter((n) => n.endsWith(".gz"))) {
    const name = gz.slice(0, -3);
    writeFileSync(join(work, name), gunzipSync(readFileSync(join(fixtures, gz))));
    // Extents (-s001, -f001, -flat) are reached through their descriptors.
    if (!/-(s|f)\d{3}\.vmdk$|-flat\.vmdk$/.test(name)) names.push(name);
  }
  const files = new Map<string, BlockDevice>(names.map((name) => [name, new FixtureBytes(new Uint8Array(readFileSync(join(work, name))))]));
  prepared = { names, work, files };
  process.once("exit", () => {
    for (const f of files.values()) f.close();
    rmSync(work, { recursive: true, force: true });
  });
  return prepared;
}

export function fuzzVdisk(options: { runs: number; seed: number }): FuzzResult {
  const random = prng(options.seed);
  const int = (n: number) => Math.floor(random() * n);
  const { names, work, files } = prepare();
  const result: FuzzResult = { inputs: 0, typedErrors: 0, opened: 0, failures: [] };
  {
    for (let run = 0; run < options.runs; run++) {
      const name = names[run % names.length];
      const path = join(work, name);
      // Shared by every input (an overlay takes the mutations; closing an image closes only that).
      const file = files.get(name)!;
      const truncate = random() < 0.2;
      const length = truncate ? int(file.size) : file.size;
      const overlay = new OverlayDevice(length === file.size ? file : new SliceDevice(file, 0, length));
      const writes: string[] = [];
      if (!truncate && length > 0) {
        const count = 1 + int(6);
        for (let i = 0; i < count; i++) {
          // Headers and tables sit in the first MiB or so; footers in the last 2 KiB.
          const nearEnd = random() < 0.25;
          const span = Math.min(length, nearEnd ? 2048 : 1 << 21);
          const size = 1 + int(8);
          const at = Math.max(0, Math.min(length - size, nearEnd ? length - span + int(span) : int(span)));
          const bytes = Uint8Array.from({ length: Math.min(size, length - at) }, () => (random() < 0.3 ? 0xff : int(256)));
          overlay.write(at, bytes);
          writes.push(`${at}:${Buffer.from(bytes).toString("hex")}`);
        }
      }
      const mutation = truncate ? `truncate to ${length}` : `write ${writes.join(" ")}`;
      result.inputs++;
      try {
        const image = openContainer(overlay, path);
        try {
          // Read everything of a fixture-sized disk; a mutated header may claim terabytes, so
          // then read only the start, the end and a few places between.
          const size = image.virtualSize;
          const starts =
            size <= 64 << 20
              ? Array.from({ length: Math.ceil(size / (1 << 20)) }, (_, i) => i * (1 << 20))
              : [0, size - (1 << 20), ...Array.from({ length: 8 }, () => int(size - (1 << 20)))];
          for (const o of starts) image.device.read(o, Math.min(1 << 20, size - o));
          result.opened++;
        } finally {
          image.close();
        }
      } catch (err) {
        if (err instanceof P2vfixError) result.typedErrors++;
        else result.failures.push({ fixture: name, mutation, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
    }
  }
  return result;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = runBudget("vdisk", process.argv.slice(2), 500, 100, (runs, seed) => {
    const r = fuzzVdisk({ runs, seed });
    for (const f of r.failures.slice(0, 20)) console.log(`  seed ${seed} ${f.fixture}: ${f.mutation} → ${f.error}`);
    return { inputs: r.inputs, failures: r.failures.length };
  });
}
