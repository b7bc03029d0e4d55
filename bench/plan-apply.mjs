/**
 * Bench section "plan-apply": the default plan (p2v-default, --target hyperv) of the demo image
 * (the HP ProLiant scenario: VHDX > MBR > NTFS) applied to a 100 GiB sparse VHDX holding it,
 * with the time split by stage:
 *   open   — open the image, find Windows, read SYSTEM/SOFTWARE, build the model;
 *   plan   — findings, fixups, the plan as YAML and read back (as `plan -o` + `apply` do);
 *   write  — applyPlan: expand, diff pass, then the safe write path (preflight, overlay, its
 *            own read-back verify, undo file, journal, write, fsync);
 *   verify — an independent re-open of the written image through the whole stack, the model
 *            rebuilt and the findings checked (only nic-teaming, which needs the VM, remains).
 * Peer: `virt-win-reg --merge` of the same registry changes on a raw copy, when libguestfs is
 * installed (ratio printed).
 *
 *   npm run build && node bench/plan-apply.mjs        (P2VFIX_DIST=src npx tsx bench/plan-apply.mjs runs the sources)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { dist, exec, has, lib, median } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const demo = join(here, "../test/fixtures/scenarios/demo-hp-proliant.vhdx.gz");

export async function run({ repeats = 3 } = {}) {
  const { buildPlan, planToYaml, parsePlan, applyPlan, loadProfile, resolveOptions, expandPlan } = await lib("plan/index.js");
  const { loadWindows, buildModel, detectFindings } = await lib("windows/index.js");
  const work = mkdtempSync(join(tmpdir(), "p2vfix-bench-plan-apply-"));
  try {
    const small = join(work, "demo.vhdx");
    writeFileSync(small, gunzipSync(readFileSync(demo)));
    const raw = join(work, "demo.img");
    exec("qemu-img", ["convert", "-O", "raw", small, raw]);
    truncateSync(raw, 100 * 2 ** 30);
    const big = join(work, "demo-100g.vhdx");
    exec("qemu-img", ["convert", "-O", "vhdx", raw, big]);
    const profile = loadProfile("p2v-default");
    const options = resolveOptions(profile, { target: "hyperv", mac: "00:15:5d:01:0a:02" });
    const stages = { open: [], plan: [], write: [], verify: [] };
    let changes = 0;
    let bytes = 0;
    let lastPlan;
    for (let i = 0; i < repeats + 1; i++) {
      const copy = join(work, `run-${i}.vhdx`);
      copyFileSync(big, copy);
      const lap = (() => { let t = process.hrtime.bigint(); return () => { const n = process.hrtime.bigint(); const ms = Number(n - t) / 1e6; t = n; return ms; }; })();
      const loaded = loadWindows(copy);
      const model = buildModel(loaded.hives, loaded.options);
      const open = lap();
      const built = buildPlan({ hives: loaded.hives, modelOptions: loaded.options, options, source: copy, profile: profile.name });
      loaded.close();
      const plan = parsePlan(planToYaml(built.plan));
      const planMs = lap();
      const report = applyPlan(copy, plan, {});
      const write = lap();
      const again = loadWindows(copy);
      const after = detectFindings(buildModel(again.hives, again.options), { target: "hyperv" }).map((f) => f.id);
      again.close();
      const verify = lap();
      if (after.some((id) => id !== "nic-teaming")) throw new Error(`findings left after apply: ${after.join(", ")}`);
      if (model.controlSets.resolved !== plan.windows.controlSet) throw new Error("control set changed");
      if (i > 0) {
        stages.open.push(open);
        stages.plan.push(planMs);
        stages.write.push(write);
        stages.verify.push(verify);
      }
      changes = report.diff.length;
      bytes = report.image?.bytesWritten ?? 0;
      lastPlan = plan;
      rmSync(copy, { force: true });
      if (report.undoFile) rmSync(report.undoFile, { force: true });
      rmSync(`${copy}.p2vfix-journal`, { force: true });
    }
    let peer = "not available (libguestfs is not installed)";
    if (has("virt-win-reg")) {
      const loaded = loadWindows(small);
      const expanded = expandPlan(lastPlan, { system: loaded.hives.system, software: loaded.hives.software });
      loaded.close();
      writeFileSync(join(work, "plan.reg"), toReg(expanded.registry));
      const rawCopy = join(work, "peer.img");
      exec("qemu-img", ["convert", "-O", "raw", small, rawCopy]);
      const t0 = process.hrtime.bigint();
      exec("virt-win-reg", ["--merge", rawCopy, join(work, "plan.reg")]);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const ours = median(stages.open) + median(stages.plan) + median(stages.write);
      peer = `${ms.toFixed(0)} ms; p2vfix open+plan+write ${(ms / ours).toFixed(1)}× faster`;
    }
    const row = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)]));
    console.log(format({ row, changes, bytes, peer }));
    return { row, changes, bytes, peer };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The changes as a .reg file for the peer (virt-win-reg maps HKLM\SYSTEM\CurrentControlSet itself; keys here are already resolved). */
function toReg(changes) {
  const esc = (s) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const out = ["Windows Registry Editor Version 5.00", ""];
  for (const c of changes) {
    const key = `HKEY_LOCAL_MACHINE\\${c.hive}\\${c.key}`;
    if (c.kind === "delete-key") out.push(`[-${key}]`, "");
    else if (c.kind === "create-key") out.push(`[${key}]`, "");
    else if (c.kind === "delete-value") out.push(`[${key}]`, `"${esc(c.name)}"=-`, "");
    else {
      const d = c.data;
      const v = d.type === "REG_DWORD" ? `dword:${d.value.toString(16).padStart(8, "0")}` : d.type === "REG_SZ" ? `"${esc(d.value)}"` : `hex(${d.type === "REG_MULTI_SZ" ? 7 : d.type === "REG_EXPAND_SZ" ? 2 : 3}):${[...Buffer.from(d.type === "REG_MULTI_SZ" ? d.value.map((x) => x + "\0").join("") + "\0" : (d.value ?? "") + "\0", "utf16le")].map((b) => b.toString(16).padStart(2, "0")).join(",")}`;
      out.push(`[${key}]`, `"${esc(c.name)}"=${v}`, "");
    }
  }
  return out.join("\r\n");
}

export function format({ row, changes, bytes, peer }) {
  return [
    `default plan (p2v-default --target hyperv, ${changes} registry changes, ${bytes} bytes written) on a 100 GiB sparse VHDX, median:`,
    "| open | plan | write | verify | total |",
    "|---|---|---|---|---|",
    `| ${row.open.toFixed(0)} ms | ${row.plan.toFixed(0)} ms | ${row.write.toFixed(0)} ms | ${row.verify.toFixed(0)} ms | ${(row.open + row.plan + row.write + row.verify).toFixed(0)} ms |`,
    `virt-win-reg --merge of the same changes: ${peer}`,
  ].join("\n");
}

export const name = "plan-apply";
export const section = { name, run, format };
export default section;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
