// Every test run gets its own temporary root, removed when the run ends: many tests make
// scratch images with mkdtemp and a run used to leave gigabytes of them in /tmp. Workers and
// the p2vfix processes tests spawn inherit TMPDIR, so os.tmpdir() points here everywhere.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), "p2vfix-test-run-"));
  process.env.TMPDIR = root;
  return () => {
    process.env.TMPDIR = previous;
    // A FUSE mount left by a failed test must not be recursed into: unmount it first, and
    // keep the folder (with a warning) if that fails.
    const stuck = mountsUnder(root).filter((mount) => !unmount(mount));
    if (stuck.length > 0) {
      console.warn(`test temp root kept, still mounted: ${stuck.join(", ")}`);
      return;
    }
    rmSync(root, { recursive: true, force: true });
  };
}

function mountsUnder(root: string): string[] {
  let table: string;
  try {
    table = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  return table
    .split("\n")
    .map((line) => line.split(" ")[4]?.replace(/\\040/g, " "))
    .filter((mount): mount is string => mount !== undefined && mount.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

function unmount(mount: string): boolean {
  for (const [command, args] of [["fusermount", ["-u", "-z", mount]], ["umount", ["-l", mount]]] as const) {
    if (spawnSync(command, [...args]).status === 0) return true;
  }
  return false;
}
