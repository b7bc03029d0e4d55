/**
 * Bench section "vdisk": time to open an image and read 1 MiB at a far offset, for a 1 GiB and
 * a 100 GiB sparse image in each container format (made with qemu-img/qemu-io in a temp folder
 * at bench time), with peak memory; qemu-io reading the same 1 MiB is run alongside as the peer.
 *
 *   npm run build && node bench/vdisk-containers.mjs      (or as a section of bench/run.mjs)
 *
 * P2VFIX_DIST overrides the folder of the built library (default ../dist).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GiB, MiB, dist, exec, median } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const formats = [
  { label: "raw (sparse file)", qemu: "raw", opts: "" },
  { label: "vhd dynamic", qemu: "vpc", opts: "subformat=dynamic,force_size=on" },
  { label: "vhdx", qemu: "vhdx", opts: "" },
  { label: "vmdk monolithicSparse", qemu: "vmdk", opts: "subformat=monolithicSparse" },
  { label: "vmdk twoGbMaxExtentSparse", qemu: "vmdk", opts: "subformat=twoGbMaxExtentSparse" },
  { label: "qcow2", qemu: "qcow2", opts: "" },
];

/** Child process: open, read 1 MiB at `offset`, close; prints elapsed ms and peak RSS. */
const childCode = `
const { openImage } = await import(process.argv[1]);
const t0 = process.hrtime.bigint();
const image = openImage(process.argv[2]);
const bytes = image.device.read(Number(process.argv[3]), ${MiB});
image.close();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
if (bytes[0] !== 0xab) throw new Error("wrong data read");
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
`;

export async function run({ repeats = 5 } = {}) {
  const { openImage } = await import(pathToFileURL(join(dist, "vdisk/index.js")).href);
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-vdisk-"));
  const rows = [];
  try {
    for (const size of [GiB, 100 * GiB]) {
      for (const f of formats) {
        const path = join(work, `${f.qemu}-${size}.img`);
        exec("qemu-img", ["create", "-q", "-f", f.qemu, ...(f.opts ? ["-o", f.opts] : []), path, String(size)]);
        const far = size - 2 * MiB;
        exec("qemu-io", ["-f", f.qemu, "-c", `write -P 0xab ${far} ${MiB}`, path]);
        // In-process: open + read + close, warm cache.
        const times = [];
        for (let i = 0; i < repeats + 1; i++) {
          const t0 = process.hrtime.bigint();
          const image = openImage(path);
          image.device.read(far, MiB);
          image.close();
          if (i > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        // Whole process (startup included), and the peer doing the same read.
        const child = [];
        const peer = [];
        let rss = 0;
        for (let i = 0; i < 3; i++) {
          const t0 = process.hrtime.bigint();
          const out = JSON.parse(exec(process.execPath, ["--input-type=module", "-e", childCode, pathToFileURL(join(dist, "vdisk/index.js")).href, path, String(far)]));
          child.push(Number(process.hrtime.bigint() - t0) / 1e6);
          rss = Math.max(rss, out.maxRssMiB);
          const t1 = process.hrtime.bigint();
          exec("qemu-io", ["-f", f.qemu, "-r", "-c", `read -P 0xab ${far} ${MiB}`, path]);
          peer.push(Number(process.hrtime.bigint() - t1) / 1e6);
        }
        rows.push({
          image: `${f.label} ${size / GiB} GiB`,
          openReadMs: median(times),
          processMs: median(child),
          qemuIoMs: median(peer),
          ratio: median(child) / median(peer),
          peakRssMiB: rss,
        });
        rmSync(path, { force: true });
        rmSync(path.replace(/\.img$/, "-s001.img"), { force: true });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(format(rows));
  return rows;
}

export function format(rows) {
  const lines = [
    "| image | open+read 1 MiB far (in-process, median) | whole process p2vfix | qemu-io read | ratio | peak RSS |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.image} | ${r.openReadMs.toFixed(2)} ms | ${r.processMs.toFixed(0)} ms | ${r.qemuIoMs.toFixed(0)} ms | ${r.ratio.toFixed(2)} | ${r.peakRssMiB.toFixed(0)} MiB |`,
    );
  }
  return lines.join("\n");
}

export const section = { name: "vdisk containers: open + read 1 MiB at a far offset", run, format };
export default section;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
