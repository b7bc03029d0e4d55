/**
 * Bench section "apply": one small registry edit (a DWORD in SYSTEM) written into a disk image
 * through the whole safe write path (preflight, overlay, verify through a fresh stack, undo
 * file, journal, write, fsync, read back), into 1 GiB and 100 GiB sparse VHDX and qcow2 images
 * and a raw one. The images hold the write-path fixture (test/fixtures/apply/clean.img.gz, an
 * MBR disk with an NTFS partition and real hives) at the start of a sparse disk of that size,
 * converted with qemu-img; each repeat
 * starts from a fresh copy (not timed). The cost must not follow the virtual size.
 * Peer: `virt-win-reg --merge` (libguestfs) on the raw image, when it is installed.
 *
 *   npm run build && node bench/apply.mjs      (or as a section of bench/run.mjs)
 *
 * P2VFIX_DIST overrides the folder of the built library (default ../dist).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { dist, exec, has, median } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const fixture = join(here, "../test/fixtures/apply/clean.img.gz");
const KEY = "ControlSet001\\Services\\p2vfix-fixture";

export async function run({ repeats = 5 } = {}) {
  const { writeHivesInImage } = await import(pathToFileURL(join(dist, "apply/index.js")).href);
  const { editHive } = await import(pathToFileURL(join(dist, "regf/edit/admission.js")).href);
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-apply-"));
  const raw = join(work, "disk.img");
  writeFileSync(raw, gunzipSync(readFileSync(fixture)));
  const edit = (c) => {
    const e = editHive(c.hive);
    e.setValue(KEY, "Start", 4, new Uint8Array([4, 0, 0, 0]));
    return e.serialize({ minSequence: c.recovery.lastAppliedSequence ?? 0 });
  };
  const images = [{ label: "raw 8 MiB", path: raw, format: "raw" }];
  for (const format of ["vhdx", "qcow2"]) {
    for (const gib of [1, 100]) {
      // A sparse raw disk of the full size holding the fixture at its start, converted (qemu-img skips the holes).
      const big = join(work, `sparse-${gib}.img`);
      copyFileSync(raw, big);
      truncateSync(big, gib * 2 ** 30);
      const path = join(work, `disk-${gib}.${format}`);
      exec("qemu-img", ["convert", "-O", format, big, path]);
      rmSync(big, { force: true });
      images.push({ label: `${format} ${gib} GiB`, path, format });
    }
  }
  const rows = [];
  try {
    for (const img of images) {
      const times = [];
      let bytes = 0;
      for (let i = 0; i < repeats + 1; i++) {
        const copy = join(work, `run-${i}-${img.path.split("/").pop()}`);
        copyFileSync(img.path, copy);
        const t0 = process.hrtime.bigint();
        const report = writeHivesInImage(`${copy}:SYSTEM`, edit);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (i > 0) times.push(ms);
        bytes = report.bytesWritten;
        rmSync(copy, { force: true });
        rmSync(report.undoFile, { force: true });
        rmSync(`${copy}.p2vfix-journal`, { force: true });
      }
      rows.push({ image: img.label, ms: median(times), bytes });
    }
    let peer = "not available (libguestfs is not installed)";
    if (has("virt-win-reg")) {
      const reg = join(work, "edit.reg");
      writeFileSync(reg, `Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\${KEY}]\r\n"Start"=dword:00000004\r\n`);
      const copy = join(work, "peer.img");
      const peerTimes = [];
      for (let i = 0; i < 3; i++) {
        copyFileSync(raw, copy);
        const t0 = process.hrtime.bigint();
        exec("virt-win-reg", ["--merge", copy, reg]);
        peerTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const ours = rows[0].ms;
      peer = `${median(peerTimes).toFixed(0)} ms; p2vfix on the same raw image is ${(median(peerTimes) / ours).toFixed(1)}× faster`;
    }
    console.log(format(rows));
    console.log(`virt-win-reg --merge (same edit, same raw image): ${peer}`);
    return { rows, peer };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function format(rows) {
  const lines = ["| image | reg edit via the full write path (median) | bytes written to the image |", "|---|---|---|"];
  for (const r of rows) lines.push(`| ${r.image} | ${r.ms.toFixed(1)} ms | ${r.bytes} |`);
  return lines.join("\n");
}

export const name = "apply";
export const section = { name, run, format };
export default section;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
