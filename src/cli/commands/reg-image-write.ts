/**
 * The image half of `reg set|delete|import IMAGE:HIVE`: copying a hive and its logs out of an
 * image and describing the transaction. Loaded by reg-image.ts only for an IMAGE:HIVE target.
 */
import { undoCommand } from "../undo-command.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TransactionReport, WrittenHive } from "../../apply/index.js";
import { openTarget } from "../../image/open-target.js";
import { readHiveWithLogs, resolveInnerPath } from "../../image/hive-source.js";
import { formatBytes } from "../format.js";

export { writeHivesInImage } from "../../apply/index.js";

/** Copies the hive and its logs out of the image into a temp folder; returns the temp hive path. */
export function extractHive(container: string, inner: string, partition: number | undefined, dir: string): string {
  const target = openTarget(container);
  try {
    const { volume, path } = resolveInnerPath(target, inner, partition);
    const { bytes, logs } = readHiveWithLogs(volume.fs(), path, true);
    const name = path.slice(path.lastIndexOf("/") + 1);
    writeFileSync(join(dir, name), bytes);
    for (const log of logs) writeFileSync(join(dir, log.name), log.bytes);
    return join(dir, name);
  } finally {
    target.close();
  }
}

export function describe(report: TransactionReport<WrittenHive[]>): string {
  const lines: string[] = [];
  for (const writtenHive of report.result) {
    lines.push(`${report.dryRun ? "would write" : "written"}: ${writtenHive.source} (${writtenHive.sizeAfter} bytes${writtenHive.recovered ? ", recovered from its logs first" : ""})`);
  }
  for (const file of report.files) {
    lines.push(`  ${file.path}: ${file.ranges.length} ranges, ${formatBytes(file.ranges.reduce((sum, range) => sum + range.length, 0))}${file.newSize !== file.originalSize ? `, size ${file.originalSize} → ${file.newSize}` : ""}`);
    if (report.dryRun) for (const range of file.ranges) lines.push(`    offset ${range.offset} (0x${range.offset.toString(16)}), ${range.length} bytes`);
  }
  if (report.undoFile) lines.push(`  undo file: ${report.undoFile} (${undoCommand(report.image, report.undoFile)})`);
  if (report.dryRun) lines.push("  dry run: nothing was written");
  for (const warning of report.warnings ?? []) lines.push(`  warning: ${warning}`);
  return lines.join("\n") + "\n";
}

