/**
 * Issue 13: `p2vfix cp -r` into an NTFS image and `p2vfix undo` of that copy keep their peak RSS
 * bounded, not proportional to the bytes copied: the written pages spill to a spool file, the
 * undo file is written while the changes are measured, and undo reads it back piece by piece.
 * Each command runs as a real CLI child process (the built dist/, see peak-rss.test.ts for why)
 * under /usr/bin/time, on a 1 MiB and on a 64 MiB tree; the large run must stay within the small one's peak plus the
 * 32 MiB slack that peak-rss.test.ts gives V8's lazy collection. Undo must also put the image
 * back byte for byte. Memory is asserted, time is not.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runTool, toolsAvailable } from "../helpers/interop.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const built = join(root, "dist/cli/main.js");
const MiB = 1024 * 1024;
const SLACK = 32 * MiB;

function newest(folder: string): number {
  let max = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) if (entry.isFile()) max = Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return max;
}

const distReady = existsSync(built) && statSync(built).mtimeMs >= newest(join(root, "src"));
const skipReason = !distReady ? "dist/ is missing or older than src/: run `npm run build` first" : !toolsAvailable("mkntfs") ? "needs mkntfs" : !existsSync("/usr/bin/time") ? "needs /usr/bin/time" : undefined;
if (skipReason && process.env.P2VFIX_INTEROP === "required") throw new Error(`${skipReason} (P2VFIX_INTEROP=required: the peak RSS tests must run)`);

const dir = mkdtempSync(join(tmpdir(), "p2vfix-copy-rss-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the built CLI under /usr/bin/time, which reports the peak RSS of its own child. (A child's
 * own getrusage maxrss, as test/helpers/peak-rss-child.mjs reads it, starts at the RSS of the
 * process it was forked from, here the test worker: Linux keeps the high-water mark across exec.)
 */
function cli(...args: string[]): { status: number | null; stderr: string; peak: number } {
  const r = spawnSync("/usr/bin/time", ["-f", "peak-kib %M", process.execPath, join(root, "bin/p2vfix.js"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 * MiB, env: { ...process.env, NO_COLOR: "1" } });
  const rss = /peak-kib (\d+)\s*$/.exec(r.stderr);
  expect(rss, r.stderr).not.toBeNull();
  return { status: r.status, stderr: r.stderr, peak: Number(rss![1]) * 1024 };
}

/** SHA-256 of a file read in pieces (the worker's own memory stays small; see cli). */
function sha(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buffer = new Uint8Array(MiB);
    for (let n; (n = readSync(fd, buffer, 0, MiB, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}


/** A fresh 160 MiB NTFS image and a tree of a few small files plus one file of `bytes`, in their own folder. */
function setup(name: string, bytes: number): { image: string; tree: string } {
  const folder = join(dir, name);
  const tree = join(folder, "tree");
  mkdirSync(tree, { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(tree, `small-${i}.txt`), `file ${i}\n`.repeat(i + 1));
  const big = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += 4096) big.writeUInt32LE(at + 1, at);
  writeFileSync(join(tree, "big.bin"), big);
  const image = join(folder, "vol.ntfs");
  runTool("truncate", ["-s", "160M", image]);
  const r = runTool("mkntfs", ["-F", "-Q", "-q", image]);
  if (r.status !== 0) throw new Error(`mkntfs: ${r.stderr}`);
  return { image, tree };
}

describe.skipIf(skipReason !== undefined)(`peak RSS of cp -r and undo on NTFS${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it("copying 64 MiB and undoing it peak no higher than copying 1 MiB and undoing it, plus the slack; undo restores every byte", { timeout: 120_000 }, () => {
    const peaks: Record<string, { cp: number; undo: number }> = {};
    for (const [name, bytes] of [["small", MiB], ["large", 64 * MiB]] as const) {
      const { image, tree } = setup(name, bytes);
      const before = sha(image);
      const cp = cli("cp", "-r", tree, `${image}:/tree`);
      expect(cp.status, cp.stderr).toBe(0);
      expect(sha(image)).not.toBe(before);
      const undo = cli("undo", image);
      expect(undo.status, undo.stderr).toBe(0);
      expect(sha(image)).toBe(before);
      peaks[name] = { cp: cp.peak, undo: undo.peak };
    }
    const mib = (n: number) => (n / MiB).toFixed(1);
    console.log(`cp: ${mib(peaks.small.cp)} / ${mib(peaks.large.cp)} MiB; undo: ${mib(peaks.small.undo)} / ${mib(peaks.large.undo)} MiB`);
    expect(peaks.large.cp, "cp -r of 64 MiB").toBeLessThanOrEqual(peaks.small.cp + SLACK);
    expect(peaks.large.undo, "undo of a 64 MiB copy").toBeLessThanOrEqual(peaks.small.undo + SLACK);
  });
});
