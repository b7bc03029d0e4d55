/**
 * This process's open descriptors, from Linux /proc/self/fd: which files a piece of code left
 * open (a head-start fsync's descriptor until its callback runs, see src/io/writeback.ts).
 */
import { readdirSync, readlinkSync } from "node:fs";

/** What each open descriptor points at (readdir's own, closed meanwhile, left out). */
function openTargets(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // readdir's own descriptor, closed meanwhile
    }
  }
  return out;
}

/** How many descriptors are open on `path`. */
export function openOn(path: string): number {
  return openTargets().filter((target) => target === path).length;
}

/** The descriptors open on files in `folder` (a deleted temp shows with " (deleted)"). */
export function openIn(folder: string): string[] {
  return openTargets().filter((target) => target.startsWith(`${folder}/`));
}

/** Turns the event loop (5 ms at a time, 10 s at most) until `done()`. */
export async function turnUntil(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 2000 && !done(); turn++) await new Promise((resolve) => setTimeout(resolve, 5));
}
