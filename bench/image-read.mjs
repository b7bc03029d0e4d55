/**
 * Bench section "image-read": time to open a disk image and read its SYSTEM hive, for a 1 GiB
 * and a 100 GiB sparse disk in each container format, against sleuthkit's `icat` reading the
 * same file from the raw disk of the same size in the same run.
 *
 * The disk is the GPT fixture of scripts/fixtures/build-windows-disk.sh (ESP, MSR, Windows
 * NTFS, Recovery in the first 64 MiB), grown with `truncate` and its backup GPT moved to the
 * new end with `sgdisk -e`, then converted by qemu-img (qcow2/VHDX/VMDK/dynamic VHD stay small;
 * raw and fixed VHD are sparse host files). Measured per image:
 *   in-process  openHiveSource("IMG:SYSTEM") (open container, partitions, NTFS, locate Windows,
 *               read the hive and its logs, open the hive), warm cache, median;
 *   process     `p2vfix cat IMG:Windows/System32/config/SYSTEM` as a new Node process, with
 *               its peak RSS from `/usr/bin/time -f %M`, median;
 *   icat        `icat -o SECTOR raw INODE` on the raw disk of the same size, same way;
 *   Node        `node -e ""`: the start-up floor of any Node process, for scale.
 * Goals: 1 GiB and 100 GiB equal within noise; not slower than icat; memory under 100 MB plus
 * the file read.
 *
 *   npm run build && node bench/image-read.mjs        (or: npm run bench image-read)
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { GiB, dist, exec, median, p2vfix } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const fixture = join(here, "../test/fixtures/image/windows-gpt.img.gz");

const hivePath = "Windows/System32/config/SYSTEM";

const formats = [
  { label: "raw", args: null },
  { label: "vhd fixed", args: ["-O", "vpc", "-o", "subformat=fixed,force_size=on"], ext: "vhd" },
  { label: "vhd dynamic", args: ["-O", "vpc", "-o", "subformat=dynamic,force_size=on"], ext: "vhd" },
  { label: "vhdx", args: ["-O", "vhdx"], ext: "vhdx" },
  { label: "vmdk sparse", args: ["-O", "vmdk", "-o", "subformat=monolithicSparse"], ext: "vmdk" },
  { label: "vmdk stream", args: ["-O", "vmdk", "-o", "subformat=streamOptimized"], ext: "vmdk" },
  { label: "qcow2", args: ["-O", "qcow2"], ext: "qcow2" },
];

const sha256 = (b) => createHash("sha256").update(b).digest("hex");

/** Runs a command under /usr/bin/time; returns wall ms, peak RSS (KiB) and stdout. */
function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], { maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stderr = String(r.stderr);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${stderr}`);
  const rssKiB = Number(stderr.trim().split("\n").pop());
  return { ms, rssKiB, stdout: r.stdout };
}

/** Several timed runs after one warm-up: median wall ms, max peak RSS, the last output. */
function repeatTimed(cmd, args, runs) {
  let last;
  const ms = [];
  let rss = 0;
  for (let i = 0; i <= runs; i++) {
    last = timed(cmd, args);
    if (i === 0) continue;
    ms.push(last.ms);
    rss = Math.max(rss, last.rssKiB);
  }
  return { ms: median(ms), rssMiB: rss / 1024, stdout: last.stdout };
}

export async function run({ repeats = 5 } = {}) {
  const { openHiveSource } = await import(pathToFileURL(join(dist, "image/index.js")).href);
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-image-read-"));
  const rows = [];
  // The floor every Node process pays before p2vfix loads anything (icat has no such cost).
  const startup = repeatTimed(process.execPath, ["-e", ""], repeats);
  try {
    for (const size of [GiB, 100 * GiB]) {
      const raw = join(work, `disk-${size / GiB}g.img`);
      writeFileSync(raw, gunzipSync(readFileSync(fixture)));
      truncateSync(raw, size);
      exec("sgdisk", ["-e", raw]);
      const windows = JSON.parse(exec("sfdisk", ["--json", raw])).partitiontable.partitions[2].start;
      const inode = exec("ifind", ["-o", String(windows), "-n", `/${hivePath}`, raw]).trim();
      const icat = repeatTimed("icat", ["-o", String(windows), raw, inode], repeats);
      const expected = sha256(icat.stdout);

      for (const f of formats) {
        const path = f.args ? join(work, `disk-${size / GiB}g-${f.label.replace(" ", "-")}.${f.ext}`) : raw;
        if (f.args) exec("qemu-img", ["convert", "-f", "raw", ...f.args, raw, path]);
        const inProcess = [];
        for (let i = 0; i <= repeats; i++) {
          const t0 = process.hrtime.bigint();
          const opened = openHiveSource(`${path}:SYSTEM`);
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          opened.close();
          if (i > 0) inProcess.push(ms);
        }
        const cat = repeatTimed(p2vfix, ["cat", `${path}:${hivePath}`], repeats);
        if (sha256(cat.stdout) !== expected) throw new Error(`${f.label}: p2vfix cat read other bytes than icat`);
        rows.push({
          image: `${f.label} ${size / GiB} GiB`,
          hostMiB: Number(exec("du", ["-k", path]).split("\t")[0]) / 1024,
          inProcessMs: median(inProcess),
          processMs: cat.ms,
          startupMs: startup.ms,
          startupRssMiB: startup.rssMiB,
          icatMs: icat.ms,
          ratio: cat.ms / icat.ms,
          peakRssMiB: cat.rssMiB,
          icatRssMiB: icat.rssMiB,
          hiveKiB: icat.stdout.length / 1024,
        });
        if (f.args) rmSync(path, { force: true });
      }
      rmSync(raw, { force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(format(rows));
  return rows;
}

export function format(rows) {
  const lines = [
    `SYSTEM hive: ${rows[0]?.hiveKiB.toFixed(0)} KiB; medians of warm runs; ratio = p2vfix process / icat on the raw disk of the same size.`,
    `Node startup alone (\`node -e ""\`, the floor of any Node process): ${rows[0]?.startupMs.toFixed(0)} ms, ${rows[0]?.startupRssMiB.toFixed(0)} MiB peak RSS.`,
    "| image | on host | openHiveSource (in-process) | p2vfix cat (process) | Node startup | icat (raw) | ratio | peak RSS p2vfix | peak RSS icat |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.image} | ${r.hostMiB.toFixed(1)} MiB | ${r.inProcessMs.toFixed(2)} ms | ${r.processMs.toFixed(0)} ms | ${r.startupMs.toFixed(0)} ms | ${r.icatMs.toFixed(0)} ms | ${r.ratio.toFixed(2)} | ${r.peakRssMiB.toFixed(0)} MiB | ${r.icatRssMiB.toFixed(0)} MiB |`,
    );
  }
  return lines.join("\n");
}

export const section = { name: "image-read: open an image and read its SYSTEM hive", run, format };
export default section;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
