/**
 * Bench section "inspect": `p2vfix inspect` (load + model + findings, as the library does it)
 * on the largest corpus SYSTEM hive (regipy SYSTEM, Windows 7, 11.8 MB) with the HP ProLiant
 * scenario's SOFTWARE hive (built with hivex), against merely reading the same hive bytes from
 * disk, in the same run. Goal: inspect < 5x the read. Also a cold inspect (time, peak memory)
 * and the whole `p2vfix inspect FOLDER --json` process.
 *
 *   npm run build && node bench/inspect.mjs      (or as a section of bench/run.mjs)
 *
 * P2VFIX_DIST overrides the built library folder (default ../dist); P2VFIX_CORPUS the corpus.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { corpus, dist, median, root } from "./common.mjs";

/** Import statements for a child process: the built library's loader and inspect. */
const libraryImports = `
  const { loadWindows } = await import(${JSON.stringify(pathToFileURL(join(dist, "windows/load.js")).href)});
  const { inspectWindows } = await import(${JSON.stringify(pathToFileURL(join(dist, "windows/inspect.js")).href)});
`;

/**
 * `rounds` timed rounds (after WARMUP_ROUNDS rounds that let the JIT optimise the code) of reading the folder's SYSTEM and SOFTWARE
 * ("read") or of loadWindows + inspectWindows ("inspect"), in a fresh Node process.
 */
const WARMUP_ROUNDS = 20;

function timedRounds(kind, folder, rounds) {
  const code = `
    import { readFileSync } from "node:fs";
    ${libraryImports}
    const folder = ${JSON.stringify(folder)};
    const times = [];
    const WARMUP = ${WARMUP_ROUNDS};
    let kept, findings = 0;
    for (let i = 0; i < WARMUP + ${rounds}; i++) {
      const t0 = process.hrtime.bigint();
      if (${JSON.stringify(kind)} === "read") {
        kept = [readFileSync(folder + "/SYSTEM"), readFileSync(folder + "/SOFTWARE")];
      } else {
        const loaded = loadWindows(folder, { useLogs: false });
        findings = inspectWindows(loaded.hives, { ...loaded.options, target: "hyperv" }).findings.length;
        loaded.close();
        kept = loaded;
      }
      if (i >= WARMUP) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    void kept;
    console.log(JSON.stringify({ times, findings }));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`bench child (${kind}) failed: ${child.stderr}`);
  const { times, findings } = JSON.parse(child.stdout);
  return Object.assign(times, { findings });
}

export const name = "inspect";

export async function run({ repeats = 30 } = {}) {
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
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "SYSTEM"), xz.stdout);
    copyFileSync(join(built, "SOFTWARE"), join(folder, "SOFTWARE"));

    // Each side runs in its own Node process, alternately, so that neither inherits the other's
    // heap and allocator state (reading 12 MB into fresh pages costs 3-4x reading into recycled
    // ones, and which one a read gets in a shared process depends on what ran before it). In each
    // process the first rounds only warm the JIT (cold figures are measured below), and every
    // round keeps what it read until the next, as a one-shot reader would.
    const read = [];
    const inspect = [];
    let findings = 0;
    for (let pair = 0; pair < 3; pair++) {
      read.push(median(timedRounds("read", folder, repeats)));
      const measured = timedRounds("inspect", folder, repeats);
      inspect.push(median(measured));
      findings = measured.findings;
    }
    // Peak memory of one cold inspect in a fresh process.
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", `
      ${libraryImports}
      const t0 = process.hrtime.bigint();
      const l = loadWindows(${JSON.stringify(folder)}, { useLogs: false });
      inspectWindows(l.hives, { ...l.options, target: "hyperv" });
      console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
    `], { encoding: "utf8" });
    const cold = child.status === 0 ? JSON.parse(child.stdout) : { error: child.stderr };
    // What a person waits for: the whole `p2vfix inspect FOLDER --json` process.
    const cli = [];
    for (let i = 0; i < 7; i++) {
      const t0 = process.hrtime.bigint();
      const run = spawnSync(process.execPath, [join(root, "bin/p2vfix.js"), "inspect", folder, "--json"], { encoding: "utf8", maxBuffer: 1 << 26 });
      if (run.status !== 0) throw new Error(`p2vfix inspect failed: ${run.stderr}`);
      cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const result = {
      section: "inspect",
      hive: "regipy/SYSTEM (11.8 MB) + hp-proliant-2012r2 SOFTWARE",
      readMs: median(read),
      inspectMs: median(inspect),
      ratio: median(inspect) / median(read),
      runs: { readMs: read, inspectMs: inspect },
      goal: "< 5x",
      findings,
      coldInspectMs: cold.ms,
      cliProcessMs: median(cli),
      coldMaxRssMiB: cold.maxRssMiB,
    };
    console.log(`inspect: read hive bytes ${result.readMs.toFixed(1)} ms, inspect ${result.inspectMs.toFixed(1)} ms (x${result.ratio.toFixed(2)}, goal < 5x); cold inspect ${cold.ms?.toFixed(1)} ms, peak RSS ${cold.maxRssMiB?.toFixed(0)} MiB; \`p2vfix inspect\` process ${median(cli).toFixed(0)} ms`);
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
