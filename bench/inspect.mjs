/**
 * Bench section "inspect": `p2vfix inspect` (load + model + findings, as the library does it)
 * on the largest corpus SYSTEM hive (regipy SYSTEM, Windows 7, 11.8 MB) with the HP ProLiant
 * scenario's SOFTWARE hive (built with hivex), against merely reading the same hive bytes from
 * disk, in the same run. Goal: inspect < 5x the read. Also peak memory of a cold inspect.
 *
 *   npm run build && node bench/inspect.mjs      (or as a section of bench/run.mjs)
 *
 * P2VFIX_DIST overrides the built library folder (default ../dist); P2VFIX_CORPUS the corpus.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dist, median } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

const corpus = resolve(process.env.P2VFIX_CORPUS ?? join(root, "../shared/corpus"));

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export const name = "inspect";

export async function run({ repeats = 15 } = {}) {
  const hiveXz = join(corpus, "hives/regipy/SYSTEM.xz");
  if (!existsSync(hiveXz)) return { section: "inspect", skipped: `corpus hive not found: ${hiveXz}` };
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-inspect-"));
  try {
    const xz = spawnSync("xz", ["-dc", hiveXz], { maxBuffer: 1 << 30 });
    if (xz.status !== 0) throw new Error(`xz -dc ${hiveXz} failed`);
    const folder = join(work, "win");
    const build = spawnSync("npx", ["tsx", join(root, "scripts/fixtures/build-scenarios.ts"), "--out", work, "hp-proliant-2012r2"], { encoding: "utf8", cwd: root });
    if (build.status !== 0) throw new Error(`build-scenarios failed: ${build.stderr}`);
    const built = join(work, "hp-proliant-2012r2");
    spawnSync("mkdir", ["-p", folder]);
    writeFileSync(join(folder, "SYSTEM"), xz.stdout);
    copyFileSync(join(built, "SOFTWARE"), join(folder, "SOFTWARE"));

    const { loadWindows } = await import(pathToFileURL(join(dist, "windows/load.js")).href);
    const { inspectWindows } = await import(pathToFileURL(join(dist, "windows/inspect.js")).href);
    const read = [];
    const inspect = [];
    let findings = 0;
    // Both sides keep what they read until their round ends (a read whose buffer is dropped at
    // once reuses the same warm pages and never faults), and the first rounds only warm the JIT.
    const warmup = 5;
    let kept;
    for (let i = 0; i < warmup + repeats; i++) {
      const r = time(() => {
        kept = [readFileSync(join(folder, "SYSTEM")), readFileSync(join(folder, "SOFTWARE"))];
      });
      const t = time(() => {
        const loaded = loadWindows(folder, { useLogs: false });
        findings = inspectWindows(loaded.hives, { ...loaded.options, target: "hyperv" }).findings.length;
        kept = loaded;
        loaded.close();
      });
      if (i >= warmup) {
        read.push(r);
        inspect.push(t);
      }
    }
    void kept;
    // Peak memory of one cold inspect in a fresh process.
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", `
      const { loadWindows } = await import(${JSON.stringify(pathToFileURL(join(dist, "windows/load.js")).href)});
      const { inspectWindows } = await import(${JSON.stringify(pathToFileURL(join(dist, "windows/inspect.js")).href)});
      const t0 = process.hrtime.bigint();
      const l = loadWindows(${JSON.stringify(folder)}, { useLogs: false });
      inspectWindows(l.hives, { ...l.options, target: "hyperv" });
      console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
    `], { encoding: "utf8" });
    const cold = child.status === 0 ? JSON.parse(child.stdout) : { error: child.stderr };
    const result = {
      section: "inspect",
      hive: "regipy/SYSTEM (11.8 MB) + hp-proliant-2012r2 SOFTWARE",
      readMs: median(read),
      inspectMs: median(inspect),
      ratio: median(inspect) / median(read),
      goal: "< 5x",
      findings,
      coldInspectMs: cold.ms,
      coldMaxRssMiB: cold.maxRssMiB,
    };
    console.log(`inspect: read hive bytes ${result.readMs.toFixed(1)} ms, inspect ${result.inspectMs.toFixed(1)} ms (x${result.ratio.toFixed(2)}, goal < 5x); cold inspect ${cold.ms?.toFixed(1)} ms, peak RSS ${cold.maxRssMiB?.toFixed(0)} MiB`);
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
