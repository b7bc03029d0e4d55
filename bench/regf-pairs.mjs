// p2vfix against each C peer in one run, as whole processes, paired (p2vfix then the peer, N
// times, on fresh copies): median wall seconds, the ratio (peer / p2vfix: above 1 means p2vfix
// is faster) and the peak RSS of each (/usr/bin/time -v "Maximum resident set size").
// - reg set (one REG_SZ value) vs hivexsh -w (setval + commit) on the regipy SYSTEM;
// - reg export UTF-16 vs reged -x (UTF-16), reg export UTF-8 vs hivexml;
// - reg import of that hive's full export into an empty hive vs hivexregedit --merge.
// BENCH_RUNS (default 5) pairs each.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corpus, has, median, MiB } from "./common.mjs";

export const name = "regf-pairs";

const HIVE = "hives/regipy/SYSTEM.xz";
const PREFIX = "HKEY_LOCAL_MACHINE\\SYSTEM";
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;

/** Runs `setup` (not timed) then `command` under /usr/bin/time; wall seconds and peak RSS bytes. */
function timed(command, setup) {
  if (setup) spawnSync("sh", ["-c", setup]);
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", "sh", "-c", `${command} >/dev/null`], { encoding: "utf8", maxBuffer: 1 << 28 });
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [seconds, kib] = last.split(" ").map(Number);
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr.slice(0, 400)}`);
  return { seconds, rss: kib * 1024 };
}

function pair(title, ours, peer) {
  const a = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(timed(ours.command, ours.setup));
    b.push(timed(peer.command, peer.setup));
  }
  const ma = median(a.map((x) => x.seconds));
  const mb = median(b.map((x) => x.seconds));
  const ra = Math.max(...a.map((x) => x.rss));
  const rb = Math.max(...b.map((x) => x.rss));
  console.log(
    `${title.padEnd(44)} p2vfix ${ma.toFixed(3)} s ${(ra / MiB).toFixed(0)} MiB | ${peer.tool} ${mb.toFixed(3)} s ${(rb / MiB).toFixed(0)} MiB | ratio ${(mb / ma).toFixed(2)}x`,
  );
}

export async function run({ root }) {
  const stored = join(corpus, HIVE);
  if (!existsSync(stored) || !existsSync("/usr/bin/time")) {
    console.log(`${HIVE} or /usr/bin/time missing: skipped`);
    return;
  }
  const p2vfix = `node ${q(join(root, "bin/p2vfix.js"))}`;
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-bench-pairs-"));
  try {
    const system = join(dir, "SYSTEM");
    writeFileSync(system, spawnSync("xz", ["-dc", stored], { maxBuffer: 1 << 30 }).stdout);
    const target = join(dir, "target");
    const fresh = `cp ${q(system)} ${q(target)}`;
    console.log(`${HIVE} (${(readFileSync(system).length / MiB).toFixed(1)} MiB), ${RUNS} paired runs each, median wall time, peak RSS`);
    if (has("hivexsh")) {
      const script = join(dir, "set.hivexsh");
      writeFileSync(script, "cd ControlSet001\\Control\nsetval 1\nP2vfixBench\nstring:value\ncommit\n");
      pair(
        "reg set (one REG_SZ) vs hivexsh -w",
        { setup: fresh, command: `${p2vfix} reg set ${q(target)} 'ControlSet001\\Control' P2vfixBench value -t REG_SZ --no-backup` },
        { tool: "hivexsh", setup: fresh, command: `hivexsh -w ${q(target)} < ${q(script)}` },
      );
    }
    if (has("reged")) {
      pair(
        "reg export UTF-16 vs reged -x",
        { command: `${p2vfix} reg export ${q(system)} --prefix ${q(PREFIX)} -o ${q(join(dir, "a.reg"))}` },
        { tool: "reged -x", command: `reged -x ${q(system)} ${q(PREFIX)} '\\' ${q(join(dir, "b.reg"))}` },
      );
    }
    if (has("hivexml")) {
      pair(
        "reg export UTF-8 vs hivexml",
        { command: `${p2vfix} reg export ${q(system)} --encoding utf8 --prefix ${q(PREFIX)} -o ${q(join(dir, "a8.reg"))}` },
        { tool: "hivexml", command: `hivexml ${q(system)} > ${q(join(dir, "b.xml"))}` },
      );
    }
    if (has("hivexregedit")) {
      const empty = join(dir, "empty");
      spawnSync("sh", ["-c", `${p2vfix} reg new ${q(empty)} --root ROOT`]);
      const full16 = join(dir, "full.reg");
      spawnSync("sh", ["-c", `${p2vfix} reg export ${q(system)} --prefix ${q(PREFIX)} -o ${q(full16)}`]);
      const full8 = join(dir, "full8.reg");
      writeFileSync(full8, new TextDecoder("utf-16le").decode(readFileSync(full16)).replace(/^\uFEFF/, ""));
      const blank = `cp ${q(empty)} ${q(target)}`;
      pair(
        "reg import (full export) vs hivexregedit",
        { setup: blank, command: `${p2vfix} reg import ${q(target)} ${q(full16)} --prefix ${q(PREFIX)} --no-map-current-control-set --no-backup` },
        { tool: "hivexregedit", setup: blank, command: `hivexregedit --merge ${q(target)} --prefix ${q(PREFIX)} ${q(full8)}` },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
