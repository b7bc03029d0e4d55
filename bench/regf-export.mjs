// Exports the largest corpus hives with p2vfix (built dist), hivexregedit and regfexport in
// the same run; prints mean times, ratios and peak memory (max RSS from /usr/bin/time -v).
// Goals (issue 2): >= 3x faster than hivexregedit, not slower than regfexport, peak memory
// <= 3x the hive size + 80 MB.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { corpus, p2vfixShell as bin } from "./common.mjs";

export const name = "regf-export";

const HIVES = ["hives/regipy/SYSTEM.xz", "hives/dissect.regf/SYSTEM.gz"];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

function decompress(stored, out) {
  if (stored.endsWith(".xz")) {
    const r = spawnSync("xz", ["-dc", stored], { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`xz -dc ${stored} failed`);
    writeFileSync(out, r.stdout);
  } else if (stored.endsWith(".gz")) writeFileSync(out, gunzipSync(readFileSync(stored)));
  else writeFileSync(out, readFileSync(stored));
}

/**
 * Mean wall time in seconds of a shell command (and mean user+system CPU seconds, which the
 * other work on a shared machine disturbs less): hyperfine when present, else timed here.
 */
function measure(command, dir) {
  if (has("hyperfine")) {
    const json = join(dir, "hyperfine.json");
    const r = spawnSync("hyperfine", ["--warmup", "1", "--runs", String(RUNS), "--export-json", json, command], { stdio: ["ignore", "ignore", "pipe"] });
    if (r.status !== 0) throw new Error(`hyperfine failed for ${command}: ${r.stderr}`);
    const res = JSON.parse(readFileSync(json, "utf8")).results[0];
    return { seconds: res.mean, cpu: res.user + res.system };
  }
  spawnSync("sh", ["-c", command]);
  let total = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync("sh", ["-c", command]);
    total += Number(process.hrtime.bigint() - t) / 1e9;
    if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
  }
  return { seconds: total / RUNS, cpu: undefined };
}

function maxRssMb(command) {
  if (!existsSync("/usr/bin/time")) return undefined;
  const r = spawnSync("/usr/bin/time", ["-v", "sh", "-c", command], { encoding: "utf8" });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return m ? Number(m[1]) / 1024 : undefined;
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-bench-"));
  try {
    // The fixed cost in every figure below: Node start-up, loading the CLI, opening a hive.
    const minimal = join(corpus, "hives/hivex/minimal");
    if (existsSync(minimal)) {
      const base = measure(`node /dev/null`, dir);
      const small = measure(`${bin} reg export ${minimal} -o ${dir}/minimal.reg`, dir);
      console.log(
        `start-up: p2vfix reg export of an 8 KiB hive ${small.seconds.toFixed(3)} s wall, ${small.cpu?.toFixed(3) ?? "?"} s CPU ` +
          `(bare node ${base.seconds.toFixed(3)} s, ${base.cpu?.toFixed(3) ?? "?"} s CPU)`,
      );
    }
    for (const rel of HIVES) {
      const stored = join(corpus, rel);
      if (!existsSync(stored)) {
        console.log(`${rel}: not in the corpus, skipped`);
        continue;
      }
      const hive = join(dir, "SYSTEM");
      decompress(stored, hive);
      const sizeMb = statSync(hive).size / 1048576;
      const tools = [
        { tool: "p2vfix", command: `${bin} reg export ${hive} -o ${dir}/p2vfix.reg` },
        { tool: "hivexregedit", command: `hivexregedit --export ${hive} '\\' > ${dir}/hivex.reg`, need: "hivexregedit" },
        { tool: "regfexport", command: `regfexport ${hive} > ${dir}/regfexport.txt`, need: "regfexport" },
      ];
      console.log(`${rel} (${sizeMb.toFixed(1)} MiB), ${RUNS} runs each`);
      const results = [];
      for (const t of tools) {
        if (t.need && !has(t.need)) {
          console.log(`  ${t.tool}: not installed, skipped`);
          continue;
        }
        results.push({ ...t, ...measure(t.command, dir), rss: maxRssMb(t.command) });
      }
      const ours = results.find((r) => r.tool === "p2vfix");
      for (const r of results) {
        const ratio = ours && r !== ours ? `  p2vfix is ${(r.seconds / ours.seconds).toFixed(2)}x faster (CPU: ${r.cpu && ours.cpu ? (r.cpu / ours.cpu).toFixed(2) : "?"}x)` : "";
        console.log(`  ${r.tool.padEnd(13)} ${r.seconds.toFixed(3)} s wall, ${r.cpu?.toFixed(3) ?? "?"} s CPU, max RSS ${r.rss?.toFixed(1) ?? "?"} MiB${ratio}`);
      }
      if (ours) {
        const limit = 3 * sizeMb + 80;
        const hx = results.find((r) => r.tool === "hivexregedit");
        const rf = results.find((r) => r.tool === "regfexport");
        console.log(
          `  goals: vs hivexregedit >= 3x: ${hx ? (hx.seconds / ours.seconds >= 3 ? "met" : "NOT met") : "n/a"}; ` +
            `vs regfexport >= 1x: ${rf ? (rf.seconds / ours.seconds >= 1 ? "met" : "NOT met") : "n/a"}; ` +
            `memory <= ${limit.toFixed(0)} MiB: ${ours.rss === undefined ? "n/a" : ours.rss <= limit ? "met" : "NOT met"}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
