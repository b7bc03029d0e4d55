/**
 * Bench section "vdisk write": a small write (64 KiB into an unallocated block far into the
 * disk, plus 4 KiB into an allocated one) into a 1 GiB and a 100 GiB sparse image of each
 * growing container format, made with qemu-img in a temp folder. Timed in-process the way the
 * transaction engine stacks it: read-only file → OverlayDevice → writable container, open +
 * write + read back + close (the file is untouched, so every repeat starts the same). The cost
 * must not follow the virtual size. Peer: qemu-io doing the same two writes on a copy.
 *
 *   npm run build && node bench/vdisk-write.mjs      (or as a section of bench/run.mjs)
 *
 * P2VFIX_DIST overrides the folder of the built library (default ../dist).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GiB, MiB, dist, exec, median } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const formats = [
  { label: "vhd dynamic", qemu: "vpc", opts: "subformat=dynamic,force_size=on" },
  { label: "vhdx", qemu: "vhdx", opts: "" },
  { label: "vmdk monolithicSparse", qemu: "vmdk", opts: "subformat=monolithicSparse" },
  { label: "qcow2", qemu: "qcow2", opts: "" },
];

export async function run({ repeats = 5 } = {}) {
  const { openContainer } = await import(pathToFileURL(join(dist, "vdisk/index.js")).href);
  const { FileDevice, OverlayDevice } = await import(pathToFileURL(join(dist, "io/index.js")).href);
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-vdisk-write-"));
  const rows = [];
  const big = new Uint8Array(64 * 1024).fill(0xab);
  const small = new Uint8Array(4096).fill(0xcd);
  try {
    for (const size of [GiB, 100 * GiB]) {
      for (const f of formats) {
        const path = join(work, `${f.qemu}-${size}.img`);
        exec("qemu-img", ["create", "-q", "-f", f.qemu, ...(f.opts ? ["-o", f.opts] : []), path, String(size)]);
        // One allocated block near the start, like the clusters of an existing hive.
        exec("qemu-io", ["-f", f.qemu, "-c", `write -P 0x11 ${MiB} ${MiB}`, path]);
        const far = size - 3 * MiB;
        const times = [];
        let overlayBytes = 0;
        for (let i = 0; i < repeats + 1; i++) {
          const t0 = process.hrtime.bigint();
          const base = new FileDevice(path);
          const overlay = new OverlayDevice(base);
          const image = openContainer(overlay, path, { writable: true });
          image.device.write(far, big);
          image.device.write(MiB + 8192, small);
          const back = image.device.read(far, big.length);
          image.close();
          base.close();
          if (back[0] !== 0xab) throw new Error("wrong data read back");
          if (i > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          overlayBytes = overlay.writes().reduce((n, r) => n + r.data.length, 0);
        }
        const peer = [];
        for (let i = 0; i < 3; i++) {
          const copy = join(work, `peer-${f.qemu}-${size}.img`);
          copyFileSync(path, copy);
          const t0 = process.hrtime.bigint();
          exec("qemu-io", ["-f", f.qemu, "-c", `write -P 0xab ${far} 65536`, "-c", `write -P 0xcd ${MiB + 8192} 4096`, copy]);
          peer.push(Number(process.hrtime.bigint() - t0) / 1e6);
          rmSync(copy, { force: true });
        }
        rows.push({
          image: `${f.label} ${size / GiB} GiB`,
          writeMs: median(times),
          overlayKiB: overlayBytes / 1024,
          qemuIoMs: median(peer),
        });
        rmSync(path, { force: true });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // bench/run.mjs sections print their own results.
  console.log(format(rows));
  return rows;
}

export function format(rows) {
  const lines = [
    "| image | open + 2 writes + read back + close via overlay (median) | bytes written to the overlay | qemu-io same writes (process) |",
    "|---|---|---|---|",
  ];
  for (const r of rows) lines.push(`| ${r.image} | ${r.writeMs.toFixed(2)} ms | ${r.overlayKiB.toFixed(0)} KiB | ${r.qemuIoMs.toFixed(0)} ms |`);
  return lines.join("\n");
}

export const name = "vdisk write";
export const section = { name, run, format };
export default section;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
