/**
 * Bench section "ntfs create": copying a tree of 1,500 small files in one folder plus one
 * 40 MiB file into a raw NTFS volume image (mkntfs, 256 MiB, 4 KiB clusters).
 * - p2vfix: the whole process, `p2vfix cp -r TREE IMAGE:/tree` (refusal checks, undo file
 *   written and fsynced, write, verify), timed as the other pairs are (pairs.mjs timedProcess:
 *   wall time around the spawn, standard output to /dev/null, peak RSS from /usr/bin/time);
 * - peer: ntfs-3g, `ntfs-3g IMAGE MNT && cp -r TREE MNT/tree && umount MNT` on a copy of the
 *   same image (the umount waits for ntfs-3g to hand everything to the host's page cache);
 * - the same with `sync IMAGE` after the umount: the image on disk, as p2vfix leaves it (it
 *   fsyncs the undo file before the first write and the image after the last).
 * The same again with the large file at 120 MiB shows whether peak RSS follows the bytes copied.
 * Ratios: of the medians, and "paired", the median of each run's own ratio (its peer run right
 * after it), which the machine's drift over the section's minutes disturbs less.
 *
 * Each run starts on a quiet disk: the fresh copy of the image (and, before the first, the tree)
 * is flushed before the clock starts (settle). Unflushed, the copy's 256 MiB of dirty pages were
 * written by whichever side's first fsync came along: p2vfix's lock file took 60-130 ms where it
 * takes 1-2 ms after a flushed copy, while ntfs-3g without the trailing sync never paid for it.
 *
 *   npm run build && node bench/ntfs-create.mjs      (or as a section of bench/run.mjs)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MiB, exec, has, median, p2vfixShell, q } from "./common.mjs";
import { environmentNote, timedProcess } from "./pairs.mjs";

export const name = "ntfs create";

/** Flushes the file system holding `dir` (the setup's dirty pages), so that the timed run does not pay for them. */
function settle(dir) {
  const done = spawnSync("sync", ["-f", dir], { stdio: "ignore" });
  if (done.status !== 0) spawnSync("sync", { stdio: "ignore" });
}

function tree(dir, largeBytes) {
  mkdirSync(join(dir, "many"), { recursive: true });
  for (let i = 0; i < 1500; i++) writeFileSync(join(dir, "many", `file-${String(i).padStart(5, "0")}.txt`), `content of file ${i}\n`.repeat(1 + (i % 20)));
  const large = Buffer.alloc(largeBytes);
  for (let i = 0; i < large.length; i += 4096) large.writeUInt32LE(i, i);
  writeFileSync(join(dir, "large.bin"), large);
  return 1501;
}


export async function run({ repeats = Number(process.env.BENCH_RUNS) || 3 } = {}) {
  if (!has("mkntfs") || !has("ntfs-3g") || !existsSync("/usr/bin/time") || !existsSync("/dev/fuse")) {
    console.log("skipped: needs mkntfs, ntfs-3g with FUSE, and /usr/bin/time");
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-ntfs-create-"));
  const rows = [];
  try {
    const blank = join(work, "blank.ntfs");
    exec("truncate", ["-s", "256M", blank]);
    exec("mkntfs", ["-F", "-Q", "-q", blank]);
    for (const largeMiB of [40, 120]) {
      const src = join(work, `tree-${largeMiB}`);
      const files = tree(src, largeMiB * MiB);
      const bytes = largeMiB * MiB + 1500 * 200;
      const ours = [];
      const peer = [];
      const durablePeer = [];
      for (let i = 0; i < repeats; i++) {
        const a = join(work, "ours.ntfs");
        copyFileSync(blank, a);
        settle(work);
        ours.push(timedProcess(`${p2vfixShell} cp -r --backup-dir ${q(work)} ${q(src)} ${q(`${a}:/tree`)}`));
        rmSync(a);
        spawnSync("sh", ["-c", `rm -f ${work}/*.p2vfix-undo ${work}/*.p2vfix-journal`]);
        const b = join(work, "peer.ntfs");
        const mnt = join(work, "mnt");
        copyFileSync(blank, b);
        mkdirSync(mnt, { recursive: true });
        settle(work);
        const peerCopy = `ntfs-3g ${q(b)} ${q(mnt)} && cp -r ${q(src)} ${q(`${mnt}/tree`)} && umount ${q(mnt)}`;
        peer.push(timedProcess(`{ ${peerCopy}; }`));
        rmSync(b);
        copyFileSync(blank, b);
        settle(work);
        durablePeer.push(timedProcess(`{ ${peerCopy} && sync ${q(b)}; }`));
        rmSync(b);
      }
      const o = median(ours.map((x) => x.seconds));
      const p = median(peer.map((x) => x.seconds));
      const durable = median(durablePeer.map((x) => x.seconds));
      // Each run's own ratio, its peer run taken right after it: the machine's drift over the
      // minutes a section takes moves both sides of a pair alike.
      const paired = (peers) => median(peers.map((x, i) => x.seconds / ours[i].seconds));
      rows.push({
        tree: `1,500 files + ${largeMiB} MiB`,
        "p2vfix s": o.toFixed(2),
        "ntfs-3g s": p.toFixed(2),
        "p2vfix files/s": Math.round(files / o),
        "p2vfix MiB/s": (bytes / MiB / o).toFixed(1),
        "ntfs-3g MiB/s": (bytes / MiB / p).toFixed(1),
        "ntfs-3g / p2vfix": (p / o).toFixed(2),
        "paired": paired(peer).toFixed(2),
        "ntfs-3g+sync s": durable.toFixed(2),
        "ntfs-3g+sync / p2vfix": (durable / o).toFixed(2),
        "paired+sync": paired(durablePeer).toFixed(2),
        "p2vfix peak RSS MiB": Math.round(median(ours.map((x) => x.rss)) / MiB),
      });
    }
    console.log(environmentNote());
    console.table(rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
