/**
 * `p2vfix ARGS...` in a child process whose peak RSS a test measures: runs the CLI's `main`
 * from P2VFIX_MAIN (dist/cli/main.js), then writes `maxrss-kib N` as the last stderr line.
 *
 * On Linux N is VmHWM from /proc/self/status, the high-water mark of this process's own memory
 * since exec. getrusage's maxRSS is not: Linux carries it across exec from the forked copy of
 * the parent, so a child of a 160 MiB test worker reports at least 160 MiB whatever it uses.
 * Elsewhere (no /proc) maxRSS is the best there is.
 */
import { readFileSync } from "node:fs";

const { main } = await import(process.env.P2VFIX_MAIN);
process.exitCode = await main(process.argv.slice(2));
process.stderr.write(`maxrss-kib ${ownPeakKib()}\n`);

function ownPeakKib() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}
