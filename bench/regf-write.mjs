// Registry writes with p2vfix (built dist), hivexregedit --merge and chntpw's reged -I -C in
// the same run, on the same inputs:
// - bulk import: the full .reg export of the largest corpus SYSTEM hive (regipy SYSTEM.xz)
//   into an empty hive (made by `p2vfix reg new`, the same starting file for every tool);
// - small edit: 2 keys, 3 values and one subtree deletion on a copy of that 12 MB hive.
// Prints mean wall and CPU time, ratios (peer / p2vfix) and the size of the written hive.
// Goal (issue 3): p2vfix >= 5x faster than both on the bulk import.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corpus, p2vfixShell as p2vfix, q } from "./common.mjs";

export const name = "regf-write";

const HIVE = "hives/regipy/SYSTEM.xz";
const PREFIX = "HKEY_LOCAL_MACHINE\\SYSTEM";
/** reged takes about a minute for the bulk import: one run each there unless asked. */
const BULK_RUNS = Number(process.env.BENCH_WRITE_BULK_RUNS ?? 1);
const EDIT_RUNS = Number(process.env.BENCH_RUNS ?? 5);

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

function sh(command) {
  const r = spawnSync("sh", ["-c", command], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${command} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Mean wall seconds and user+system CPU seconds of `command` (hyperfine when present). */
function measure(command, runs, dir) {
  if (has("hyperfine")) {
    const json = join(dir, "hyperfine.json");
    const args = ["--runs", String(runs), "--export-json", json, "-i", command];
    if (runs > 1) args.unshift("--warmup", "1");
    const r = spawnSync("hyperfine", args, { stdio: ["ignore", "ignore", "pipe"] });
    if (r.status !== 0) throw new Error(`hyperfine failed for ${command}: ${r.stderr}`);
    const res = JSON.parse(readFileSync(json, "utf8")).results[0];
    return { seconds: res.mean, cpu: res.user + res.system };
  }
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    spawnSync("sh", ["-c", command]);
    total += Number(process.hrtime.bigint() - t) / 1e9;
  }
  return { seconds: total / runs, cpu: undefined };
}

function table(title, rows) {
  console.log(title);
  const ours = rows.find((r) => r.tool === "p2vfix");
  for (const r of rows) {
    if (r.skipped) {
      console.log(`  ${r.tool.padEnd(13)} ${r.skipped}`);
      continue;
    }
    const verdict = r.verdict ? `  [${r.verdict}]` : "";
    const ratio = ours && r !== ours ? `  ${(r.seconds / ours.seconds).toFixed(1)}x p2vfix's time` : "";
    const cpu = r.cpu === undefined ? "" : ` (cpu ${r.cpu.toFixed(2)} s)`;
    console.log(`  ${r.tool.padEnd(13)} ${r.seconds.toFixed(2)} s${cpu}  -> ${(r.size / 1048576).toFixed(1)} MiB${ratio}${verdict}`);
  }
}

/** Whether the written hive holds the expected result (read with p2vfix's reader). */
async function verify(root, path, expect) {
  const { openHive } = await import(join(root, "dist/regf/index.js"));
  try {
    const hive = openHive(new Uint8Array(readFileSync(path)));
    return expect(hive) ? "result checked" : "WRONG RESULT";
  } catch (err) {
    return `unreadable result: ${err?.message ?? err}`;
  }
}

export async function run({ root }) {
  const stored = join(corpus, HIVE);
  if (!existsSync(stored)) {
    console.log(`${HIVE}: not in the corpus, skipped`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-bench-write-"));
  try {
    const system = join(dir, "SYSTEM");
    writeFileSync(system, sh(`xz -dc ${q(stored)}`));
    const empty = join(dir, "empty.hiv");
    sh(`${p2vfix} reg new ${q(empty)} --root ROOT`);
    const full16 = join(dir, "full.reg");
    sh(`${p2vfix} reg export ${q(system)} --prefix ${q(PREFIX)} -o ${q(full16)}`);
    // hivexregedit reads the .reg as UTF-8; regedit's UTF-16 goes to p2vfix and reged.
    const full8 = join(dir, "full-utf8.reg");
    writeFileSync(full8, new TextDecoder("utf-16le").decode(readFileSync(full16)).replace(/^\uFEFF/, ""));
    const target = join(dir, "target.hiv");
    const bulk = [
      { tool: "p2vfix", command: `cp ${q(empty)} ${q(target)} && ${p2vfix} reg import ${q(target)} ${q(full16)} --prefix ${q(PREFIX)} --no-map-current-control-set --no-backup` },
      { tool: "hivexregedit", need: "hivexregedit", command: `cp ${q(empty)} ${q(target)} && hivexregedit --merge ${q(target)} --prefix ${q(PREFIX)} ${q(full8)}` },
      { tool: "reged", need: "reged", command: `cp ${q(empty)} ${q(target)} && reged -I -C ${q(target)} ${q(PREFIX)} ${q(full16)} >/dev/null` },
    ];
    const small = join(dir, "small.reg");
    writeFileSync(
      small,
      [
        "Windows Registry Editor Version 5.00",
        "",
        `[${PREFIX}\\ControlSet001\\Services\\p2vfix]`,
        '"Start"=dword:00000002',
        '"Type"=dword:00000001',
        "",
        `[${PREFIX}\\ControlSet001\\Services\\p2vfix\\Parameters]`,
        '"Mode"="virtio"',
        "",
        `[-${PREFIX}\\ControlSet001\\Services\\Tcpip]`,
        "",
      ].join("\r\n"),
    );
    const edit = [
      { tool: "p2vfix", command: `cp ${q(system)} ${q(target)} && ${p2vfix} reg import ${q(target)} ${q(small)} --prefix ${q(PREFIX)} --no-backup` },
      { tool: "hivexregedit", need: "hivexregedit", command: `cp ${q(system)} ${q(target)} && hivexregedit --merge ${q(target)} --prefix ${q(PREFIX)} ${q(small)}` },
      { tool: "reged", need: "reged", command: `cp ${q(system)} ${q(target)} && reged -I -C ${q(target)} ${q(PREFIX)} ${q(small)} >/dev/null` },
    ];
    const sourceStats = (await import(join(root, "dist/regf/index.js"))).openHive(new Uint8Array(readFileSync(system))).stats();
    const bulkOk = (h) => {
      const s = h.stats();
      return s.keys === sourceStats.keys && s.values === sourceStats.values;
    };
    const editOk = (h) => h.key("ControlSet001\\Services\\p2vfix\\Parameters")?.value("Mode") !== undefined && h.key("ControlSet001\\Services\\Tcpip") === undefined;
    for (const [title, tools, runs, expect] of [
      [`bulk import of ${HIVE}'s full export (${(statSync(full16).size / 1048576).toFixed(1)} MiB .reg) into an empty hive, ${BULK_RUNS} run(s) each`, bulk, BULK_RUNS, bulkOk],
      [`small edit (2 keys, 3 values, 1 subtree deleted) on ${HIVE} (${(statSync(system).size / 1048576).toFixed(1)} MiB), ${EDIT_RUNS} runs each`, edit, EDIT_RUNS, editOk],
    ]) {
      const rows = [];
      for (const t of tools) {
        if (t.need && !has(t.need)) {
          rows.push({ tool: t.tool, skipped: "not installed, skipped" });
          continue;
        }
        const m = measure(t.command, runs, dir);
        // The size after one more plain run of the command.
        spawnSync("sh", ["-c", t.command]);
        rows.push({ tool: t.tool, ...m, size: existsSync(target) ? statSync(target).size : 0, verdict: await verify(root, target, expect) });
      }
      table(title, rows);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
