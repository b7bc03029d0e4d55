/**
 * `p2vfix undo IMAGE [UNDOFILE]`: restores what a write changed, byte for byte, from its undo
 * file, and rolls back a write that was cut off half way.
 */
import type { Command } from "commander";
import { undoApply, type UndoReport } from "../../apply/index.js";
import { restoreVmLinks } from "../../plan/vm-link.js";
import { formatBytes } from "../format.js";
import type { Output } from "../output.js";
import { createProgress } from "../progress.js";

function describe(report: UndoReport, dryRun: boolean): string {
  const lines: string[] = [];
  lines.push(`undo file: ${report.undoFile}`);
  if (report.journalState) lines.push(`journal:   ${report.journalState}${report.journalState === "applying" ? " (a write was cut off)" : ""}`);
  for (const warning of report.warnings) lines.push(`warning:   ${warning}`);
  for (const file of report.files) {
    const counts = { after: 0, before: 0, other: 0 };
    for (const range of file.ranges) counts[range.state]++;
    lines.push(
      `${file.path}: ${file.ranges.length} ranges (${counts.after} as written, ${counts.before} original, ${counts.other} other); size ${file.currentSize}${file.currentSize === file.originalSize ? "" : ` → ${file.originalSize}`}`,
    );
  }
  const what = {
    // "Before that write", not "original": an earlier write may have its own undo file (`p2vfix undo` again walks back to it).
    restored: `restored ${formatBytes(report.bytesRestored)}: the image is back to the bytes it held before that write`,
    "rolled-back": `rolled back the interrupted write (${formatBytes(report.bytesRestored)}): the image is back to the bytes it held before that write`,
    "nothing-to-do": "nothing to do: the image already holds the bytes it had before that write",
    "would-restore": `would restore ${rangesToRestore(report)} (dry run: nothing written)`,
  }[report.action];
  lines.push(dryRun && report.action === "nothing-to-do" ? `${what} (dry run)` : what);
  return lines.join("\n") + "\n";
}

function rangesToRestore(report: UndoReport): string {
  let bytes = 0;
  for (const file of report.files) for (const range of file.ranges) if (range.state !== "before") bytes += range.length;
  return `${report.files.reduce((sum, file) => sum + file.ranges.filter((range) => range.state !== "before").length, 0)} ranges (${formatBytes(bytes)})`;
}

export function registerUndo(program: Command, output: Output): void {
  program
    .command("undo")
    .description("Restore an image from the undo file p2vfix wrote before changing it; also rolls back a write that was interrupted.")
    .argument("<image>", "the disk image that was written")
    .argument("[undofile]", "undo file (default: the last one the journal names, or the newest IMAGE.*.p2vfix-undo beside the image)")
    .option("--force", "restore even where the image holds neither the original nor the written bytes (it was changed since)")
    .option("--dry-run", "only report what would be restored")
    .option("--json", "JSON output")
    .option("--vm <file>", "the VM definition apply edited (needed when it is not in the image's folder naming the image)")
    .option("--backup-dir <dir>", "the folder the writes kept their undo files in (the --backup-dir they were given); a block device's journal and lock are there too")
    .action((image: string, undoFile: string | undefined, opts: { force?: boolean; dryRun?: boolean; json?: boolean; vm?: string; backupDir?: string }) => {
      const vmFile = opts.vm;
      const backupDir = opts.backupDir === undefined ? {} : { backupDir: opts.backupDir };
      // Every check on the VM definition first: a refused one leaves the image untouched too.
      restoreVmLinks(image, { dryRun: true, ...(vmFile ? { vmFile } : {}), ...backupDir });
      const progress = createProgress(output, { json: opts.json });
      let report: ReturnType<typeof undoApply>;
      try {
        report = undoApply(image, { ...(undoFile ? { undoFile } : {}), ...backupDir, force: Boolean(opts.force), dryRun: Boolean(opts.dryRun), onProgress: progress.phase("restoring") });
      } finally {
        progress.stop();
      }
      // `apply` may also have unplugged the NIC in the VM definition: plug it back as it was.
      const vm = restoreVmLinks(image, { dryRun: Boolean(opts.dryRun), ...(vmFile ? { vmFile } : {}), ...backupDir });
      if (opts.json) output.out(JSON.stringify({ ...report, vm }, null, 2) + "\n");
      else output.out(describe(report, Boolean(opts.dryRun)) + vm.map((line) => `${line}\n`).join(""));
    });
}
