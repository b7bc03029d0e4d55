/**
 * Other processes that have a file open without holding a lock (a hex editor, a backup agent,
 * a qemu started with locking=off): on Linux every process's open files are links under
 * /proc/PID/fd. Only what this user may see is found (root sees all); elsewhere the list is
 * empty. A finding is a warning, not a refusal: an opener that only reads is harmless.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";

export interface Opener {
  pid: number;
  /** The process name (/proc/PID/comm), when readable. */
  name?: string;
  path: string;
}

/** Enough for any real host; a /proc larger than this is cut short rather than costing minutes. */
const MAX_FDS_SCANNED = 500_000;

export function openersOf(paths: readonly string[], proc = "/proc"): Opener[] {
  if (process.platform !== "linux") return [];
  const wanted = new Map<string, string>();
  for (const path of paths) {
    try {
      wanted.set(realpathSync(path), path);
    } catch {
      // gone: nobody has it open under that name
    }
  }
  const found: Opener[] = [];
  let scanned = 0;
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((entryName) => /^\d+$/.test(entryName));
  } catch {
    return [];
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue; // another user's process, or it exited
    }
    for (const fd of fds) {
      if (++scanned > MAX_FDS_SCANNED) return found;
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const path = wanted.get(target);
      if (path === undefined || found.some((opener) => opener.pid === Number(pid) && opener.path === path)) continue;
      let name: string | undefined;
      try {
        name = readFileSync(`${proc}/${pid}/comm`, "utf8").trim();
      } catch {
        // exited meanwhile
      }
      found.push({ pid: Number(pid), ...(name ? { name } : {}), path });
    }
  }
  return found;
}

/** One warning line per opener, for reports. */
export function openerWarnings(paths: readonly string[]): string[] {
  return openersOf(paths).map((opener) => `${opener.path} is open in process ${opener.pid}${opener.name ? ` (${opener.name})` : ""}, which holds no lock: if it writes too, the image will be damaged; close it first`);
}
