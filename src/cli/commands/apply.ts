/**
 * `p2vfix apply TARGET PLAN [--dry-run] [--json]`: shows the diff of the plan against the
 * target (keys, values old → new, first-boot steps, VM link), then writes it: hive files via
 * the regf writer (HIVE.bak kept), disk images via the safe write path (undo file; `p2vfix undo`
 * restores). A plan already applied writes nothing.
 */
import type { Command } from "commander";
import { parsePartition } from "../options.js";
import type { ApplyReport } from "../../plan/apply.js";
import { renderDiff } from "../../plan/diff.js";
import { loadPlan } from "../../plan/load.js";
import type { PlanFile } from "../../plan/schema.js";
import { runApply } from "../apply-run.js";
import { undoCommand } from "../undo-command.js";
import { renderNextSteps } from "../next-steps.js";
import { planNotices, plural, renderNotices } from "../notices.js";
import type { Output } from "../output.js";
import { createProgress } from "../progress.js";

interface ApplyCliOptions {
  dryRun?: boolean;
  json?: boolean;
  backup: boolean;
  backupDir?: string;
  partition?: number;
  force?: boolean;
}

/** Counted in registry values as `plan` counts them; keys created on the way are counted apart. */
function changeCount(applyReport: ApplyReport): string {
  const values = applyReport.diff.filter((diffEntry) => diffEntry.action === "set-value" || diffEntry.action === "delete-value").length;
  const keys = applyReport.diff.length - values;
  return `${plural(values, "registry value")}${keys ? ` (and ${plural(keys, "key")} created or deleted)` : ""}`;
}

function summary(applyReport: ApplyReport): string {
  const lines: string[] = [];
  if (applyReport.diff.length === 0) lines.push(applyReport.dryRun ? "dry run: nothing to write (already applied)" : "nothing written: the target already holds this plan");
  else if (applyReport.dryRun) lines.push(`dry run: ${changeCount(applyReport)} would be written; nothing was written`);
  else {
    lines.push(`written: ${changeCount(applyReport)} in ${applyReport.written.join(", ")}`);
    for (const backup of applyReport.backups) lines.push(`original kept: ${backup}`);
    if (applyReport.undoFile) lines.push(`undo file: ${applyReport.undoFile} (${undoCommand(applyReport.target, applyReport.undoFile)} restores the image)`);
    if (applyReport.driversUndoFile) lines.push(`drivers undo file: ${applyReport.driversUndoFile} (undone first by p2vfix undo, the newest write)`);
  }
  for (const driver of applyReport.drivers ?? []) lines.push(`driver ${driver}`);
  for (const warning of applyReport.image?.warnings ?? []) lines.push(`warning: ${warning}`);
  return lines.join("\n") + "\n";
}

/** The diff, the summary, every warning and, once an image was written, the next steps. */
export function renderApplied(report: ApplyReport, plan: PlanFile): string {
  // The notices come once, in the warnings summary below.
  let text = renderDiff({ entries: report.diff, steps: report.expanded.steps, vm: report.expanded.vm, ...(report.vm ? { vmResult: report.vm.summary } : {}), notices: [], ...(report.files ? { files: report.files } : {}) });
  text += summary(report);
  text += renderNotices(planNotices(plan, report.expanded.notices));
  if (report.kind === "image" && !report.dryRun && report.diff.length > 0) text += renderNextSteps(report.target, plan.target, report.expanded.vm?.file ?? null);
  return text;
}

/** The --json report of apply (and fix). */
export function appliedJson(report: ApplyReport, plan: PlanFile): Record<string, unknown> {
  const { expanded, image, ...rest } = report;
  return {
    ...rest,
    steps: expanded.steps.map((step) => ({ id: step.id, title: step.title, shell: step.shell })),
    notices: expanded.notices,
    warnings: [...planNotices(plan, expanded.notices), ...(image?.warnings ?? [])],
    image: image ? { format: image.format, files: image.files, bytesWritten: image.bytesWritten } : null,
  };
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
    .option("--backup-dir <dir>", "images: folder for the undo file (default: beside the image); a block device needs it, and keeps its journal and lock there too")
    .option("--partition <n>", "disk image with several Windows installations: the partition", parsePartition)
    .option("--force", "write an image file even though its mode is read-only (chmod a-w)")
    .addHelpText(
      "after",
      `
Examples:
  p2vfix plan disk.qcow2 --target hyperv -o plan.yaml   # review plan.yaml, then:
  p2vfix apply disk.qcow2 plan.yaml --dry-run           # the diff only
  p2vfix apply disk.qcow2 plan.yaml                     # write it (undo file beside the image)
  p2vfix undo disk.qcow2                                # put every byte back
One command for the whole job: p2vfix fix disk.qcow2 --target hyperv`,
    )
    .action((target: string, planPath: string, opts: ApplyCliOptions) => {
      const plan = loadPlan(planPath);
      const partition = opts.partition;
      const progress = createProgress(output, { json: opts.json });
      let report: ReturnType<typeof runApply>;
      try {
        report = runApply(target, plan, {
          force: opts.force === true,
          dryRun: Boolean(opts.dryRun),
          backup: opts.backup,
          image: { ...(opts.backupDir ? { backupDir: opts.backupDir } : {}), ...(partition === undefined ? {} : { partition }), onWriteProgress: progress.phase("writing") },
        });
      } finally {
        progress.stop();
      }
      if (opts.json) output.out(JSON.stringify(appliedJson(report, plan), null, 2) + "\n");
      else output.out(renderApplied(report, plan));
    });
}
