/**
 * Mutation fuzzer for the partition-table and FAT readers. Takes the generated fixtures,
 * damages random bytes in their metadata (MBR/EBR, GPT headers and arrays, boot sectors,
 * FATs, directories) through an overlay, and runs the readers over the result. Anything
 * but a result or a P2vfixError is a bug: the input's seed is printed and the exit is 1.
 *
 *   npx tsx scripts/fuzz-partition-fat.ts [iterations=2000] [seed=1]
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { P2vfixError } from "../src/errors.js";
import { detectFileSystem } from "../src/fs/detect.js";
import { openFat } from "../src/fs/fat/index.js";
import type { FileSystem } from "../src/fs/filesystem.js";
import { MemoryDevice, OverlayDevice } from "../src/io/index.js";
import type { BlockDevice } from "../src/io/block-device.js";
import { readPartitionTable } from "../src/partition/index.js";
import { isMainModule, prng, runBudget } from "./fuzz-common.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../test/fixtures");

interface Target {
  name: string;
  device: MemoryDevice;
  /** [offset, length] ranges holding metadata worth damaging. */
  regions: [number, number][];
  run(device: BlockDevice): void;
}

function load(rel: string): MemoryDevice {
  return new MemoryDevice(new Uint8Array(gunzipSync(readFileSync(join(fixtures, rel)))), { writable: false });
}

function walk(fs: FileSystem, path = "", depth = 0): void {
  if (depth > 8) return;
  for (const e of fs.list(path)) {
    if (e.isDirectory) walk(fs, e.path, depth + 1);
    else if (e.size <= 1 << 20) fs.readFile(e.path);
  }
}

function readDisk(device: BlockDevice): void {
  const table = readPartitionTable(device);
  for (const p of table.partitions) {
    if (p.start + p.size > device.size || p.size < 512) continue;
    const kind = detectFileSystem(p.device);
    if (kind.startsWith("fat")) walk(openFat(p.device));
  }
}

function fatRegions(device: MemoryDevice, base: number): [number, number][] {
  const b = new DataView(device.read(base, 512).buffer);
  const bps = b.getUint16(11, true);
  const reserved = b.getUint16(14, true);
  const fats = b.getUint8(16);
  const fatSize = b.getUint16(22, true) || b.getUint32(36, true);
  const rootDir = Math.ceil((b.getUint16(17, true) * 32) / bps);
  const data = base + (reserved + fats * fatSize + rootDir) * bps;
  return [
    [base, 512],
    [base + reserved * bps, fatSize * bps],
    [base + (reserved + fats * fatSize) * bps, Math.max(rootDir * bps, 512)],
    [data, 64 * 1024],
  ];
}

export function targets(): Target[] {
  const list: Target[] = [];
  for (const type of ["fat12", "fat16", "fat32"]) {
    const device = load(`fat/${type}.img.gz`);
    list.push({ name: `${type}.img`, device, regions: fatRegions(device, 0), run: (d) => walk(openFat(d)) });
  }
  const gpt = load("partition/gpt-512.img.gz");
  list.push({
    name: "gpt-512.img",
    device: gpt,
    regions: [[0, 34 * 512], [gpt.size - 33 * 512, 33 * 512], ...fatRegions(gpt, 2048 * 512).slice(0, 2)],
    run: readDisk,
  });
  const mbr = load("partition/mbr-extended.img.gz");
  list.push({
    name: "mbr-extended.img",
    device: mbr,
    regions: [[446, 66], [10240 * 512 + 446, 66], [16384 * 512 + 446, 66], [22528 * 512 + 446, 66], ...fatRegions(mbr, 18432 * 512).slice(0, 3)],
    run: readDisk,
  });
  return list;
}


export interface FuzzReport {
  inputs: number;
  ok: number;
  typedErrors: Map<string, number>;
  failures: { target: string; seed: number; error: unknown }[];
}

export function fuzz(iterations: number, seed = 1): FuzzReport {
  const report: FuzzReport = { inputs: 0, ok: 0, typedErrors: new Map(), failures: [] };
  const all = targets();
  for (let i = 0; i < iterations; i++) {
    const inputSeed = seed * 1_000_003 + i;
    const random = prng(inputSeed);
    const target = all[Math.floor(random() * all.length)];
    const device = new OverlayDevice(target.device);
    const edits = 1 + Math.floor(random() * 12);
    for (let e = 0; e < edits; e++) {
      const [offset, length] = target.regions[Math.floor(random() * target.regions.length)];
      device.write(offset + Math.floor(random() * length), new Uint8Array([Math.floor(random() * 256)]));
    }
    report.inputs++;
    try {
      target.run(device);
      report.ok++;
    } catch (err) {
      if (err instanceof P2vfixError) report.typedErrors.set(err.code, (report.typedErrors.get(err.code) ?? 0) + 1);
      else report.failures.push({ target: target.name, seed: inputSeed, error: err });
    }
  }
  return report;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = runBudget("partition-fat", process.argv.slice(2), 2000, 500, (runs, seed) => {
    const report = fuzz(runs, seed);
    for (const f of report.failures) console.log(`UNTYPED ERROR on ${f.target}, input seed ${f.seed}:`, f.error);
    return { inputs: report.inputs, failures: report.failures.length };
  });
}
