/**
 * `p2vfix apply TARGET PLAN [--dry-run] [--json]`: shows the diff of the plan against the
 * target (keys, values old → new, first-boot steps, VM link), then writes it: hive files via
 * the regf writer (HIVE.bak kept), disk images via the safe write path (undo file; `p2vfix undo`
 * restores). A plan already applied writes nothing.
 */
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { applyPlan, type ApplyReport } from "../../plan/apply.js";
import { renderDiff } from "../../plan/diff.js";
import { loadPlan } from "../../plan/load.js";
import type { Output } from "../output.js";

interface ApplyCliOptions {
  dryRun?: boolean;
  json?: boolean;
  backup: boolean;
  backupDir?: string;
  partition?: string;
}

function summary(r: ApplyReport): string {
  const lines: string[] = [];
  if (r.diff.length === 0) lines.push(r.dryRun ? "dry run: nothing to write (already applied)" : "nothing written: the target already holds this plan");
  else if (r.dryRun) lines.push(`dry run: ${r.diff.length} registry changes would be written; nothing was written`);
  else {
    lines.push(`written: ${r.diff.length} registry changes in ${r.written.join(", ")}`);
    for (const b of r.backups) lines.push(`original kept: ${b}`);
    if (r.undoFile) lines.push(`undo file: ${r.undoFile} (p2vfix undo ${r.target} restores the image)`);
  }
  for (const w of r.image?.warnings ?? []) lines.push(`warning: ${w}`);
  return lines.join("\n") + "\n";
}

export function registerApply(program: Command, output: Output): void {
  program
    .command("apply")
    .description("Show the diff of a plan against the image or hives, then write it (undo file for images, HIVE.bak for hive files)")
    .argument("<target>", "disk image, folder with SYSTEM/SOFTWARE hive files, mounted Windows root, or SYSTEM hive file")
    .argument("<plan>", "plan file (p2vfix plan -o plan.yaml)")
    .option("--dry-run", "show the diff only; write nothing")
    .option("--json", "JSON report")
    .option("--no-backup", "hive files: do not keep the original as HIVE.bak")
    .option("--backup-dir <dir>", "images: folder for the undo file (default: beside the image)")
    .option("--partition <n>", "disk image with several Windows installations: the partition")
    .action((target: string, planPath: string, opts: ApplyCliOptions) => {
      const plan = loadPlan(planPath);
      const partition = opts.partition === undefined ? undefined : Number(opts.partition);
      if (partition !== undefined && !Number.isInteger(partition)) throw new UsageError("bad-partition", `--partition must be a number, not ${JSON.stringify(opts.partition)}`);
      const report = applyPlan(target, plan, {
        dryRun: Boolean(opts.dryRun),
        backup: opts.backup,
        image: { ...(opts.backupDir ? { backupDir: opts.backupDir } : {}), ...(partition === undefined ? {} : { partition }) },
      });
      if (opts.json) {
        const { expanded, image, ...rest } = report;
        output.out(JSON.stringify({ ...rest, steps: expanded.steps.map((s) => ({ id: s.id, title: s.title, shell: s.shell })), notices: expanded.notices, image: image ? { format: image.format, files: image.files, bytesWritten: image.bytesWritten } : null }, null, 2) + "\n");
        return;
      }
      output.out(renderDiff({ entries: report.diff, steps: report.expanded.steps, vm: report.expanded.vm, ...(report.vm ? { vmResult: report.vm.summary } : {}), notices: report.expanded.notices, ...(report.files ? { files: report.files } : {}) }));
      output.out(summary(report));
    });
}
