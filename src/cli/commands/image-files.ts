/**
 * Writing files into an image: `p2vfix mkdir IMAGE:/PATH`, `p2vfix rm [-r] IMAGE:/PATH`, and
 * the copy-in form of `p2vfix cp [-r] SRC... IMAGE:/DEST` (disk.ts hands it over here when its
 * last argument names a path inside an image). Every write goes through the safe write path
 * (refusals, undo file, verify); `p2vfix undo IMAGE` puts the image back.
 */
import { undoCommand } from "../undo-command.js";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { parseTargetSpec } from "../../image/index.js";
import { writeFilesInImage, type ImageFileOperation, type ImageFilesOptions } from "../../plan/image-files.js";
import type { TransactionReport } from "../../apply/index.js";
import { readProcLocksAhead } from "../../apply/proc-locks-ahead.js";
import type { ImageFilesResult } from "../../plan/image-files.js";
import { formatBytes } from "../format.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";
import { createProgress } from "../progress.js";

interface WriteOptions {
  partition?: number;
  json?: boolean;
  dryRun?: boolean;
  backupDir?: string;
}

function imageAndPath(spec: string): { image: string; path: string } {
  const { container, inner } = parseTargetSpec(spec);
  if (inner === undefined || inner === "") throw new UsageError("path-needed", `give a path inside the image: ${container}:/PATH`);
  return { image: container, path: inner };
}

const counted = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** "3 files (1.2 MiB) copied, 1 folder created or merged, 2 entries removed" (`would be ` for a dry run): what the command did. */
function whatWasDone(result: ImageFilesResult, mode: "" | "would be "): string {
  const parts: string[] = [];
  if (result.created.length > 0 || (result.folders.length === 0 && result.removed.length === 0)) parts.push(`${counted(result.created.length, "file")} (${formatBytes(result.bytes)}) ${mode}copied`);
  if (result.folders.length > 0) parts.push(`${counted(result.folders.length, "folder")} ${mode}created or merged`);
  if (result.removed.length > 0) parts.push(`${counted(result.removed.length, "entry", "entries")} ${mode}removed`);
  return parts.join(", ");
}

function report(output: Output, transactionReport: TransactionReport<ImageFilesResult>, json: boolean | undefined): void {
  if (json) {
    output.out(JSON.stringify({ image: transactionReport.image, dryRun: transactionReport.dryRun, undoFile: transactionReport.undoFile, bytesWritten: transactionReport.bytesWritten, ...transactionReport.result }, null, 2) + "\n");
    return;
  }
  const lines: string[] = [];
  for (const folder of transactionReport.result.folders) lines.push(`folder  ${folder}`);
  for (const created of transactionReport.result.created) lines.push(`file    ${created.path} (${formatBytes(created.size)})`);
  for (const removed of transactionReport.result.removed) lines.push(`removed ${removed}`);
  for (const skip of transactionReport.result.skipped) lines.push(`skipped ${skip.source}: ${skip.reason}`);
  const { result } = transactionReport;
  lines.push(
    transactionReport.dryRun
      ? `dry run: ${whatWasDone(result, "would be ")}; nothing was changed`
      : transactionReport.undoFile === undefined
        ? `nothing to write on partition ${result.partition}: the image already holds all of it, and was left as it was`
        : `${whatWasDone(result, "")} on partition ${result.partition}; undo file: ${transactionReport.undoFile} (${undoCommand(transactionReport.image, transactionReport.undoFile)})`,
  );
  output.out(lines.join("\n") + "\n");
}

async function run(output: Output, image: string, operations: ImageFileOperation[], opts: WriteOptions & { overwrite?: boolean }): Promise<void> {
  // /proc/locks, read since the command started (main.ts): the in-use check takes it from there.
  await readProcLocksAhead();
  const progress = createProgress(output, { json: opts.json });
  const options: ImageFilesOptions = {
    ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
    ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
    dryRun: Boolean(opts.dryRun),
    overwrite: Boolean(opts.overwrite),
    // The JSON report lists each file's SHA-256; the text one does not, and skips the pass.
    hashes: Boolean(opts.json),
    onProgress: progress.phase("copying"),
    onWriteProgress: progress.phase("writing"),
  };
  try {
    report(output, writeFilesInImage(image, operations, options), opts.json);
  } finally {
    progress.stop();
  }
}

/** `cp [-r] SRC... IMAGE:/DEST`: called by the cp command when the destination is inside an image. */
export async function copyIn(output: Output, sources: string[], destSpec: string, opts: WriteOptions & { recursive?: boolean; force?: boolean }): Promise<void> {
  const { image, path } = imageAndPath(destSpec);
  if (sources.length === 0) throw new UsageError("source-needed", "name at least one host file or folder to copy");
  await run(output, image, [{ kind: "copy", sources, dest: path, recursive: Boolean(opts.recursive) }], { ...opts, overwrite: Boolean(opts.force) });
}

/** True when `spec` names a path inside an existing image (IMAGE:PATH), so cp copies in. */
export function isImageDestination(spec: string): boolean {
  const { inner } = parseTargetSpec(spec);
  return inner !== undefined && inner !== "";
}

const common = (command: Command) =>
  command
    .option("--partition <n>", "partition number (default: the Windows volume, or the only NTFS one)", parsePartition)
    .option("--dry-run", "check and report, write nothing")
    .option("--backup-dir <dir>", "folder for the undo file (default: beside the image); a block device needs it, and keeps its journal and lock there too")
    .option("--json", "JSON output");

export function registerImageFiles(program: Command, output: Output): void {
  common(
    program
      .command("mkdir")
      .description("Create a folder inside an image (NTFS): IMAGE:/PATH. Undo with `p2vfix undo IMAGE`.")
      .argument("<spec>", "IMAGE:/PATH")
      .option("-p, --parents", "also create missing parent folders; an existing folder is fine"),
  ).action(async (spec: string, opts: WriteOptions & { parents?: boolean }) => {
    const { image, path } = imageAndPath(spec);
    await run(output, image, [{ kind: "mkdir", path, parents: Boolean(opts.parents) }], opts);
  });

  common(
    program
      .command("rm")
      .description("Delete a file or an empty folder inside an image (NTFS): IMAGE:/PATH; -r for a folder with its contents. Undo with `p2vfix undo IMAGE`.")
      .argument("<spec>", "IMAGE:/PATH")
      .option("-r, --recursive", "delete a folder with everything in it"),
  ).action(async (spec: string, opts: WriteOptions & { recursive?: boolean }) => {
    const { image, path } = imageAndPath(spec);
    await run(output, image, [{ kind: "remove", path, recursive: Boolean(opts.recursive) }], opts);
  });
}
