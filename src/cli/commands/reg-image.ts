/**
 * `reg set|delete|import IMAGE:HIVE ...`: the hive-file commands, pointed at a hive inside a
 * disk image. The commands themselves edit host files (reg-write.ts); this hook, installed by
 * one line there, runs them on a copy of the hive (and its logs) taken out of the image, then
 * writes the result back through the safe write path (src/apply): preflight refusals, overlay,
 * verify, undo file, journal. Nothing is written when the image is refused.
 *
 * Preflight runs first (a dry transaction with the hive unchanged), so a refused image is
 * refused before the edit is even tried.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { WriteHivesOptions } from "../../apply/index.js";
import { parsePartition } from "../options.js";
import { parseTargetSpec } from "../../image/target-spec.js";
import type { Output } from "../output.js";
import { createProgress } from "../progress.js";

/** Temp folders of hive copies; removed when the process ends even if the command failed. */
const tempDirs = new Set<string>();
let cleanupInstalled = false;
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-image-hive-"));
  tempDirs.add(dir);
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.once("exit", () => {
      for (const made of tempDirs) rmSync(made, { recursive: true, force: true });
    });
  }
  return dir;
}

/** Options every image write from the CLI uses; the tests set `rewriter` here. */
export const imageHiveWriteOptions: WriteHivesOptions = {};

interface ImageOptions {
  dryRun?: boolean;
  backupDir?: string;
  partition?: number;
  json?: boolean;
}

/** Installs the IMAGE:HIVE branch on `reg set`, `reg delete` and `reg import`. */
export function registerImageHiveHook(reg: Command, output: Output): void {
  for (const name of ["set", "delete", "import"]) {
    const cmd = reg.commands.find((command) => command.name() === name);
    if (!cmd) continue;
    cmd
      .option("--dry-run", "IMAGE:HIVE only: verify and print what would be written, write nothing")
      .option("--backup-dir <dir>", "IMAGE:HIVE only: folder for the undo file (default: beside the image); a block device needs it, and keeps its journal and lock there too")
      .option("--partition <n>", "IMAGE:HIVE only: partition number when several qualify", parsePartition);
    let pending: { spec: string; container: string; inner: string; temp: string; dir: string; printed: string[]; out: Output["out"] } | undefined;
    // The image stack and the write transaction (zod, NTFS writer, containers) are loaded only
    // for an IMAGE:HIVE target: a hive file on the host needs none of them.
    cmd.hook("preAction", async (_this, action) => {
      const spec = String(action.processedArgs[0]);
      const { container, inner } = parseTargetSpec(spec);
      if (inner === undefined) return;
      const { writeHivesInImage, extractHive } = await import("./reg-image-write.js");
      const opts = action.opts<ImageOptions>();
      const options: WriteHivesOptions = { ...imageHiveWriteOptions, ...(opts.partition === undefined ? {} : { partition: opts.partition }) };
      // Refusals first, before the edit is tried.
      writeHivesInImage(spec, (hiveEditContext) => hiveEditContext.hive.bytes, { ...options, dryRun: true });
      const dir = tempDir();
      const temp = extractHive(container, inner, opts.partition, dir);
      // The command reports on the temp copy: hold its output back and show it with the image's name.
      const printed: string[] = [];
      pending = { spec, container, inner, temp, dir, printed, out: output.out };
      output.out = (text) => void printed.push(text);
      action.processedArgs[0] = temp;
    });
    cmd.hook("postAction", async (_this, action) => {
      const job = pending;
      pending = undefined;
      if (!job) return;
      const { writeHivesInImage, describe } = await import("./reg-image-write.js");
      output.out = job.out;
      const commandOutput = job.printed.join("").split(job.temp).join(job.spec);
      try {
        const opts = action.opts<ImageOptions>();
        const edited = new Uint8Array(readFileSync(job.temp));
        const progress = createProgress(output, { json: opts.json });
        let report: ReturnType<typeof writeHivesInImage>;
        try {
          report = writeHivesInImage(job.spec, () => edited, {
            ...imageHiveWriteOptions,
            ...(opts.partition === undefined ? {} : { partition: opts.partition }),
            ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
            dryRun: Boolean(opts.dryRun),
            onWriteProgress: progress.phase("writing"),
          });
        } finally {
          progress.stop();
        }
        if (opts.json) {
          const lines = commandOutput.split("\n").filter((line) => line.trim() !== "");
          const command = lines.length === 1 ? (JSON.parse(lines[0]) as Record<string, unknown>) : {};
          delete command.backup;
          output.out(JSON.stringify({ ...command, path: job.spec, image: report }) + "\n");
        } else {
          const shown = commandOutput.replace(/, original kept as [^;)]*/, "");
          output.out(opts.dryRun ? shown.replace(/^(\w+):/, "$1 (dry run, on a copy):") : shown);
          output.out(describe(report));
        }
      } finally {
        rmSync(job.dir, { recursive: true, force: true });
        tempDirs.delete(job.dir);
      }
    });
  }
}
