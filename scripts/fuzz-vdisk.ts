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
import { FileDevice } from "../src/io/file-device.js";
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


export function fuzzVdisk(options: { runs: number; seed: number }): FuzzResult {
  const random = prng(options.seed);
  const int = (n: number) => Math.floor(random() * n);
  const work = join(tmpdir(), `p2vfix-fuzz-vdisk-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const names: string[] = [];
  for (const gz of readdirSync(fixtures).filter((n) => n.endsWith(".gz"))) {
    const name = gz.slice(0, -3);
    writeFileSync(join(work, name), gunzipSync(readFileSync(join(fixtures, gz))));
    // Extents (-s001, -f001, -flat) are reached through their descriptors.
    if (!/-(s|f)\d{3}\.vmdk$|-flat\.vmdk$/.test(name)) names.push(name);
  }
  const result: FuzzResult = { inputs: 0, typedErrors: 0, opened: 0, failures: [] };
  try {
    for (let run = 0; run < options.runs; run++) {
      const name = names[run % names.length];
      const path = join(work, name);
      const file = new FileDevice(path);
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
      } finally {
        file.close();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
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
