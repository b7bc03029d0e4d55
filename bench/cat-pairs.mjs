// `p2vfix cat IMAGE:PATH` against sleuthkit's `icat` on the same file, as whole processes,
// paired (bench/pairs.mjs): a bare NTFS volume made by mkntfs holding the regipy SYSTEM hive
// (11 MiB) and a 64 MiB file of random bytes (ntfscp), as raw and as qcow2 (qemu-img). icat
// reads the raw volume in both pairs (it has no qcow2 support); output goes to /dev/null, and
// each side's bytes are checked once against the file copied in. Goal: within 2x of icat.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corpus, exec, has, p2vfixShell as p2vfix, q } from "./common.mjs";
import { environmentNote, pair } from "./pairs.mjs";

export const name = "cat-pairs";

const HIVE = "hives/regipy/SYSTEM.xz";
const sha256 = (b) => createHash("sha256").update(b).digest("hex");

export async function run() {
  const tools = ["mkntfs", "ntfscp", "icat", "ifind", "qemu-img"].filter((t) => !has(t));
  if (tools.length > 0 || !existsSync("/usr/bin/time") || !existsSync(join(corpus, HIVE))) {
    console.log(`skipped: ${tools.length ? `${tools.join(", ")} missing` : `${HIVE} or /usr/bin/time missing`}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-bench-cat-"));
  try {
    const hive = join(dir, "SYSTEM");
    writeFileSync(hive, spawnSync("xz", ["-dc", join(corpus, HIVE)], { maxBuffer: 1 << 30 }).stdout);
    const big = join(dir, "big.bin");
    writeFileSync(big, randomish(64 << 20));
    const raw = join(dir, "volume.img");
    writeFileSync(raw, new Uint8Array(0));
    truncateSync(raw, 256 << 20);
    exec("mkntfs", ["-F", "-Q", "-q", raw]);
    exec("ntfscp", [raw, hive, "/system.hiv"]);
    exec("ntfscp", [raw, big, "/big.bin"]);
    const qcow2 = join(dir, "volume.qcow2");
    exec("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, qcow2]);
    console.log(`bare NTFS volume (mkntfs) with an 11 MiB hive and a 64 MiB file; median wall time (and CPU), peak RSS; ${environmentNote()}`);
    for (const [file, source, label] of [["system.hiv", hive, "11 MiB hive"], ["big.bin", big, "64 MiB file"]]) {
      const inode = exec("ifind", ["-n", `/${file}`, raw]).trim();
      const expected = sha256(readFileSync(source));
      for (const [image, format] of [[raw, "raw"], [qcow2, "qcow2"]]) {
        const got = spawnSync("sh", ["-c", `${p2vfix} cat ${q(`${image}:${file}`)}`], { maxBuffer: 1 << 28 }).stdout;
        if (sha256(got) !== expected) throw new Error(`p2vfix cat ${format}:${file} read other bytes than were copied in`);
        pair(
          `cat ${label} (${format}) vs icat`,
          { command: `${p2vfix} cat ${q(`${image}:${file}`)}` },
          { tool: "icat", command: `icat ${q(raw)} ${inode}` },
        );
      }
      if (sha256(spawnSync("icat", [raw, inode], { maxBuffer: 1 << 28 }).stdout) !== expected) throw new Error(`icat ${file}: other bytes`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Incompressible bytes (qcow2 stores them as they are), the same on every run. */
function randomish(size) {
  const out = new Uint8Array(size);
  let block = createHash("sha512").update("p2vfix cat bench").digest();
  for (let at = 0; at < size; at += block.length) {
    out.set(block.subarray(0, Math.min(block.length, size - at)), at);
    block = createHash("sha512").update(block).digest();
  }
  return out;
}
