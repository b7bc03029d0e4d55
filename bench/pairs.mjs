// Paired whole-process timing shared by the *-pairs sections: p2vfix then its C peer, N times,
// each under /usr/bin/time; median wall seconds, median CPU (user+system, which the other work
// on a shared machine disturbs less), peak RSS, and the ratio (peer / p2vfix: above 1 means
// p2vfix is faster). BENCH_RUNS (default 5, at least 5) pairs each.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { median, MiB } from "./common.mjs";

export const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));

/**
 * The environment measured processes run in. NODE_EXTRA_CA_CERTS makes every Node process read
 * and parse that certificate file at start-up (~70 ms on the shared 2-core machine); p2vfix
 * makes no TLS connection, so it is left out, and said so (BENCH_KEEP_CA_CERTS=1 keeps it).
 */
export const env = { ...process.env };
if (env.NODE_EXTRA_CA_CERTS && process.env.BENCH_KEEP_CA_CERTS !== "1") delete env.NODE_EXTRA_CA_CERTS;

export function environmentNote() {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const note = ca ? (env.NODE_EXTRA_CA_CERTS ? `NODE_EXTRA_CA_CERTS=${ca} kept` : `NODE_EXTRA_CA_CERTS unset for the measured processes (BENCH_KEEP_CA_CERTS=1 keeps it)`) : "";
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${RUNS} paired runs each${note ? `; ${note}` : ""}`;
}

/**
 * Runs `setup` (not timed) then `command` under /usr/bin/time: wall and CPU seconds, peak RSS
 * bytes. Wall time is taken around the spawn (time's own %e counts in 10 ms steps, too coarse
 * for a `cat` of ~20 ms); it includes starting /usr/bin/time and sh, ~1-2 ms on either side.
 */
export function timedProcess(command, setup) {
  if (setup) spawnSync("sh", ["-c", setup], { env });
  const started = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", "sh", "-c", `${command} >/dev/null`], { encoding: "utf8", maxBuffer: 1 << 28, env });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [, user, system, kib] = last.split(" ").map(Number);
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr.slice(0, 400)}`);
  return { seconds, cpu: user + system, rss: kib * 1024 };
}

/** Runs the pair RUNS times, alternating, prints one line and returns the figures. */
export function pair(title, ours, peer) {
  const a = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(timedProcess(ours.command, ours.setup));
    b.push(timedProcess(peer.command, peer.setup));
  }
  const figures = {
    title,
    tool: peer.tool,
    ours: { seconds: median(a.map((x) => x.seconds)), cpu: median(a.map((x) => x.cpu)), rss: Math.max(...a.map((x) => x.rss)) },
    peer: { seconds: median(b.map((x) => x.seconds)), cpu: median(b.map((x) => x.cpu)), rss: Math.max(...b.map((x) => x.rss)) },
  };
  figures.ratio = figures.peer.seconds / figures.ours.seconds;
  const side = (f) => `${f.seconds.toFixed(3)} s (CPU ${f.cpu.toFixed(2)} s) ${(f.rss / MiB).toFixed(0)} MiB`;
  console.log(`${title.padEnd(44)} p2vfix ${side(figures.ours)} | ${peer.tool} ${side(figures.peer)} | ratio ${figures.ratio.toFixed(2)}x`);
  return figures;
}
