// p2vfix against each C peer in one run, as whole processes, paired (p2vfix then the peer, N
// times, on fresh copies; bench/pairs.mjs): median wall seconds, the ratio (peer / p2vfix: above
// 1 means p2vfix is faster) and the peak RSS of each.
// - reg set (one REG_SZ value) vs hivexsh -w (setval + commit) on the regipy SYSTEM;
// - reg export UTF-16 vs reged -x (UTF-16), reg export UTF-8 vs hivexml;
// - reg import of that hive's full export into an empty hive vs hivexregedit --merge.
// BENCH_RUNS (default 5) pairs each.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corpus, has, MiB, p2vfixShell as p2vfix, q } from "./common.mjs";
import { environmentNote, pair } from "./pairs.mjs";

export const name = "regf-pairs";

const HIVE = "hives/regipy/SYSTEM.xz";
const PREFIX = "HKEY_LOCAL_MACHINE\\SYSTEM";

export async function run() {
  const stored = join(corpus, HIVE);
  if (!existsSync(stored) || !existsSync("/usr/bin/time")) {
    console.log(`${HIVE} or /usr/bin/time missing: skipped`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-bench-pairs-"));
  try {
    const system = join(dir, "SYSTEM");
    writeFileSync(system, spawnSync("xz", ["-dc", stored], { maxBuffer: 1 << 30 }).stdout);
    const target = join(dir, "target");
    const fresh = `cp ${q(system)} ${q(target)}`;
    console.log(`${HIVE} (${(readFileSync(system).length / MiB).toFixed(1)} MiB); median wall time (and CPU) of each side, peak RSS; ${environmentNote()}`);
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
        // Both to stdout, which the timing sends to /dev/null (hivexml's "> FILE" was overridden
        // by it, while p2vfix wrote a real file).
        { command: `${p2vfix} reg export ${q(system)} --encoding utf8 --prefix ${q(PREFIX)}` },
        { tool: "hivexml", command: `hivexml ${q(system)}` },
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
