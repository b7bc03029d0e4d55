/**
 * `p2vfix fix IMAGE [--target T] [--vm VMFILE | --mac MAC...] [--profile P] [--yes] [--plan-out FILE]`:
 * the whole job in one command. The writer lock is taken first; then inspect → plan (the same
 * plan `p2vfix plan` writes, through the same YAML) → the findings, the plan's summary and its
 * warnings → a question on the terminal (or --yes) → apply → what was done, the undo file, and
 * the next steps. Without a terminal and without --yes nothing is written.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { NotFoundError, RefusedError, UsageError } from "../../errors.js";
import { buildPlan } from "../../plan/build.js";
import { expandPlan } from "../../plan/expand.js";
import { parsePlan } from "../../plan/load.js";
import type { PlanFile } from "../../plan/schema.js";
import { planToYaml } from "../../plan/yaml-writer.js";
import type { Finding } from "../../windows/schema.js";
import { inspectWindows } from "../../windows/inspect.js";
import { loadWindows } from "../../windows/load.js";
import { guardReadOnly, lockImage, runApply } from "../apply-run.js";
import { planNotices, plural, renderNotices } from "../notices.js";
import { parseMacOption, parsePartition } from "../options.js";
import type { Output } from "../output.js";
import { appliedJson, renderApplied } from "./apply.js";
import { planDrivers, resolvePlanRequest, withPlanRequestOptions } from "./plan.js";
import { createProgress } from "../progress.js";

export interface FixOptions {
  /** Drivers to install at apply (an ISO, a folder or an .inf), as `plan --drivers`. */
  drivers?: string;
  /** With `drivers`: only these. */
  driver?: string[];
  target?: string;
  vm?: string;
  nic?: string;
  mac: string[];
  keepIp?: boolean;
  profile: string;
  yes?: boolean;
  planOut?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  partition?: number;
  backupDir?: string;
}


/** Inspect and plan from one read of the image: the findings, and the plan as `plan -o` would write it. */
export function inspectAndPlan(image: string, opts: FixOptions): { findings: Finding[]; plan: PlanFile; yaml: string; values: number } {
  const { vm, target, profile, options } = resolvePlanRequest(opts);
  const loaded = loadWindows(image, opts.partition === undefined ? {} : { partition: opts.partition });
  try {
    const report = inspectWindows(loaded.hives, { ...loaded.options, ...(target ? { target } : {}) });
    const built = buildPlan({ hives: loaded.hives, modelOptions: loaded.options, options, source: image, profile: profile.name, ...(vm ? { vm } : {}) });
    if (vm && !vm.all && !vm.mac) built.plan.notices.push(`${opts.vm}: the NIC has no MAC yet (the hypervisor assigns it at start): the first-boot steps find the new NIC as the only new adapter.`);
    if (opts.drivers) built.plan.notices.push(...planDrivers(built.plan, { from: opts.drivers, only: opts.driver, hives: loaded.hives, where: image, firstBootDefaults: options.firstBoot }));
    // Through the YAML `plan -o` writes and `apply` reads: fix applies exactly what plan + apply would.
    const yaml = planToYaml(built.plan);
    const plan = parsePlan(yaml, "the plan");
    const expanded = expandPlan(plan, { system: loaded.hives.system, ...(loaded.hives.software ? { software: loaded.hives.software } : {}) });
    const values = expanded.registry.filter((change) => change.kind === "set-value" || change.kind === "delete-value").length;
    return { findings: report.findings, plan, yaml, values };
  } finally {
    loaded.close();
  }
}

function renderFindings(findings: readonly Finding[]): string {
  const shown = findings.filter((finding) => finding.severity !== "info");
  const problems = findings.filter((finding) => finding.severity === "problem").length;
  const lines = [`findings: ${plural(problems, "problem")}, ${plural(shown.length - problems, "warning")}, ${findings.length - shown.length} for information`];
  for (const shownFinding of shown) lines.push(`  ${shownFinding.severity === "problem" ? "PROBLEM" : "WARNING"}  ${shownFinding.title}${shownFinding.fixup === "manual" ? " (by hand)" : ` → ${shownFinding.fixup}`}`);
  return lines.join("\n") + "\n";
}

function renderPlanSummary(plan: PlanFile, values: number): string {
  const enabled = plan.fixups.filter((fixup) => fixup.enabled);
  return (
    `plan: ${plural(enabled.length, "fixup")} (${enabled.map((enabledFixup) => enabledFixup.id).join(", ") || "none"}), ${plural(values, "registry value")} to set or delete, ` +
    `${plural(plan.firstBoot?.steps.length ?? 0, "first-boot step")}${plan.vm ? `, unplug ${plan.vm.nic.mac ?? `NIC ${plan.vm.nic.index}`} in ${plan.vm.file}` : ""}\n`
  );
}

export function registerFix(program: Command, output: Output): void {
  withPlanRequestOptions(program.command("fix"))
    .description("The whole job in one command: inspect the image, plan the fixups, show them, ask, apply, and say what to do next")
    .argument("<image>", "disk image (VHDX, VHD, VMDK, qcow2, raw), or a folder of hives / mounted Windows root")
    .option("-y, --yes", "apply without asking (needed when there is no terminal)")
    .option("--plan-out <file>", "also keep the plan here for review (never overwrites a file)")
    .option("--dry-run", "everything but the write: findings, plan, diff")
    .option("--force", "write an image file even though its mode is read-only")
    .option("--backup-dir <dir>", "folder for the undo file (default: beside the image); a block device needs it, and keeps its journal and lock there too")
    .option("--partition <n>", "disk image with several Windows installations: the partition", parsePartition)
    .option("--json", "machine-readable result (implies no question: give --yes to write)")
    .addHelpText(
      "after",
      `
Examples:
  p2vfix fix disk.qcow2 --target hyperv                 # shows everything, then asks
  p2vfix fix disk.vmdk --vm newvm.vmx --yes             # MAC and hypervisor from the VM; its NIC unplugged
  p2vfix fix disk.vhdx --target Hyper-V --mac 00:15:5d:01:02:03 --plan-out plan.yaml --dry-run
Step by step instead: p2vfix inspect, p2vfix plan -o plan.yaml, p2vfix apply (same result).`,
    )
    .action(async (image: string, opts: FixOptions) => {
      if (!existsSync(image)) throw new NotFoundError("target-not-found", `${image} does not exist`, { path: image });
      if (opts.vm !== undefined && opts.mac.length > 0) throw new UsageError("vm-and-mac", "give --vm VMFILE or --mac MAC, not both (with --vm, choose its NIC with --nic N)");
      for (const mac of opts.mac) parseMacOption(mac);
      if (opts.planOut !== undefined && existsSync(opts.planOut)) throw new RefusedError("plan-out-exists", `${opts.planOut} exists already: choose another name or remove it (fix never overwrites a file)`, { path: opts.planOut });
      const st = statSync(image);
      const isFile = st.isFile() || st.isBlockDevice(); // written in place (a folder's hive files are replaced by rename)
      if (isFile && !opts.dryRun) guardReadOnly(image, opts.force === true);
      // Before the image is read: a concurrent writer makes this one say "in use", never see a half-written image.
      const lock = isFile && !opts.dryRun ? lockImage(image, opts.backupDir) : undefined;
      try {
        const { findings, plan, yaml, values } = inspectAndPlan(image, opts);
        const say = (text: string) => (opts.json ? undefined : output.out(text));
        say(renderFindings(findings));
        say(renderPlanSummary(plan, values));
        say(renderNotices(planNotices(plan)));
        if (opts.planOut !== undefined) {
          writeFileSync(opts.planOut, yaml, { flag: "wx" });
          say(`plan kept in ${opts.planOut}\n`);
        }
        if (!opts.dryRun && !opts.yes) {
          if (opts.json || !output.confirm) {
            throw new RefusedError("confirmation-needed", `nothing was written: fix asks before writing, and there is no terminal to ask on. Review the above (--plan-out FILE keeps the plan), then run the same command again with --yes`, { path: image });
          }
          if (!(await output.confirm(`Write these changes to ${image}?`))) {
            output.out("nothing was written.\n");
            return;
          }
        }
        const progress = createProgress(output, { json: opts.json });
        let report: ReturnType<typeof runApply>;
        try {
          report = runApply(image, plan, {
            dryRun: opts.dryRun === true,
            force: opts.force === true,
            image: { ...(opts.backupDir ? { backupDir: opts.backupDir } : {}), ...(opts.partition === undefined ? {} : { partition: opts.partition }), onWriteProgress: progress.phase("writing") },
          });
        } finally {
          progress.stop();
        }
        if (opts.json) output.out(JSON.stringify({ findings, plan: { fixups: plan.fixups.filter((fixup) => fixup.enabled).map((fixup) => fixup.id), registryValues: values, firstBootSteps: plan.firstBoot?.steps.length ?? 0 }, ...appliedJson(report, plan) }, null, 2) + "\n");
        else output.out(renderApplied(report, plan));
      } finally {
        lock?.release();
      }
    });
}
