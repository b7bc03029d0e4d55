/**
 * One image of a wave, in this process (`p2vfix batch INVENTORY --index N`: what each worker
 * process and each Kubernetes pod runs): skip it when the state says it is done and neither the
 * request nor the image changed since; roll back an apply that a kill cut off (the journal says
 * "applying": the same recovery as `p2vfix undo`); then inspect → plan → apply exactly as
 * `p2vfix fix --yes` does, and inspect again for the findings left.
 */
import { createHash } from "node:crypto";
import { closeSync, linkSync, lstatSync, openSync, readSync, statSync, unlinkSync } from "node:fs";
import { readJournal } from "../apply/journal.js";
import { undoApply, undoFilesBeside } from "../apply/restore.js";
import { guardReadOnly, lockImage, runApply } from "../cli/apply-run.js";
import { inspectAndPlan } from "../cli/commands/fix.js";
import { toIoError } from "../cli/io-errors.js";
import { ExitCode, NotFoundError, P2vfixError, UsageError } from "../errors.js";
import { planToYaml } from "../plan/yaml-writer.js";
import type { Finding } from "../windows/schema.js";
import { inspectWindows } from "../windows/inspect.js";
import { loadWindows } from "../windows/load.js";
import type { ImageJob } from "./jobs.js";
import { newRecord, type ImageRecord, type StateDir } from "./state.js";

export interface WorkerOptions {
  state?: StateDir;
  dryRun?: boolean;
  now?: () => Date;
}

/** SHA-256 of a file, read in 1 MiB pieces (memory stays flat for any image size). */
export function fileSha256(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    for (let at = 0; ; ) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** Problems and warnings, by id: what the table counts before and after. */
function shown(findings: readonly Finding[]): string[] {
  return findings.filter((finding) => finding.severity !== "info").map((finding) => finding.id);
}

function findingsNow(image: string, target: string | undefined): string[] {
  const loaded = loadWindows(image);
  try {
    return shown(inspectWindows(loaded.hives, { ...loaded.options, ...(target ? { target: target as never } : {}) }).findings);
  } finally {
    loaded.close();
  }
}

/** Gives an undo file that no longer belongs to the image a new name (`.rolled-back`, `.unused`): kept, but no longer taken for the image's undo file. */
function setAside(undoFile: string, suffix: string): string {
  const to = `${undoFile}.${suffix}`;
  if (!lstatSync(undoFile).isFile()) return undoFile;
  linkSync(undoFile, to); // never replaces a name that exists
  unlinkSync(undoFile);
  return to;
}

function errorOf(err: unknown): { code: string; message: string; exitCode: number } {
  const typed = err instanceof P2vfixError ? err : toIoError(err);
  if (typed) return { code: typed.code, message: typed.describe(), exitCode: typed.exitCode };
  return { code: "internal", message: `internal error (a bug: please report it): ${(err as Error)?.message ?? String(err)}`, exitCode: ExitCode.failure };
}

/** Runs one image; never throws for the image's own errors: they are the record's `error`. */
export function runImage(job: ImageJob, options: WorkerOptions = {}): ImageRecord {
  const now = options.now ?? (() => new Date());
  const started = now();
  const state = options.dryRun ? undefined : options.state;
  const dir = state?.imageDir(job.image);
  const previous = dir ? state!.readRecord(dir) : undefined;
  const log = (text: string) => {
    if (dir) state!.appendLog(dir, `${now().toISOString()} ${text}\n`);
  };
  const record: ImageRecord = { ...newRecord(job, (previous?.attempt ?? 0) + 1, started), log: dir ? `${dir}/log.txt` : null };
  const finish = (status: ImageRecord["status"]): ImageRecord => {
    const end = now();
    Object.assign(record, { status, finishedAt: end.toISOString(), seconds: (end.getTime() - started.getTime()) / 1000, peakRssKiB: process.resourceUsage().maxRSS });
    if (dir) state!.writeRecord(dir, record);
    return record;
  };
  try {
    log(`attempt ${record.attempt}: ${job.image}${options.dryRun ? " (dry run)" : ""}`);
    const st = statSync(job.image, { throwIfNoEntry: false });
    if (!st) throw new NotFoundError("target-not-found", `${job.image} does not exist`, { path: job.image });
    // A block device keeps its undo files, journal and lock in its folder of the state (sidecar-folder.ts): nothing beside /dev.
    const folder = st.isBlockDevice() && dir ? dir : undefined;
    if (st.isBlockDevice() && !dir && !options.dryRun) throw new UsageError("device-needs-state", `${job.image} is a block device: a wave keeps its undo files, journal and lock in the state folder; run the wave with --state DIR (in Kubernetes, --state-pvc)`, { path: job.image });
    if (previous?.status === "done" && previous.requestSha256 === job.requestSha256 && previous.imageSha256After !== undefined) {
      if (fileSha256(job.image) === previous.imageSha256After) {
        log(`skipped: prepared at ${previous.finishedAt}, and neither the image nor the request changed since`);
        return { ...previous, status: "skipped", notes: [...previous.notes, `prepared at ${previous.finishedAt}; unchanged since`] };
      }
      log("the image changed since it was prepared: preparing it again");
    }
    if (!options.dryRun) {
      guardReadOnly(job.image, false);
      recoverInterrupted(job.image, previous, record, log, folder);
      record.undoFilesBefore = undoFilesBeside(job.image, folder);
      if (dir) state!.writeRecord(dir, record);
    }
    // The writer lock before the image is read, as `fix` takes it: a second writer is refused, never shown a half-written image.
    const lock = options.dryRun ? undefined : lockImage(job.image, folder);
    try {
      record.imageSha256Before = fileSha256(job.image);
      const { findings, plan } = inspectAndPlan(job.image, {
        mac: job.macs,
        profile: job.profile ?? "p2v-default",
        ...(job.target ? { target: job.target } : {}),
        ...(job.vm ? { vm: job.vm } : {}),
        ...(job.nic === undefined ? {} : { nic: String(job.nic) }),
        ...(job.keepIp === undefined ? {} : { keepIp: job.keepIp }),
        ...(job.drivers ? { drivers: job.drivers } : {}),
      });
      if (job.files) plan.files = job.files;
      record.findingsBefore = shown(findings);
      if (dir) record.plan = state!.writePlan(dir, planToYaml(plan));
      log(`planned: ${plan.fixups.filter((fixup) => fixup.enabled).map((fixup) => fixup.id).join(", ") || "no fixups"}; ${record.findingsBefore.length} problems and warnings`);
      const report = runApply(job.image, plan, { dryRun: options.dryRun === true, ...(folder ? { image: { backupDir: folder } } : {}) });
      record.bytesWritten = report.image?.bytesWritten ?? 0;
      // Nothing written this time (already in place after a kill past the journal's "done"): the undo file is the journal's.
      record.undoFile = report.undoFile ?? (options.dryRun ? null : (readJournal(job.image, folder)?.undoFile ?? null));
      record.filesUndoFile = report.filesUndoFile ?? null;
      record.driversUndoFile = report.driversUndoFile ?? null;
      record.findingsAfter = options.dryRun ? record.findingsBefore : findingsNow(job.image, plan.target ?? undefined);
      record.imageSha256After = fileSha256(job.image);
      log(options.dryRun ? "dry run: nothing written" : `applied: ${record.bytesWritten} bytes written, undo file ${record.undoFile ?? "none (nothing to write)"}; ${record.findingsAfter.length} problems and warnings left`);
    } finally {
      lock?.release();
    }
    return finish(options.dryRun ? "dry-run" : "done");
  } catch (err) {
    record.error = errorOf(err);
    log(`failed: ${record.error.message}`);
    return finish("failed");
  }
}

/**
 * A kill in the middle of an apply leaves the journal at "applying": it is rolled back with its
 * undo file (`p2vfix undo`'s recovery), and that undo file set aside so the image keeps one.
 * An undo file a killed attempt wrote before its journal said "applying" (the image not yet
 * touched) is set aside too; undo files the user made otherwise are left alone.
 */
function recoverInterrupted(image: string, previous: ImageRecord | undefined, record: ImageRecord, log: (text: string) => void, folder: string | undefined): void {
  const journal = readJournal(image, folder);
  if (journal?.state === "applying") {
    log(`an apply was cut off (journal "applying", undo file ${journal.undoFile}): rolling it back`);
    const undone = undoApply(image, { undoFile: journal.undoFile, ...(folder ? { backupDir: folder } : {}) });
    const kept = setAside(journal.undoFile, "rolled-back");
    record.notes.push(`an interrupted apply was rolled back (${undone.action}); its undo file is kept as ${kept}`);
    log(`rolled back (${undone.action}); undo file kept as ${kept}`);
  }
  if (!previous || previous.status === "done" || previous.status === "skipped") return;
  const current = readJournal(image, folder)?.undoFile;
  const from = Date.parse(previous.startedAt);
  const to = previous.finishedAt ? Date.parse(previous.finishedAt) : Number.POSITIVE_INFINITY;
  for (const file of undoFilesBeside(image, folder)) {
    if (previous.undoFilesBefore.includes(file) || file === current) continue;
    const mtime = lstatSync(file).mtimeMs;
    if (mtime < from || mtime > to) continue;
    const kept = setAside(file, "unused");
    record.notes.push(`the attempt before was stopped after writing an undo file and before writing the image; that file is kept as ${kept}`);
    log(`undo file of the stopped attempt (image not written) kept as ${kept}`);
  }
}
