/**
 * Bench section "batch": a wave of N copies of the demo image (qcow2, the HP ProLiant scenario)
 * prepared by one `p2vfix batch wave.yaml --jobs 2 --state DIR` against N sequential
 * `p2vfix plan IMAGE -o plan.yaml` + `p2vfix apply IMAGE plan.yaml` processes, in the same run,
 * on fresh copies of the same images: images per minute for each and the ratio; peak RSS per
 * batch worker (each worker records its own, `peakRssKiB`) and per plan/apply process
 * (`/usr/bin/time -f %M`, when installed).
 *
 *   npm run build && node bench/batch.mjs            (P2VFIX_BENCH_BATCH_IMAGES=N, default 20)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { exec, has, median, p2vfix as cli, root } from "./common.mjs";

const demo = join(root, "test/fixtures/scenarios/demo-hp-proliant.vhdx.gz");
const MAC = "00:15:5d:01:0a:02";

/** Runs the CLI, timed; under /usr/bin/time when present, for the process's peak RSS (KiB). */
function p2vfix(args, cwd) {
  const timed = has("/usr/bin/time");
  const cmd = timed ? "/usr/bin/time" : cli;
  const argv = timed ? ["-f", "p2vfix-bench-rss %M", cli, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = /p2vfix-bench-rss (\d+)/.exec(r.stderr ?? "");
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms, rssKiB: rss ? Number(rss[1]) : undefined };
}

export async function run({ images = Number(process.env.P2VFIX_BENCH_BATCH_IMAGES ?? 20), jobs = 2 } = {}) {
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-batch-"));
  try {
    const vhdx = join(work, "demo.vhdx");
    writeFileSync(vhdx, gunzipSync(readFileSync(demo)));
    const master = join(work, "demo.qcow2");
    exec("qemu-img", ["convert", "-O", "qcow2", vhdx, master]);
    const names = Array.from({ length: images }, (_, i) => `srv${String(i + 1).padStart(2, "0")}.qcow2`);
    for (const side of ["wave", "seq"]) {
      exec("mkdir", ["-p", join(work, side)]);
      for (const n of names) copyFileSync(master, join(work, side, n));
    }
    writeFileSync(join(work, "wave", "wave.yaml"), `defaults:\n  target: hyperv\n  macs: ["${MAC}"]\nimages:\n${names.map((n) => `  - image: ${n}\n`).join("")}`);

    const wave = p2vfix(["batch", "wave.yaml", "--jobs", String(jobs), "--state", "state", "--json"], join(work, "wave"));
    if (wave.status !== 0) throw new Error(`batch failed (${wave.status}): ${wave.stderr.slice(-2000)}`);
    const records = JSON.parse(wave.stdout).images;
    if (records.length !== images || records.some((r) => r.status !== "done")) throw new Error("batch: not every image was prepared");
    const workerRss = records.map((r) => r.peakRssKiB).filter((x) => x !== undefined);

    let seqMs = 0;
    const seqRss = [];
    for (const n of names) {
      const plan = p2vfix(["plan", n, "--target", "hyperv", "--mac", MAC, "-o", `${n}.plan.yaml`], join(work, "seq"));
      if (plan.status !== 0) throw new Error(`plan ${n}: ${plan.stderr}`);
      const apply = p2vfix(["apply", n, `${n}.plan.yaml`], join(work, "seq"));
      if (apply.status !== 0) throw new Error(`apply ${n}: ${apply.stderr}`);
      seqMs += plan.ms + apply.ms;
      for (const r of [plan.rssKiB, apply.rssKiB]) if (r !== undefined) seqRss.push(r);
    }
    const result = {
      images,
      jobs,
      waveMs: wave.ms,
      seqMs,
      wavePerMinute: (images * 60000) / wave.ms,
      seqPerMinute: (images * 60000) / seqMs,
      workerRssMiB: workerRss.length ? { median: median(workerRss) / 1024, max: Math.max(...workerRss) / 1024 } : undefined,
      parentRssMiB: wave.rssKiB === undefined ? undefined : wave.rssKiB / 1024,
      seqRssMiB: seqRss.length ? { median: median(seqRss) / 1024, max: Math.max(...seqRss) / 1024 } : undefined,
    };
    console.log(format(result));
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const mib = (x) => (x === undefined ? "n/a" : `${x.median.toFixed(0)} MiB median, ${x.max.toFixed(0)} MiB max`);

export function format(r) {
  return [
    `${r.images} qcow2 copies of the demo image (p2v-default --target hyperv), same run:`,
    "| | time | images/minute | peak RSS per process |",
    "|---|---|---|---|",
    `| p2vfix batch --jobs ${r.jobs} | ${(r.waveMs / 1000).toFixed(1)} s | ${r.wavePerMinute.toFixed(1)} | workers: ${mib(r.workerRssMiB)}; whole wave (GNU time: the largest process): ${r.parentRssMiB === undefined ? "n/a" : `${r.parentRssMiB.toFixed(0)} MiB`} |`,
    `| ${r.images} × (plan + apply), one after another | ${(r.seqMs / 1000).toFixed(1)} s | ${r.seqPerMinute.toFixed(1)} | ${mib(r.seqRssMiB)} |`,
    `batch is ${(r.wavePerMinute / r.seqPerMinute).toFixed(2)}× the sequential rate (${r.jobs} workers; the ratio is bounded by the free cores of this machine)`,
  ].join("\n");
}

export const name = "batch";
export const section = { name, run, format };
export default section;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
